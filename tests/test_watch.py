"""``zhsearch index --watch`` and ``serve --watch``: real processes following a real folder."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

import zhsearch
from zhsearch.interfaces.cli import main

from conftest import write
from makedocs import write_docx

WAIT = 20.0  # seconds a change may take to show (it takes about one)


class Watcher:
    """A ``zhsearch`` process, its stdout and stderr read line by line as they come."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "zhsearch", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            env={**os.environ, "NO_COLOR": "1"},
        )
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[tuple[str, str]] = []
        for name in ("stdout", "stderr"):
            threading.Thread(target=self._pump, args=(name,), daemon=True).start()

    def _pump(self, name: str) -> None:
        for line in getattr(self.proc, name):
            self.lines.put((name, line.rstrip("\n")))

    def wait_for(self, text: str, timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                item = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(item)
            if text in item[1]:
                return item[1]
        raise AssertionError(f"no {text!r} within {timeout} s; saw {self.seen}")

    def drain(self) -> list[tuple[str, str]]:
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return self.seen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def _first_text(index, query: str) -> str | None:
    """The first hit's text; any error (a search that fails during an update) fails the test."""
    with zhsearch.open_index(index) as idx:
        hits = idx.search(query, limit=1)
        return hits[0].text if len(hits) else None


def _first_source(index, query: str) -> str | None:
    with zhsearch.open_index(index) as idx:
        hits = idx.search(query, limit=1)
        return hits[0].source if len(hits) else None


def _eventually(check, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture
def folders(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "loan.txt", "网贷逾期九千元，平台一般先电话联系，不会直接上门。\n")
    return corpus, tmp_path / "index"


def test_index_watch_follows_adds_edits_deletes_batches_a_burst_and_stops_on_ctrl_c(folders):
    corpus, index = folders
    watcher = Watcher("index", "--watch", "--corpus", str(corpus), "--index", str(index))
    try:
        watcher.wait_for("indexed 1 file,")
        watcher.wait_for("watching")

        write(corpus, "rent.txt", "出租人应当在七日内退还押金，不得无故扣留。\n")
        assert "七日内退还押金" in _eventually(lambda: _first_text(index, "押金多久退还"))

        write(corpus, "rent.txt", "出租人应当在十日内退还押金，逾期按日支付违约金。\n")
        assert "十日内" in _eventually(lambda: (t := _first_text(index, "押金多久退还")) and "十日内" in t and t)

        write_docx(corpus / "leave.docx")  # a Word file saved into the folder
        assert "百分之八十" in _eventually(lambda: _first_text(index, "病假工资怎么发"))

        (corpus / "notes").mkdir()
        (corpus / "rent.txt").rename(corpus / "notes" / "rent-2025.txt")  # renamed into a new folder
        assert _eventually(lambda: _first_source(index, "押金多久退还") == "notes/rent-2025.txt")

        (corpus / "notes" / "rent-2025.txt").unlink()
        _eventually(lambda: "押金" not in (_first_text(index, "押金多久退还") or ""))

        watcher.wait_for("updated 0 changed files, removed 1")
        watcher.drain()
        before = sum("updated" in line for _, line in watcher.seen)
        for n in range(5):  # a burst of saves: one update
            write(corpus, f"burst{n}.txt", f"第{n}份通知：小区停水时间为上午九点至下午三点。\n")
        watcher.wait_for("updated 5 changed files")
        time.sleep(1.0)  # nothing more comes
        assert sum("updated" in line for _, line in watcher.drain()) == before + 1

        watcher.proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert watcher.proc.wait(timeout=10) == 0
        watcher.wait_for("stopped watching")
        assert all("Traceback" not in line for _, line in watcher.drain())
    finally:
        watcher.stop()
    assert "九千" in _first_text(index, "九千会上门吗")


def test_killed_in_the_middle_of_an_update_the_index_stays_searchable(folders):
    corpus, index = folders
    watcher = Watcher("index", "--watch", "--corpus", str(corpus), "--index", str(index))
    try:
        watcher.wait_for("watching")
        # about 60,000 characters of new text: an update of a second or two
        paragraph = "小区物业应当在停水前二十四小时发布通知，说明停水原因和恢复供水的时间。"
        for n in range(6):
            write(corpus, f"notice{n:02}.txt", "\n\n".join(f"{n}-{i} {paragraph}" for i in range(250)))
        watcher.wait_for("updating the index")
        assert "九千" in _first_text(index, "九千会上门吗")  # searches work while it updates
        time.sleep(0.2)
        assert watcher.proc.poll() is None
        watcher.proc.kill()
        watcher.proc.wait(timeout=10)
        assert not any("updated" in line for _, line in watcher.drain())  # it did not finish
    finally:
        watcher.stop()
    assert "九千" in _first_text(index, "九千会上门吗")  # the last finished state, searchable
    report = zhsearch.build_index(corpus, index)  # and the next run catches up
    if report.mode == "full":  # killed while it wrote: built again, and said so
        assert report.warnings[0].startswith("its last update did not finish")
        assert report.files_indexed == report.files_total
    else:  # killed before it wrote anything
        assert report.mode == "update" and report.files_indexed == 6
    assert "停水" in _first_text(index, "停水原因")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_watch_shows_new_files_without_a_restart(folders):
    pytest.importorskip("fastapi")
    corpus, index = folders
    port = _free_port()
    watcher = Watcher("serve", "--watch", "--corpus", str(corpus), "--index", str(index), "--port", str(port))

    def first_hit(query: str):
        url = f"http://127.0.0.1:{port}/api/search?" + urllib.parse.urlencode({"q": query})
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                hits = json.load(response)["hits"]
        except OSError:
            return None
        return hits[0] if hits else None

    try:
        watcher.wait_for("watching")
        assert _eventually(lambda: first_hit("九千会上门吗"))["source"] == "loan.txt"
        write(corpus, "water.txt", "小区停水期间，物业应当设置临时供水点。\n")
        assert _eventually(lambda: (h := first_hit("停水期间去哪里取水")) and h["source"] == "water.txt" and h)
        watcher.proc.send_signal(signal.SIGINT)
        watcher.proc.wait(timeout=15)
        assert all("Traceback" not in line for _, line in watcher.drain())
    finally:
        watcher.stop()


def test_watch_without_watchfiles_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "watchfiles", None)
    write(tmp_path / "corpus", "a.txt", "押金应当在七日内退还。\n")
    result = CliRunner().invoke(main, ["index", "--watch", "--corpus", str(tmp_path / "corpus"),
                                       "--index", str(tmp_path / "index")])
    assert result.exit_code == 2
    assert result.output == "zhsearch: error: --watch needs the watch extra: pip install 'zhsearch[watch]'\n"


def test_serve_watch_lives_through_a_damaged_epub(folders, tmp_path):
    """An EPUB whose chapter zip cannot unpack is one warning; the watcher goes on
    and indexes what comes after it (it died of the traceback, silently)."""
    pytest.importorskip("fastapi")
    from makedocs import write_epub
    from test_documents import _damaged

    corpus, index = folders
    good = write_epub(tmp_path / "good.epub")
    port = _free_port()
    watcher = Watcher("serve", "--watch", "--corpus", str(corpus), "--index", str(index), "--port", str(port))
    try:
        watcher.wait_for("watching")
        _damaged(good, corpus / "book.epub", "unsupported method", "content.opf")
        watcher.wait_for("book.epub: not a readable EPUB")
        write(corpus, "water.txt", "小区停水期间，物业应当设置临时供水点。\n")
        assert _eventually(lambda: _first_source(index, "停水期间去哪里取水") == "water.txt")
        watcher.proc.send_signal(signal.SIGINT)
        watcher.proc.wait(timeout=15)
        assert all("Traceback" not in line for _, line in watcher.drain())
    finally:
        watcher.stop()
