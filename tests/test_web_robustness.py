"""The server tells the truth: it sees every committed update, and invalid input is a 422 (issue 17)."""

import pytest

fastapi = pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[web]'")
from fastapi.testclient import TestClient  # noqa: E402

import zhsearch  # noqa: E402
from zhsearch.storage.layout import live_generation  # noqa: E402
from zhsearch.interfaces.web import create_app  # noqa: E402

from conftest import write  # noqa: E402

TITLE = "标题标题标题标题\n\n"


def sources(client, query):
    response = client.get("/api/search", params={"q": query})
    assert response.status_code == 200, response.text
    return [hit["source"] for hit in response.json()["hits"]]


def test_the_server_sees_every_committed_update(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", TITLE + "甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, index)
    with TestClient(create_app(index)) as client:
        assert sources(client, "分期还款") == ["a.txt"]
        assert sources(client, "律师函") == []

        write(corpus, "b.txt", TITLE + "乙的正文讲律师函和仲裁。\n")  # added
        assert zhsearch.build_index(corpus, index).mode == "update"
        assert sources(client, "律师函") == ["b.txt"]
        assert sources(client, "zhongcai") == ["b.txt"]  # the pinyin map of the update too

        write(corpus, "a.txt", TITLE + "甲的正文改讲上门催收。\n")  # edited
        zhsearch.build_index(corpus, index)
        assert sources(client, "分期还款") == []
        assert sources(client, "上门催收") == ["a.txt"]

        (corpus / "b.txt").unlink()  # deleted
        zhsearch.build_index(corpus, index)
        assert sources(client, "律师函") == []
        assert client.get("/api/documents/b.txt").status_code == 404

        before = live_generation(index)
        zhsearch.build_index(corpus, index, rebuild=True)  # a rebuild swaps the generation
        assert live_generation(index) != before
        assert sources(client, "上门催收") == ["a.txt"]


def test_damage_after_the_server_opened_the_index_is_reported(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", TITLE + "甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, index)
    with TestClient(create_app(index)) as client:
        assert client.get("/health").json() == {"status": "ok", "index": "ready"}
        seg = next(live_generation(index).glob("*.seg"))
        data = bytearray(seg.read_bytes())
        data[len(data) // 2] ^= 0xFF
        seg.write_bytes(bytes(data))
        response = client.get("/health")
        health = response.json()
        assert response.status_code == 503 and health["status"] == "unavailable"
        assert "does not match its checksum" in health["index"] and "--rebuild" in health["index"]
        response = client.get("/api/search", params={"q": "分期还款"})
        assert response.status_code == 503 and "run `zhsearch index --rebuild --index " in response.json()["detail"]
        zhsearch.build_index(corpus, index, rebuild=True)
        assert client.get("/health").json()["index"] == "ready"
        assert sources(client, "分期还款") == ["a.txt"]


@pytest.mark.parametrize("q", ["\x00", "\x00\x01", "\x7f", "\x1b"])
def test_a_query_of_nothing_searchable_is_422(tmp_path, q):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", TITLE + "甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, index)
    with TestClient(create_app(index)) as client:
        response = client.get("/api/search", params={"q": q})
        assert response.status_code == 422
        assert "the query is empty" in response.json()["detail"]


def test_a_source_with_a_newline_opens(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "new\nline.txt", TITLE + "换行的文件名讲分期还款。\n")
    write(corpus, "sub/a b#c.txt", TITLE + "空格和井号的文件名讲协商延期。\n")
    zhsearch.build_index(corpus, index)
    with TestClient(create_app(index)) as client:
        assert sources(client, "分期还款") == ["new\nline.txt"]
        doc = client.get("/api/documents/new%0Aline.txt")
        assert doc.status_code == 200 and doc.json()["source"] == "new\nline.txt"
        assert client.get("/api/documents/sub/a%20b%23c.txt").status_code == 200
        assert client.get("/api/documents/new%0Aline.txt%0A").status_code == 404


def test_an_index_replaced_while_a_request_holds_it_answers_that_request(tmp_path):
    """An update commits while a request holds the open index: the request still
    searches, suggests, lists and counts the generation it opened (no
    ReaderClosed, no "…toc is missing"); the next request gets the new one,
    and the old one is closed once nothing holds it."""
    from zhsearch.interfaces.web import _Live

    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", TITLE + "甲的正文讲分期还款。\n")
    write(corpus, "b.txt", TITLE + "乙的正文讲律师函和仲裁。\n")
    zhsearch.build_index(corpus, index)
    live = _Live(index)
    with live.use() as first:
        assert first.search("分期还款")[0].source == "a.txt"
        write(corpus, "a.txt", TITLE + "甲的正文改讲上门催收。\n")
        assert zhsearch.build_index(corpus, index).mode == "update"
        with live.use() as second:
            assert second is not first
            assert second.search("上门催收")[0].source == "a.txt"
        assert first.search("分期还款")[0].source == "a.txt"  # the generation it opened
        assert first.suggest("律师")
        assert first.document("b.txt") is not None
        assert first.stats()["passages"] == 2
    assert first._searcher is None  # closed once released


def test_stats_of_an_index_updated_since_it_was_opened_is_no_damage(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", TITLE + "甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, index)
    with zhsearch.open_index(index) as idx:
        idx.search("分期还款")
        write(corpus, "b.txt", TITLE + "乙的正文讲律师函和仲裁。\n")
        write(corpus, "a.txt", TITLE + "甲的正文改讲上门催收。\n")
        zhsearch.build_index(corpus, index)
        assert idx.stats()["passages"] == 1  # what it opened, not "…toc is missing"


@pytest.mark.parametrize(
    "host, expected",
    [("127.0.0.1:8000", 200), ("localhost:8000", 200), ("[::1]:8000", 200), ("LOCALHOST", 200),
     ("evil.example", 400), ("evil.example:8000", 400), ("127.0.0.1.evil.example", 400), ("", 400),
     ("search.lan", 200)],
)
def test_only_hosts_the_server_listens_as_are_answered(tmp_path, host, expected):
    """DNS rebinding: a page on evil.example whose name now points at 127.0.0.1
    must not read the corpus (or the index's absolute path, in /api/stats)."""
    from zhsearch.interfaces.web import served_hosts

    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", TITLE + "甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, index)
    with TestClient(create_app(index, served_hosts("127.0.0.1", ["search.lan"]))) as client:
        for path in ("/api/stats", "/api/search?q=分期还款", "/api/documents/a.txt", "/"):
            response = client.get(path, headers={"host": host})
            assert response.status_code == expected, (path, host, response.text)
        if expected == 400:
            assert "--allow-host" in response.json()["detail"]


def test_serve_takes_allow_host():
    from click.testing import CliRunner

    from zhsearch.interfaces.cli import main

    assert "--allow-host" in CliRunner().invoke(main, ["serve", "--help"]).output
