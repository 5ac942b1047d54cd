"""Never lose the index: real processes killed mid-build, run side by side, searched meanwhile."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import zhsearch
from zhsearch.storage.layout import live_generation

from conftest import CORPUS


def zh(*args, **kwargs):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "zhsearch", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **kwargs)


@pytest.fixture
def built(tmp_path):
    """A small built index, and a corpus grown large enough that a rebuild takes seconds."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for path in CORPUS.glob("*.txt"):
        (corpus / path.name).write_bytes(path.read_bytes())
    zhsearch.build_index(corpus, index)
    text = (CORPUS / "004_69b0fd6045c32687.txt").read_text(encoding="utf-8")
    for n in range(150):
        (corpus / f"bulk_{n:03}.txt").write_text(f"第{n}号副本\n\n" + text.replace("九千", f"{n}千"), encoding="utf-8")
    return corpus, index


def wait_for_new_generation(index: Path, old: Path, proc, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.is_dir() and p.name.startswith("gen-") and p != old for p in index.iterdir()):
            time.sleep(0.3)  # let it write for a moment
            return
        if proc.poll() is not None:
            pytest.fail(f"the build ended before it could be interrupted: {proc.stderr.read()}")
        time.sleep(0.02)
    pytest.fail("the build never started writing")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_rebuild_killed_midway_leaves_the_previous_index_searchable(built, sig):
    corpus, index = built
    before = live_generation(index)
    proc = zh("index", "--rebuild", "--corpus", str(corpus), "--index", str(index))
    wait_for_new_generation(index, before, proc)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert "Traceback" not in proc.stderr.read()
    assert live_generation(index) == before
    with zhsearch.open_index(index) as idx:
        assert idx.search("九千会上门吗")[0].source == "004_69b0fd6045c32687.txt"
    # the next run cleans up what the killed one left
    for path in corpus.glob("bulk_*"):
        path.unlink()
    assert zhsearch.build_index(corpus, index, rebuild=True).mode == "full"
    assert [p.name for p in index.iterdir() if p.name.startswith("gen-")] == [live_generation(index).name]


def test_second_writer_is_refused_and_searches_keep_working_during_a_rebuild(built):
    corpus, index = built
    before = live_generation(index)
    writer = zh("index", "--rebuild", "--corpus", str(corpus), "--index", str(index))
    try:
        wait_for_new_generation(index, before, writer)
        second = zh("index", "--corpus", str(corpus), "--index", str(index))
        _, err = second.communicate(timeout=60)
        assert second.returncode == 2
        assert err.count("\n") == 1 and "another zhsearch process is writing" in err
        search = zh("search", "九千会上门吗", "--index", str(index), "-n", "1")
        out, _ = search.communicate(timeout=60)
        assert search.returncode == 0 and "004_69b0fd6045c32687.txt" in out
    finally:
        writer.kill()
        writer.wait()


def _bulk_corpus(tmp_path) -> Path:
    """A corpus just large enough for a parallel build (one sub-writer per core)."""
    from zhsearch.storage.build import PARALLEL_MIN_BYTES

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (CORPUS / "004_69b0fd6045c32687.txt").read_text(encoding="utf-8")
    n = 0
    while sum(p.stat().st_size for p in corpus.iterdir()) < PARALLEL_MIN_BYTES * 1.1:
        (corpus / f"bulk_{n:04}.txt").write_text(f"第{n}号\n\n" + text, encoding="utf-8")
        n += 1
    return corpus


def _sub_writers(proc) -> list[int]:
    """The pids of a parallel build's sub-writers, once it has started them (within a minute)."""
    deadline = time.monotonic() + 60
    children = []
    while time.monotonic() < deadline and len(children) < 2:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True).stdout
        children = [int(pid) for pid in out.split()]
        time.sleep(0.1)
    assert len(children) >= 2, "the build never started its sub-writers"
    return children


def test_killed_parallel_build_leaves_no_sub_writer_behind(tmp_path):
    corpus, index = _bulk_corpus(tmp_path), tmp_path / "index"
    proc = zh("index", "--corpus", str(corpus), "--index", str(index))
    children = _sub_writers(proc)
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in children):
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower() for pid in children)


