"""The corpus's lexicon, stored in the cluster that was loaded with it.

A corpus may carry its own lexicon (``CORPUS/.zhsearch/``: jieba user words,
related terms, answer cues).  The passages were analysed with it, so every
query must be too — from any machine, by any process, whatever its
``ZHSEARCH_LEXICON`` — as the local index keeps its lexicon in its generation.

It is kept as one row of every shard replica's own table, not as a file beside
CLUSTER.toml: the loader is the one party that knows which lexicon built the
rows, and it may run on another machine than the searches do; a file beside
the client's cluster file would have to be copied to every client by hand and
could drift from the data, which is the fault this fixes.  A row needs no
other table (Sphinx 2.2 cannot create one at run time, and a hand-written
production configuration needs nothing more than the shard tables it already
declares), reaches every client through the distributed table it already
queries, and is written to mirrors as every file is.

The row has ``file_id`` 0, which no file has (``rows.file_id`` is at least 1):
file listings (``file_id > 0``) and the statistics pass it by, and its
full-text fields are empty, so no ``MATCH`` finds it.  Its ``file_hash`` is
the lexicon's fingerprint and its ``text`` the lexicon as JSON.  It is written
after the files, so a load stopped half-way leaves the old fingerprint, and the
next load, finding a fingerprint that is not its lexicon's, writes every file
again.
"""

from __future__ import annotations

import json

from zhsearch.cluster.client import literal
from zhsearch.cluster.rows import passage_id
from zhsearch.text.lexicon import Lexicon, lexicon_from_dict, lexicon_to_dict

LEXICON_FILE_ID = 0  # no file hashes to 0: a file's rows are ``file_id > 0``
PASSAGES = f"file_id > {LEXICON_FILE_ID}"  # the filter that leaves the lexicon row out


def lexicon_json(lexicon: Lexicon) -> str:
    """What the row's ``text`` holds: user words, related terms and cues.

    >>> lexicon_json(Lexicon(None, (("催收", 5000, "n"),), {"催收": ("讨债",)}, {}))
    '{"user_words": [["催收", 5000, "n"]], "related": {"催收": ["讨债"]}, "cues": {}}'
    """
    return json.dumps(lexicon_to_dict(lexicon, user_words=True), ensure_ascii=False)


def lexicon_from_json(text: str) -> Lexicon:
    """The lexicon a row holds (ValueError when it is not one)."""
    try:
        data = json.loads(text)
        if "user_words" not in data:
            raise KeyError("user_words")
        return lexicon_from_dict(data)
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"not a stored lexicon: {exc}") from None


def lexicon_id(table: str) -> int:
    """The row's document id: one a shard table (so that the distributed table returns
    each shard's, not one for all), the same on every load."""
    return passage_id(f"\x00lexicon\x00{table}", 0)


def write_lexicon(connection, table: str, lexicon: Lexicon) -> None:
    """Store ``lexicon`` in one shard replica's table (written over on every load)."""
    columns = {"id": lexicon_id(table), "file_id": LEXICON_FILE_ID, "file": "", "source": "",
               "file_hash": lexicon.fingerprint, "text": lexicon_json(lexicon)}
    connection.execute(f"REPLACE INTO {table} ({', '.join(columns)}) "
                       f"VALUES ({', '.join(literal(v) for v in columns.values())})")


def stored_fingerprint(connection, table: str) -> str | None:
    """The fingerprint of the lexicon a shard replica was loaded with; None when it holds none."""
    rows = connection.query(f"SELECT id, file_hash FROM {table} WHERE file_id={LEXICON_FILE_ID} LIMIT 1")[0]
    return str(rows[0][1]) if rows else None


def read_lexicon(query, table: str) -> tuple[Lexicon | None, str]:
    """The lexicon stored in the cluster, read through ``table`` (the distributed table)
    with ``query`` (statements → each one's rows), and a warning when its shards hold
    different ones (a load that stopped half-way): the most common one is used."""
    rows = query(f"SELECT id, file_hash, text FROM {table} WHERE file_id={LEXICON_FILE_ID} LIMIT 64")[0]
    held: dict[str, list[str]] = {}
    for _, fingerprint, text in rows:
        held.setdefault(str(fingerprint), []).append(text)
    if not held:
        return None, ""
    fingerprint = max(held, key=lambda f: (len(held[f]), f))
    try:
        lexicon = lexicon_from_json(held[fingerprint][0])
    except ValueError:
        return None, "the cluster's stored lexicon is unreadable; load it again (zhsearch index --cluster … --rebuild)"
    warning = ("the shards were loaded with different lexicons (a load stopped half-way?); "
               "load the corpus again" if len(held) > 1 else "")
    return lexicon, warning
