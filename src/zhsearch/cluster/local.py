"""A cluster on this machine: one ``searchd`` per shard (and per mirror) plus one for
the distributed table, on free loopback ports — for trying it out and for tests.

``start_cluster(folder, shards=2)`` writes each ``searchd``'s configuration,
``folder/cluster.toml`` and ``folder/pids.json``, and starts the processes;
``stop_cluster(folder)`` stops exactly those (each PID is checked to still be
that ``searchd`` with that configuration before it is signalled).  Starting a
stopped folder again keeps its tables (and its ports when they are free).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from zhsearch.cluster.config import ClusterConfig, Endpoint, Shard, config_text, load_config
from zhsearch.cluster.rows import ATTRIBUTES, TABLE_FIELDS
from zhsearch.errors import ClusterError

CLUSTER_FILE = "cluster.toml"
PIDS_FILE = "pids.json"
HOST = "127.0.0.1"
START_SECONDS = 15.0
START_ATTEMPTS = 3  # fresh ports, when another process took one between choosing it and searchd's bind
STOP_SECONDS = 15.0
# Every character of a keyword (zhsearch.cluster.rows): nothing else is ever indexed.
CHARSET_TABLE = "0..9, a..z, _"
SPHINX_TYPES = {"string": "rt_attr_string", "bigint": "rt_attr_bigint", "uint": "rt_attr_uint"}


def searchd_binary() -> str | None:
    """The ``searchd`` on PATH (Debian's ``sphinxsearch``, or Manticore's), or None."""
    return shutil.which("searchd")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _searchd_block(folder: Path, endpoint: Endpoint) -> str:
    listen = f"    listen = {HOST}:{endpoint.sql_port}:mysql41\n"
    if endpoint.api_port:
        listen += f"    listen = {HOST}:{endpoint.api_port}\n"
    return (
        "searchd\n{\n" + listen
        + f"    log = {folder / 'searchd.log'}\n    query_log = {folder / 'query.log'}\n"
        f"    pid_file = {folder / 'searchd.pid'}\n    binlog_path = {folder / 'binlog'}\n"
        "    workers = threads\n    max_packet_size = 32M\n    read_timeout = 30\n    client_timeout = 300\n"
        "    max_children = 64\n    persistent_connections_limit = 16\n"
        # a query an agent (a shard's mirror) failed is sent again, to another mirror
        "    agent_retry_count = 2\n    agent_retry_delay = 0\n    ha_ping_interval = 200\n}\n"
    )


def shard_table_config(table: str, path: Path) -> str:
    """The ``index`` block of one real-time shard (Sphinx 2.2 / Manticore syntax)."""
    lines = [f"index {table}\n{{\n", "    type = rt\n", f"    path = {path}\n",
             "    rt_mem_limit = 256M\n", f"    charset_table = {CHARSET_TABLE}\n",
             "    min_word_len = 1\n", "    index_field_lengths = 1\n"]  # bm25f() needs the field lengths
    lines += [f"    rt_field = {name}\n" for name in dict.fromkeys(TABLE_FIELDS.values())]
    lines += [f"    {SPHINX_TYPES[kind]} = {column}\n" for column, (kind, _) in ATTRIBUTES.items()]
    return "".join(lines) + "}\n"


def distributed_table_config(config: ClusterConfig) -> str:
    """The ``index`` block of the distributed table: one agent line per shard, mirrors after ``|``."""
    # persistent: the head keeps its connections to the shards open (a query measured
    # 2.9 ms through a fresh connection per agent, 0.8 ms through kept ones)
    agents = "".join(f"    agent_persistent = {shard.agent()}\n" for shard in config.shards)
    return (f"index {config.table}\n{{\n    type = distributed\n{agents}"
            "    agent_connect_timeout = 300\n    agent_query_timeout = 10000\n"
            "    ha_strategy = nodeads\n}\n")


def _layout(config: ClusterConfig, folder: Path) -> list[tuple[str, Endpoint, str]]:
    """``(name, endpoint, configuration text)`` of every process of the cluster."""
    out = []
    for number, shard in enumerate(config.shards):
        for copy, endpoint in enumerate(shard.replicas):
            name = f"shard-{number}" + (f"-mirror-{copy}" if copy else "")
            home = folder / name
            text = shard_table_config(shard.table, home / "data" / shard.table) + _searchd_block(home, endpoint)
            out.append((name, endpoint, text))
    home = folder / "head"
    out.append(("head", config.distributed, distributed_table_config(config) + _searchd_block(home, config.distributed)))
    return out


def _new_config(shards: int, mirrors: int) -> ClusterConfig:
    chosen: set[int] = set()

    def port() -> int:  # the kernel may hand a port just closed out again: never twice here
        while (number := _free_port()) in chosen:
            pass
        chosen.add(number)
        return number

    def endpoint() -> Endpoint:
        return Endpoint(HOST, port(), port())

    made = tuple(Shard(endpoint(), f"zhsearch_{n}", tuple(endpoint() for _ in range(mirrors))) for n in range(shards))
    return ClusterConfig(endpoint(), "zhsearch", made)


def _ports(config: ClusterConfig) -> list[int]:
    out = []
    for shard in config.shards:
        for e in shard.replicas:
            out += [e.sql_port, e.api_port]
    return out + [config.distributed.sql_port, config.distributed.api_port]


def _alive(pid: int, conf: Path) -> bool:
    """``pid`` is still the ``searchd`` started with ``conf`` (not a PID reused since)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\x00")
    except OSError:
        return False
    return bool(cmdline) and Path(os.fsdecode(cmdline[0])).name == "searchd" and os.fsencode(str(conf)) in cmdline


