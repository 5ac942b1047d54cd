"""The JSON API with the ASGI test client, and the page in real headless Chromium."""

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

fastapi = pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[web]'")
from fastapi.testclient import TestClient  # noqa: E402

import zhsearch  # noqa: E402
from zhsearch.interfaces.web import create_app  # noqa: E402

from conftest import CORPUS, write  # noqa: E402

XSS = "标题标题标题标题\n\n危险的脚本<script>alert(1)</script>和图片<img src=x onerror=alert(2)>都只是文字。\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    write(corpus, "xss.txt", XSS)
    write(corpus, "ids.jsonl", '{"id": "a/../b", "text": "点点斜杠的编号也能打开原文。"}\n')
    zhsearch.build_index(corpus, root / "index")
    return corpus, root / "index"


@pytest.fixture(scope="module")
def client(served):
    with TestClient(create_app(served[1])) as c:
        yield c


def test_search_returns_the_cli_json_contract(client, index_dir):
    data = client.get("/api/search", params={"q": "九千会上门吗", "limit": 3}).json()
    assert set(data) == {"query", "took_ms", "total", "hits", "suggestions"}
    assert data["hits"][0]["source"] == "004_69b0fd6045c32687.txt"
    with zhsearch.open_index(index_dir) as idx:
        expected = idx.search("九千会上门吗", limit=3).to_dict()
    assert [(h["source"], h["line"], h["highlights"]) for h in data["hits"]] == [
        (h["source"], h["line"], h["highlights"]) for h in expected["hits"]
    ]


def test_bounds_give_422(client):
    assert client.get("/api/search", params={"q": "上门", "limit": 0}).status_code == 422
    assert client.get("/api/search", params={"q": "上门", "limit": 101}).status_code == 422
    assert client.get("/api/search", params={"q": "上" * 1001}).status_code == 422
    assert client.get("/api/search", params={"q": "   "}).status_code == 422
    assert client.get("/api/search").status_code == 422


def test_documents_serve_only_indexed_sources(client):
    doc = client.get("/api/documents/003_107d5c6a02a6c2dc.txt").json()
    assert doc["title"].startswith("網貸逾期")
    assert any("上門取證的主要目的" in p["text"] for p in doc["passages"])
    for bad in ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "/etc/passwd",
                "corpus/../../etc/passwd", "003_107d5c6a02a6c2dc.txt%00", "nothing.txt"):
        response = client.get("/api/documents/" + bad)
        assert response.status_code == 404, bad
        assert "root:" not in response.text


def test_index_info_for_the_page(client, served):
    info = client.get("/api/index").json()
    assert info["name"] == served[0].name and info["files"] == 7 and info["passages"] > 100
    assert info["updated"][:4].isdigit() and "T" in info["updated"]


def test_one_offset_limit_for_cli_library_and_api(client, index_dir):
    from click.testing import CliRunner

    from zhsearch.interfaces.cli import main
    from zhsearch.searching.search import MAX_OFFSET

    assert client.get("/api/search", params={"q": "上门", "offset": MAX_OFFSET}).status_code == 200
    assert client.get("/api/search", params={"q": "上门", "offset": MAX_OFFSET + 1}).status_code == 422
    over = CliRunner().invoke(main, ["search", "上门", "--index", str(index_dir), "--offset", str(MAX_OFFSET + 1)])
    assert over.exit_code == 2 and f"0<=x<={MAX_OFFSET}" in over.output
    with zhsearch.open_index(index_dir) as idx, pytest.raises(zhsearch.BadQueryError):
        idx.search("上门", offset=MAX_OFFSET + 1)


def test_health_stats_and_openapi(client):
    assert client.get("/health").json() == {"status": "ok", "index": "ready"}
    assert client.get("/api/stats").json()["passages"] > 100
    schema = client.get("/openapi.json").json()
    assert {"/api/search", "/api/documents/{source}", "/api/stats", "/health"} <= set(schema["paths"])


