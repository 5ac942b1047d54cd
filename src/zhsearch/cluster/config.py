"""CLUSTER.toml: where a cluster's shards, their mirrors and its distributed table listen.

A production cluster is described by hand; ``zhsearch cluster start`` writes one
for the processes it starts on this machine::

    [distributed]               # the table a query is sent to: it fans out to the shards
    host = "127.0.0.1"
    sql_port = 9306             # SphinxQL (MySQL protocol)
    table = "zhsearch"

    [[shards]]                  # one real-time table; files are placed by a hash of their path
    host = "127.0.0.1"
    sql_port = 9307             # SphinxQL: loading, updates, term statistics
    api_port = 9312             # native API: the distributed table's agent
    table = "zhsearch_0"
    mirrors = [{ host = "10.0.0.2", sql_port = 9307, api_port = 9312 }]  # the same table, kept alike

The order of ``[[shards]]`` is the placement: adding or removing a shard moves
files, so a changed shard list is loaded again with ``--rebuild``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from zhsearch.errors import ClusterConfigError

_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True)
class Endpoint:
    """One ``searchd``: its host, SphinxQL port and native API port."""

    host: str
    sql_port: int
    api_port: int = 0  # only shards need it (the distributed table's agents)

    def __str__(self) -> str:
        return f"{self.host}:{self.sql_port}"


@dataclass(frozen=True)
class Shard:
    """One real-time table on its ``searchd``, and the mirrors that hold the same table."""

    endpoint: Endpoint
    table: str
    mirrors: tuple[Endpoint, ...] = ()

    @property
    def replicas(self) -> tuple[Endpoint, ...]:
        """Every endpoint holding this shard, the primary first: each is written alike."""
        return (self.endpoint,) + self.mirrors

    def agent(self) -> str:
        """The distributed table's ``agent`` line for this shard, mirrors after ``|``."""
        return "|".join(f"{e.host}:{e.api_port}:{self.table}" for e in self.replicas)


@dataclass(frozen=True)
class ClusterConfig:
    """A whole cluster: its distributed table and its shards, in placement order."""

    distributed: Endpoint
    table: str
    shards: tuple[Shard, ...]
    path: Path | None = field(default=None, compare=False)  # the file it was read from


def _endpoint(data: dict, where: str, api: bool) -> Endpoint:
    if not isinstance(data, dict):
        raise ClusterConfigError(f"{where} must be a table with host and sql_port")
    host = data.get("host", "127.0.0.1")
    ports = {}
    for key in ("sql_port", "api_port") if api else ("sql_port",):
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536:
            raise ClusterConfigError(f"{where}.{key} must be a port number, got {value!r}")
        ports[key] = value
    if not isinstance(host, str) or not host:
        raise ClusterConfigError(f"{where}.host must be a host name, got {host!r}")
    return Endpoint(host, **ports)


def _table(data: dict, where: str) -> str:
    name = data.get("table")
    if not isinstance(name, str) or not _TABLE_NAME.fullmatch(name):
        raise ClusterConfigError(f"{where}.table must be a table name (letters, digits, _), got {name!r}")
    return name


def parse_config(data: dict, path: Path | None = None) -> ClusterConfig:
    """The cluster a parsed CLUSTER.toml describes; ClusterConfigError names what is wrong."""
    where = str(path) if path else "cluster"
    distributed = data.get("distributed")
    shards = data.get("shards")
    if not isinstance(distributed, dict):
        raise ClusterConfigError(f"{where} has no [distributed] table (host, sql_port, table)")
    if not isinstance(shards, list) or not shards:
        raise ClusterConfigError(f"{where} names no [[shards]] (host, sql_port, api_port, table)")
    parsed = []
    for number, shard in enumerate(shards):
        name = f"shards[{number}]"
        if not isinstance(shard, dict):
            raise ClusterConfigError(f"{where}: {name} must be a table")
        mirrors = shard.get("mirrors", [])
        if not isinstance(mirrors, list):
            raise ClusterConfigError(f"{where}: {name}.mirrors must be a list of tables")
        parsed.append(Shard(
            _endpoint(shard, name, api=True), _table(shard, name),
            tuple(_endpoint(m, f"{name}.mirrors[{k}]", api=True) for k, m in enumerate(mirrors)),
        ))
    return ClusterConfig(_endpoint(distributed, "distributed", api=False), _table(distributed, "distributed"),
                         tuple(parsed), path)


def load_config(path: str | os.PathLike) -> ClusterConfig:
    """Read CLUSTER.toml.

    >>> load_config("cluster.toml").shards[0].table    # doctest: +SKIP
    'zhsearch_0'
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClusterConfigError(f"no cluster file at {path}; write one or run `zhsearch cluster start --dir DIR`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClusterConfigError(f"cannot read the cluster file {path} ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ClusterConfigError(f"{path} is not valid TOML ({exc})") from exc
    return parse_config(data, path)


def config_text(config: ClusterConfig) -> str:
    """CLUSTER.toml for ``config`` (what ``zhsearch cluster start`` writes)."""

    def endpoint(e: Endpoint, api: bool) -> str:
        return f'host = "{e.host}"\nsql_port = {e.sql_port}\n' + (f"api_port = {e.api_port}\n" if api else "")

    lines = ["# zhsearch cluster: the distributed table a query goes to, and its shards (see docs/scale.md)\n",
             "[distributed]\n", endpoint(config.distributed, False), f'table = "{config.table}"\n']
    for shard in config.shards:
        lines += ["\n[[shards]]\n", endpoint(shard.endpoint, True), f'table = "{shard.table}"\n']
        if shard.mirrors:
            inline = ", ".join(f'{{ host = "{m.host}", sql_port = {m.sql_port}, api_port = {m.api_port} }}'
                               for m in shard.mirrors)
            lines.append(f"mirrors = [{inline}]\n")
    return "".join(lines)