def _read_pids(folder: Path) -> dict[str, int]:
    try:
        return {k: int(v) for k, v in json.loads((folder / PIDS_FILE).read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def running(folder: str | os.PathLike) -> dict[str, int]:
    """The processes of ``folder``'s cluster that are still running, by name."""
    folder = Path(folder)
    return {name: pid for name, pid in _read_pids(folder).items() if _alive(pid, folder / name / "searchd.conf")}


class _PortTaken(ClusterError):
    """Another process listens on a port this cluster chose (it was free when chosen)."""


def _wait_ready(process: subprocess.Popen, endpoint: Endpoint, log: Path, offset: int) -> None:
    """Wait until this ``searchd`` serves: its own log (from ``offset``, lines of its PID)
    says ``accepting connections``.  A port that merely accepts a connection is not
    enough: a ``searchd`` whose port another process holds retries its bind() for
    36 s while that other process answers on the port (measured here with Sphinx
    2.2.11), and a client would be talking to someone else's server."""
    deadline = time.monotonic() + START_SECONDS
    mine = f"[{process.pid}] "
    while time.monotonic() < deadline:
        text = _log_since(log, offset)
        lines = [line for line in text.splitlines() if mine in line]
        if any("bind() failed" in line for line in lines):
            raise _PortTaken(f"searchd for {endpoint}: a port is taken by another process ({log})")
        if any("accepting connections" in line for line in lines):
            return
        if process.poll() is not None:
            out = log.parent / "searchd.out"
            lines = [line for line in _log_since(out, 0).splitlines() if line.strip()]
            last = ([line for line in lines if "FATAL" in line or "ERROR" in line] or lines)[-1:]
            raise ClusterError(f"searchd for {endpoint} exited at start: {' '.join(last) or 'no output'} (see {out})")
        time.sleep(0.05)
    raise ClusterError(f"searchd for {endpoint} did not start serving in {START_SECONDS:.0f} s (see {log})")


def _log_since(path: Path, offset: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def start_cluster(folder: str | os.PathLike, shards: int = 2, mirrors: int = 0) -> ClusterConfig:
    """Start a cluster of ``shards`` shards (each with ``mirrors`` mirrors) in ``folder``.

    A folder that holds a stopped cluster is started again as it was (new
    ports only where its own are taken).  Returns the cluster's configuration,
    also written to ``folder/cluster.toml``.
    """
    binary = searchd_binary()
    if binary is None:
        raise ClusterError("searchd is not installed: apt-get install sphinxsearch (or Manticore Search)")
    folder = Path(folder).resolve()
    if running(folder):
        raise ClusterError(f"a cluster is already running in {folder}; `zhsearch cluster stop --dir {folder}` first")
    existing = folder / CLUSTER_FILE
    if existing.exists():
        config = load_config(existing)
        if not all(_port_free(p) for p in _ports(config)):  # the same shards and tables, new ports
            config = _new_config(len(config.shards), len(config.shards[0].mirrors))
    else:
        if not 1 <= shards <= 64 or not 0 <= mirrors <= 4:
            raise ClusterError(f"--shards must be 1 to 64 and --mirrors 0 to 4, got {shards} and {mirrors}")
        config = _new_config(shards, mirrors)
    folder.mkdir(parents=True, exist_ok=True)
    for attempt in range(START_ATTEMPTS):
        try:
            return _start(binary, folder, config)
        except _PortTaken:
            if attempt + 1 == START_ATTEMPTS:
                raise
            config = _new_config(len(config.shards), len(config.shards[0].mirrors))  # the same tables
    raise AssertionError("unreachable")


def _start(binary: str, folder: Path, config: ClusterConfig) -> ClusterConfig:
    """Start every process of ``config`` in ``folder``; stop them all if one fails."""
    (folder / CLUSTER_FILE).write_text(config_text(config), encoding="utf-8")
    pids: dict[str, int] = {}
    try:
        for name, endpoint, text in _layout(config, folder):  # the shards first: the head's agents find them up
            home = folder / name
            for sub in ("data", "binlog"):
                (home / sub).mkdir(parents=True, exist_ok=True)
            conf = home / "searchd.conf"
            conf.write_text(text, encoding="utf-8")
            log = home / "searchd.log"  # searchd's own log, appended to on every start
            offset = log.stat().st_size if log.exists() else 0
            with open(home / "searchd.out", "wb") as out:
                process = subprocess.Popen([binary, "--config", str(conf), "--nodetach"], cwd=home, stdout=out,
                                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            pids[name] = process.pid
            (folder / PIDS_FILE).write_text(json.dumps(pids, indent=1), encoding="utf-8")
            _wait_ready(process, endpoint, log, offset)
    except BaseException:
        stop_cluster(folder)
        raise
    return load_config(folder / CLUSTER_FILE)


def stop_cluster(folder: str | os.PathLike) -> list[int]:
    """Stop the ``searchd`` processes ``start_cluster`` started in ``folder``; their PIDs.

    Each is asked to stop (SIGTERM: it saves its tables), and killed if it has
    not within STOP_SECONDS.  Other ``searchd`` processes are never touched.
    """
    folder = Path(folder).resolve()
    alive = running(folder)
    for pid in alive.values():
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for name, pid in alive.items():
        conf = folder / name / "searchd.conf"
        while _alive(pid, conf) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if _alive(pid, conf):
            os.kill(pid, signal.SIGKILL)
        _reap(pid)
    (folder / PIDS_FILE).unlink(missing_ok=True)
    return list(alive.values())


def _reap(pid: int) -> None:
    """Collect a stopped child of this process (a test's), so it leaves no zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