def test_ctrl_c_during_a_parallel_build_is_one_line(tmp_path):
    """Ctrl-C reaches the whole process group, sub-writers included: only the parent speaks."""
    corpus, index = _bulk_corpus(tmp_path), tmp_path / "index"
    proc = zh("index", "--corpus", str(corpus), "--index", str(index), start_new_session=True)
    children = _sub_writers(proc)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "zhsearch: interrupted; the index is unchanged\n"
    assert live_generation(index) is None and not any(index.glob("gen-*"))


def test_an_update_after_killed_rebuilds_removes_what_they_left(built):
    corpus, index = built
    before = live_generation(index)
    for _ in range(2):
        proc = zh("index", "--rebuild", "--corpus", str(corpus), "--index", str(index))
        wait_for_new_generation(index, before, proc)
        proc.kill()
        proc.wait(timeout=60)
    assert len(list(index.glob("gen-*"))) >= 2
    for path in corpus.glob("bulk_*"):
        path.unlink()
    assert zhsearch.build_index(corpus, index).mode in ("unchanged", "update")
    assert [p.name for p in index.iterdir() if p.name.startswith("gen-")] == [before.name]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_watch_answers_every_request_while_the_index_updates(tmp_path):
    """`serve --watch` on loopback under steady updates (edits, additions, deletions)
    with search, stats, suggest and document requests 6 at a time: no 5xx, ever;
    the watcher takes in every update.  Bounded: 8 updates, at most 60 s."""
    import json
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for path in CORPUS.glob("*.txt"):
        (corpus / path.name).write_bytes(path.read_bytes())
    zhsearch.build_index(corpus, index)
    port = _free_port()
    server = zh("serve", "--watch", "--corpus", str(corpus), "--index", str(index), "--port", str(port))
    base = f"http://127.0.0.1:{port}"

    def get(path: str):
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get("/health")[1]["index"] == "ready":
                    break
            except (urllib.error.URLError, ConnectionError, TypeError):
                pass
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "the server never came up"
            time.sleep(0.2)
        quoted = urllib.parse.quote
        paths = [f"/api/search?q={quoted('九千会上门吗')}", "/api/stats", f"/api/suggest?q={quoted('上门')}",
                 f"/api/documents/{quoted('004_69b0fd6045c32687.txt')}", f"/api/search?q={quoted('律师函 逾期')}",
                 f"/api/documents/{quoted('new_0.txt')}"]
        failures, counts, stop = [], {}, threading.Event()

        def client(k: int) -> None:
            n = k
            while not stop.is_set() and n < 2000:
                path = paths[n % len(paths)]
                status, body = get(path)
                counts[status] = counts.get(status, 0) + 1
                if status >= 500 or (status == 404 and "new_0" not in path):
                    failures.append((path, status, body))
                n += 6

        threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
        for thread in threads:
            thread.start()
        text = (CORPUS / "004_69b0fd6045c32687.txt").read_text(encoding="utf-8")
        try:
            for n in range(8):  # edit, add, delete in turn
                if n % 3 == 0:
                    (corpus / "004_69b0fd6045c32687.txt").write_text(text + f"\n\n第{n}次修改的补充说明。\n", encoding="utf-8")
                elif n % 3 == 1:
                    (corpus / f"new_{n % 2}.txt").write_text(f"新增{n}\n\n律师函第{n}版讲逾期以后如何协商。\n", encoding="utf-8")
                else:
                    for path in corpus.glob("new_*.txt"):
                        path.unlink()
                time.sleep(2.2)  # past the watcher's debounce: one update each
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        assert not failures, failures[:5]
        assert counts.get(200, 0) > 50, counts
        # the watcher lived through it: the last edit is found
        deadline = time.monotonic() + 30
        while get(f"/api/search?q={quoted('第6次修改的补充说明')}")[1]["total"] == 0:
            assert time.monotonic() < deadline, "the last update never reached the server"
            time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
