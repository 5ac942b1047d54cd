"""Did you mean and completion through the JSON API and on the page in Chromium."""

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[web]'")

from test_web import client, page, served, server  # noqa: E402,F401  (the same fixtures)


def test_api_search_carries_suggestions(client):
    data = client.get("/api/search", params={"q": "于期"}).json()
    assert data["total"] == 0
    assert data["suggestions"][0] == {"text": "逾期", "passages": data["suggestions"][0]["passages"],
                                      "reason": "homophone"}
    assert data["suggestions"][0]["passages"] > 0
    assert client.get("/api/search", params={"q": "九千会上门吗"}).json()["suggestions"] == []


def test_api_suggest_completes_in_either_script_and_pinyin(client):
    data = client.get("/api/suggest", params={"q": "上门"}).json()
    assert data["query"] == "上门"
    texts = [s["text"] for s in data["suggestions"]]
    assert "上门催收" in texts and all(t.startswith("上门") for t in texts)
    assert [s["text"] for s in client.get("/api/suggest", params={"q": "上門"}).json()["suggestions"]] == texts
    assert client.get("/api/suggest", params={"q": "shangm"}).json()["suggestions"][0]["text"] == "上门"
    assert len(client.get("/api/suggest", params={"q": "上", "limit": 2}).json()["suggestions"]) == 2
    assert client.get("/api/suggest", params={"q": ""}).status_code == 422
    assert client.get("/api/suggest", params={"q": "上", "limit": 0}).status_code == 422
    assert client.get("/api/suggest", params={"q": "。。。"}).json()["suggestions"] == []


def test_openapi_lists_suggest(client):
    schema = client.get("/openapi.json").json()
    assert "/api/suggest" in schema["paths"]
    assert "suggestions" in schema["components"]["schemas"]["SearchModel"]["properties"]


def test_completion_list_is_keyboard_friendly(page, server):
    page.goto(server + "/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'q'")
    page.keyboard.type("上门")
    page.locator("#suggest li").first.wait_for(timeout=15000)
    assert page.get_attribute("#q", "aria-expanded") == "true"
    options = page.locator("#suggest li[role=option]")
    second = options.nth(1).inner_text().split()[0].rstrip("0123456789")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#suggest li[aria-selected=true]").count() == 1
    assert page.get_attribute("#q", "aria-activedescendant") == "suggest-1"
    page.keyboard.press("Enter")  # takes the option and searches it
    page.locator("article").first.wait_for(timeout=15000)
    assert page.input_value("#q") == second
    assert page.locator("#suggest").is_hidden()
    page.fill("#q", "")
    page.keyboard.type("逾期")
    page.locator("#suggest li").first.wait_for(timeout=15000)
    page.keyboard.press("Escape")  # closes the list, keeps the text
    assert page.locator("#suggest").is_hidden() and page.input_value("#q") == "逾期"


def test_did_you_mean_is_a_link_that_searches_it(page, server):
    page.goto(server + "/?q=" + "于期")
    link = page.locator("#didyoumean a")
    link.wait_for(timeout=15000)
    assert link.inner_text() == "逾期"
    link.click()
    page.locator("article").first.wait_for(timeout=15000)
    assert page.input_value("#q") == "逾期"
    assert page.locator("#didyoumean").is_hidden()
    assert "q=%E9%80%BE%E6%9C%9F" in page.url


def test_api_suggest_never_mixes_letters_and_characters(client):
    import re

    for typed in ("changcheng", "shangmen", "wangdai", "shangmencuishou", "lvcha"):
        texts = [s["text"] for s in client.get("/api/suggest", params={"q": typed}).json()["suggestions"]]
        assert not [t for t in texts if re.search(r"[a-zü]", t) and re.search(r"[\u4e00-\u9fff]", t)], typed
    first = client.get("/api/suggest", params={"q": "shangmen"}).json()["suggestions"][0]["text"]
    assert first == "上门"