def test_responses_keep_to_the_openapi_schema(client):
    """Each operation, called with valid and invalid input, answers with a status its schema declares."""
    schema = client.get("/openapi.json").json()
    calls = {
        "/api/search": ["/api/search?q=上门", "/api/search?q=", "/api/search?q=上门&limit=500"],
        "/api/documents/{source}": ["/api/documents/001_af812bedea45467b.txt", "/api/documents/nope"],
        "/api/stats": ["/api/stats"],
        "/health": ["/health"],
        "/api/index": ["/api/index"],
    }
    for path, urls in calls.items():
        declared = set(schema["paths"][path]["get"]["responses"])
        for url in urls:
            assert str(client.get(url).status_code) in declared, url


def test_missing_index_is_a_json_error_naming_the_fix(tmp_path):
    with TestClient(create_app(tmp_path / "none")) as c:
        response = c.get("/api/search", params={"q": "上门"})
        assert response.status_code == 503
        assert "zhsearch index" in response.json()["detail"]
        assert "Traceback" not in response.text
        health = c.get("/health")  # a server with nothing to search is not healthy
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        assert "zhsearch index" in health.json()["index"]
        assert c.get("/api/index").status_code == 503


def test_a_rebuilt_index_is_served_without_restart(tmp_path):
    corpus = tmp_path / "c"
    write(corpus, "a.txt", "甲文档的标题在这\n\n甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, tmp_path / "i")
    with TestClient(create_app(tmp_path / "i")) as c:
        assert c.get("/api/search", params={"q": "分期还款"}).json()["total"] == 1
        write(corpus, "b.txt", "乙文档的标题在这\n\n乙的正文讲协商延期。\n")
        zhsearch.build_index(corpus, tmp_path / "i", rebuild=True)
        assert c.get("/api/search", params={"q": "协商延期"}).json()["hits"][0]["source"] == "b.txt"


# --- the page in a real browser ------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(served):
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(served[1]), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(server):
    if not CHROMIUM.exists():
        pytest.skip("no browser: /usr/bin/chromium is missing (apt-get install chromium; .ci/run does)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )
        tab = browser.new_page(viewport={"width": 390, "height": 800})  # a phone-sized screen
        dialogs = []
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        tab.dialogs = dialogs
        yield tab
        browser.close()


def test_typing_a_question_shows_the_answer_highlighted(page, server):
    page.goto(server + "/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'q'")  # autofocus
    page.keyboard.type("九千会上门吗")  # keyboard only from here on
    page.keyboard.press("Enter")
    first = page.locator("article").first
    first.wait_for(timeout=15000)
    assert "004_69b0fd6045c32687.txt" in first.locator(".source").inner_text()
    assert "九千" in " ".join(first.locator("mark").all_inner_texts())
    assert "?q=" in page.url  # shareable
    first.locator(".source").focus()
    page.keyboard.press("Enter")
    page.locator("#document.open p.current").wait_for(timeout=15000)
    assert "九千" in page.locator("#document p.current").inner_text()


def test_corpus_markup_renders_as_text(page, server):
    page.goto(server + "/?q=危险的脚本")
    page.locator("article").first.wait_for(timeout=15000)
    text = page.locator("article .text").first.inner_text()
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(2)>" in text
    assert page.locator("article img").count() == 0 and page.locator("article script").count() == 0
    assert page.dialogs == []


def test_serve_on_a_busy_port_is_a_one_line_error(served):
    from click.testing import CliRunner

    from zhsearch.interfaces.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--index", str(served[1]), "--port", str(port)])
    assert result.exit_code == 2
    assert result.output.startswith("zhsearch: error: cannot listen") and result.output.count("\n") == 1


def test_a_source_with_dot_segments_opens_in_the_page(page, server, client):
    """A JSONL id "a/../b": the page asked for /api/documents/ids.jsonl#b (the
    browser folded "/../" out of the path), "no indexed document"."""
    from urllib.parse import quote

    assert client.get("/api/documents/" + quote("ids.jsonl#a/../b", safe="")).status_code == 200
    page.goto(server + "/?q=点点斜杠的编号")
    first = page.locator("article").first
    first.wait_for(timeout=15000)
    first.locator(".source").click()
    page.locator("#document.open p.current").wait_for(timeout=15000)
    assert "ids.jsonl#a/../b" in page.locator("#doc-title").inner_text()

# --- what a new user sees: each view checked, and its screenshot --------------

SHOTS = Path(__file__).resolve().parent / "screenshots"  # written on every run, not committed


def _shot(page, name: str) -> bytes:
    SHOTS.mkdir(exist_ok=True)
    data = page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000  # a page was drawn, not a blank
    return data


def _chinese_only(text: str) -> None:
    """The page speaks one language: no English sentence among its messages."""
    import re

    assert not re.search(r"\b(?:error|no index|run|not found|the query)\b", text, re.IGNORECASE), text


def test_home_shows_the_index_and_a_syntax_hint(page, server, served):
    page.goto(server + "/")
    page.wait_for_function("document.getElementById('index-info').textContent.includes('个段落')")
    info = page.inner_text("#index-info")
    assert served[0].name in info and "7 个文件" in info and "更新于" in info
    hint = page.inner_text("#hint")
    assert page.is_visible("#hint") and '"上门取证"' in hint and "-催收" in hint and "OR" in hint and "file:" in hint
    assert page.is_hidden("#tips")
    _shot(page, "home")


def test_results_then_the_document_with_its_matches_highlighted(page, server):
    page.goto(server + "/?q=上门取证的目的是什么")
    first = page.locator("article").first
    first.wait_for(timeout=15000)
    assert page.is_hidden("#hint") and page.is_hidden("#tips")
    assert "上門取證" in " ".join(first.locator("mark").all_inner_texts())  # as written, traditional
    _shot(page, "results")
    first.locator(".source").click()
    page.locator("#document.open p.current mark").first.wait_for(timeout=15000)
    marks = page.locator("#document mark").all_inner_texts()
    assert "上門取證" in marks
    assert page.locator("#document p:not(.current) mark").count() > 0  # elsewhere in the document too
    _chinese_only(page.inner_text("main"))
    _shot(page, "document")


def test_no_result_page_gives_tips(page, server):
    page.goto(server + "/?q=" + "量子色动力学渐近自由")
    page.wait_for_function("document.getElementById('status').textContent.includes('没有找到')")
    assert page.is_visible("#tips") and "换一种说法" in page.inner_text("#tips")
    assert page.locator("article").count() == 0
    _chinese_only(page.inner_text("main"))
    _shot(page, "no-result")


def test_a_missing_index_is_told_in_chinese(page, tmp_path):
    """The page over no index: the message is Chinese and names the command."""
    import uvicorn

    port = _free_port()
    instance = uvicorn.Server(uvicorn.Config(create_app(tmp_path / "none"), host="127.0.0.1", port=port,
                                             log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    tab = page.context.browser.new_page()  # the same browser: one Playwright per thread
    try:
        tab.goto(f"http://127.0.0.1:{port}/?q=上门")
        tab.wait_for_function("document.getElementById('status').textContent.includes('zhsearch index')")
        command = f"zhsearch index --corpus DIR --index {tmp_path / 'none'}"  # the server's, whole
        assert tab.inner_text("#status") == f"出错了：还没有索引：请先运行 {command} 建立索引"
        assert "还没有索引" in tab.inner_text("#index-info")
        _chinese_only(tab.inner_text("main").replace(command, "").replace("zhsearch index", ""))
    finally:
        tab.close()
        instance.should_exit = True
        thread.join(timeout=10)


def test_an_unfinished_update_is_told_in_chinese_with_the_command(page, tmp_path):
    """An index whose last update did not finish: the page says so above the hits."""
    import uvicorn

    from zhsearch.storage.layout import live_generation, read_meta, write_meta

    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", "绿茶用八十度的水冲泡。\n")
    zhsearch.build_index(corpus, index)
    gen = live_generation(index)
    write_meta(gen, {**read_meta(gen), "sums": None}, seal=False)  # as an update killed after its commit leaves it
    port = _free_port()
    instance = uvicorn.Server(uvicorn.Config(create_app(index), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    tab = page.context.browser.new_page()
    try:
        tab.goto(f"http://127.0.0.1:{port}/?q=绿茶")
        tab.locator("article").first.wait_for(timeout=15000)
        command = f"zhsearch index --rebuild --index {index.resolve()}"
        assert tab.inner_text("#warnings") == f"注意：索引的上次更新没有完成，结果可能与文件不一致；请运行 {command}"
    finally:
        tab.close()
        instance.should_exit = True
        thread.join(timeout=10)
