"""The query syntax and result controls through the CLI, the JSON API and the page: one parser, same answers."""

import json
import string

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import zhsearch
from zhsearch.interfaces.cli import main

fastapi = pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[web]'")
from fastapi.testclient import TestClient  # noqa: E402

from zhsearch.interfaces.web import create_app  # noqa: E402


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def client(index_dir):
    with TestClient(create_app(index_dir)) as c:
        yield c


def places(hits):
    return [(h["source"], h["line"]) for h in hits]


def test_help_lists_one_example_per_operator():
    text = run("search", "--help").output
    for example in ('"上门取证"', "「上门取证」", "“上门取证”", "-催收", '-"暴力催收"', "上门 OR 催收", "上门|催收",
                    "file:004*", "file:法规/", "-file:faq/", "--offset", "--per-file"):
        assert example in text, example


@pytest.mark.parametrize(
    "query",
    ['"会上门"', "上门 -催收", "上门取证 OR 催收", "上门 file:004*", "file:003", '九千会上门吗 "九千元"', "九千会上门吗"],
)
def test_cli_library_and_api_answer_the_same(index_dir, idx, client, query):
    cli = json.loads(run("search", "--index", str(index_dir), "--json", "-n", "7", "--offset", "2", "--per-file", "2", "--", query).output)
    library = idx.search(query, limit=7, offset=2, per_file=2).to_dict()
    api = client.get("/api/search", params={"q": query, "limit": 7, "offset": 2, "per_file": 2}).json()
    assert places(cli["hits"]) == places(library["hits"]) == places(api["hits"])
    assert cli["total"] == library["total"] == api["total"]
    assert [h["highlights"] for h in cli["hits"]] == [h["highlights"] for h in api["hits"]]
    assert set(api) == {"query", "took_ms", "total", "hits", "suggestions"}


def test_cli_takes_excluded_words_as_query_words(index_dir):
    for args in (["上门", "-催收", "--json"], ["-催收", "--json", "上门"], ["--json", "--", "上门", "-催收"], ["上门 -催收", "--json"]):
        result = run("search", "--index", str(index_dir), "-n", "3", *args)
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["query"] in ("上门 -催收", "-催收 上门")
        assert len(data["hits"]) == 3 and all("催收" not in h["text"] for h in data["hits"])
    assert run("search", "--index", str(index_dir), "上门", "--jsn").exit_code == 2  # a mistyped option is still one
    assert run("search", "--index", str(index_dir), "-n").exit_code == 2


def test_cli_paging_and_per_file(index_dir):
    first = run("search", "上门", "--index", str(index_dir), "-n", "3")
    second = run("search", "上门", "--index", str(index_dir), "-n", "3", "--offset", "3")
    assert second.exit_code == 0 and " 4. " in second.output and " 1. " not in second.output
    assert "4–6 of" in second.output
    one = json.loads(run("search", "上门", "--index", str(index_dir), "--per-file", "1", "--json").output)
    assert len({h["source"] for h in one["hits"]}) == len(one["hits"]) == 5
    assert first.exit_code == 0
    beyond = run("search", "上门", "--index", str(index_dir), "--offset", "1000")
    assert beyond.exit_code == 1 and "no more passages" in beyond.output
    for bad in (["--offset", "-1"], ["--per-file", "0"], ["--offset", "x"]):
        result = run("search", "上门", "--index", str(index_dir), *bad)
        assert result.exit_code == 2 and "Traceback" not in result.output


def test_explain_shows_how_the_query_was_read(index_dir):
    result = run("search", "--index", str(index_dir), "--explain", "-n", "1", "--", '九千 "会上门" -催收 上门|取证 file:004*')
    assert result.exit_code == 0
    for line in ("query: ranked    九千 \"会上门\" 上门 取证", "query: phrase    “会上门”", "query: any of    上门 | 取证",
                 "query: excluded  催收", "query: file      004*"):
        assert line in result.output, result.output
    data = json.loads(run("search", "--index", str(index_dir), "--explain", "--json", "--", "上门 -催收").output)
    assert data["reading"]["excluded"] == ["催收"] and data["reading"]["ranked"] == "上门"


def test_api_documents_the_new_parameters_and_bounds(client):
    schema = client.get("/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "limit", "offset", "per_file"} <= set(params)
    assert "OR" in schema["paths"]["/api/search"]["get"]["description"]
    for bad in ({"offset": -1}, {"offset": 10_001}, {"per_file": 0}, {"offset": "x"}):  # the library's limit
        assert client.get("/api/search", params={"q": "上门", **bad}).status_code == 422
    assert client.get("/api/search", params={"q": "\x00\x01"}).status_code == 422  # empty once cleaned


QUERY = st.lists(
    st.one_of(
        st.sampled_from(list('"「」“”|｜-: ') + [" ", "OR", "file:", "-file:", "004*", "上门", "催收", "九千", "上門", "title:", "AND"]),
        st.text(st.one_of(st.characters(codec=None, categories=None), st.sampled_from(list(string.punctuation))), max_size=3),
    ),
    max_size=10,
).map("".join)


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(QUERY, st.integers(0, 120), st.one_of(st.none(), st.integers(1, 3)))
@example(query="\ud800", offset=0, per_file=None)  # a lone surrogate (it once failed only when drawn)
def test_random_queries_never_fail(idx, client, index_dir, query, offset, per_file):
    try:
        results = idx.search(query, limit=5, offset=offset, per_file=per_file)
        assert len(results) <= 5 and all(h.rank > offset for h in results)
    except zhsearch.BadQueryError:
        assert not "".join(ch for ch in query if ch >= " " and not "\ud800" <= ch <= "\udfff" and ch != "\x7f").strip()
    # a browser sends a lone surrogate as U+FFFD: it cannot be put into a URL as it is
    sent = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in query)
    params = {"q": sent, "limit": 5, "offset": offset}
    if per_file:
        params["per_file"] = per_file
    response = client.get("/api/search", params=params)
    assert response.status_code in (200, 422), response.text
    args = ["search", "--index", str(index_dir), "-n", "2", "--offset", str(offset), "--json", "--", query]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code in (0, 1, 2) and "Traceback" not in result.output


# --- the page: "more results" -------------------------------------------------

from test_web import page, served, server  # noqa: E402,F401  (the page in real headless Chromium)


def test_the_page_loads_more_results_and_reads_the_syntax(page, server):
    page.goto(server + "/?q=" + "上门")
    page.locator("article").first.wait_for(timeout=15000)
    assert page.locator("article").count() == 20
    more = page.locator("#more")
    assert more.is_visible()
    first_page = page.locator("article .source").all_inner_texts()
    more.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('article').length > 20", timeout=15000)
    sources = page.locator("article .source").all_inner_texts()
    assert sources[:20] == first_page
    assert sources[20].startswith("21. ")
    assert len(set(sources)) == len(sources)
    # the page sends the query as typed: the library's parser reads it
    page.goto(server + "/?q=" + "上门 file:004*")
    page.locator("article").first.wait_for(timeout=15000)
    assert all("004_" in s for s in page.locator("article .source").all_inner_texts())
    assert not page.locator("#more").is_visible()
