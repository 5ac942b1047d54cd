"""Talking SphinxQL (the MySQL protocol) to one ``searchd``, with errors a user can act on.

PyMySQL is the client: pure Python (nothing to compile, a wheel on every
platform), maintained, and it speaks the ``mysql41`` protocol Sphinx 2.2 and
Manticore serve.  Its errors never leave this module: a refused connection
becomes ClusterUnavailableError, an unknown table ClusterTableMissingError.
"""

from __future__ import annotations

import re

from zhsearch.cluster.config import Endpoint
from zhsearch.errors import ClusterError, ClusterUnavailableError, ClusterTableMissingError, MissingExtraError

CONNECT_TIMEOUT = 3.0  # seconds: a shard on a live network answers in milliseconds
READ_TIMEOUT = 60.0
# What Sphinx's string literals cannot hold (NUL ends its lexer, \x1a is read as Z):
# written as the symbols for them, one character for one, so highlights still land.
_UNSENDABLE = str.maketrans({"\x00": "\u2400", "\x1a": "\u241a"})
_MISSING = re.compile(r"unknown local index|no such index|unknown index|no enabled local indexes", re.I)
INSTALL = "pip install 'zhsearch[cluster]'"


def _pymysql():
    try:
        import pymysql
    except ImportError:
        raise MissingExtraError(f"a cluster needs the PyMySQL client: {INSTALL}") from None
    return pymysql


def literal(value) -> str:
    """A SphinxQL literal: numbers as they are, text quoted and escaped.

    >>> literal("it's"), literal(3)
    ("'it\\\\'s'", '3')
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"no SphinxQL literal for {type(value).__name__}")
    if isinstance(value, str):
        pymysql = _pymysql()
        return "'" + pymysql.converters.escape_string(value.translate(_UNSENDABLE)) + "'"
    return repr(value)


class Connection:
    """One SphinxQL connection; ``query`` runs statements and returns each one's rows."""

    def __init__(self, endpoint: Endpoint, what: str = "searchd", timeout: float = CONNECT_TIMEOUT):
        pymysql = _pymysql()
        self.endpoint, self.what = endpoint, what
        try:
            self._conn = pymysql.connect(
                host=endpoint.host, port=endpoint.sql_port, charset="utf8mb4", autocommit=True,
                connect_timeout=timeout, read_timeout=READ_TIMEOUT, write_timeout=READ_TIMEOUT,
                client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS,
            )
        except pymysql.err.MySQLError as exc:
            raise self._error(exc) from None

    def query(self, *statements: str) -> list[tuple]:
        """Run ``SELECT`` and ``SHOW`` statements in one round trip; the rows of each, in order."""
        return self._run(";\n".join(statements))

    def execute(self, *statements: str) -> None:
        """Run writes, one round trip each (a batch may only hold ``SELECT`` and ``SHOW``)."""
        for statement in statements:
            self._run(statement)

    def _run(self, sql: str) -> list[tuple]:
        pymysql = _pymysql()
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(sql)
                results = [cursor.fetchall()]
                while cursor.nextset():
                    results.append(cursor.fetchall())
        except pymysql.err.MySQLError as exc:
            raise self._error(exc) from None
        except (OSError, EOFError) as exc:
            raise ClusterUnavailableError(f"{self.what} at {self.endpoint} stopped answering ({exc})") from None
        return results

    def _error(self, exc) -> ClusterError:
        pymysql = _pymysql()
        message = str(exc.args[1] if len(exc.args) > 1 else exc).rstrip("\x00").strip()
        if isinstance(exc, pymysql.err.OperationalError) and exc.args and exc.args[0] in (2003, 2006, 2013):
            return ClusterUnavailableError(
                f"{self.what} at {self.endpoint} does not answer ({message}); start it, "
                "or check the host and ports in the cluster file")
        if _MISSING.search(message):
            return ClusterTableMissingError(f"{self.what} at {self.endpoint}: {message}; "
                                            "check the table names in the cluster file")
        return ClusterError(f"{self.what} at {self.endpoint}: {message}")

    def close(self) -> None:
        try:
            self._conn.close()
        except Exception:  # a connection the server dropped: nothing to close
            pass


def meta(rows) -> tuple[dict[str, str], dict[str, int]]:
    """``SHOW META`` as (its plain values, each keyword's document count)."""
    values, words, docs = {}, {}, {}
    for name, value in rows:
        match = re.fullmatch(r"(keyword|docs)\[(\d+)\]", name)
        if match is None:
            values[name] = value
        elif match.group(1) == "keyword":
            words[match.group(2)] = value
        else:
            docs[match.group(2)] = int(value)
    return values, {words[k]: docs.get(k, 0) for k in words}


FILES_PAGE = 10_000


def file_groups(connection: Connection, table: str, columns: str = "file") -> list[tuple]:
    """One row per file a table holds — ``(file_id, *columns, passages)`` — read in pages by
    file id (a single grouped query over millions of files would make the engine
    allocate for all of them at once)."""
    out, last = [], 0
    while True:
        rows = connection.query(
            f"SELECT file_id, {columns}, COUNT(*) AS n FROM {table} WHERE file_id > {last} GROUP BY file_id "
            f"ORDER BY file_id ASC LIMIT {FILES_PAGE} OPTION max_matches={FILES_PAGE}")[0]
        out.extend(rows)
        if len(rows) < FILES_PAGE:
            return out
        last = rows[-1][0]
