"""StoredPassage: the one typed record made from Whoosh's stored fields."""

import pytest

import zhsearch
from zhsearch.storage.build import make_schema
from zhsearch.storage.stored import StoredPassage, join_headings, split_headings

from conftest import write

FIELDS = {"source": "a.txt", "file": "a.txt", "line": 3, "page": 0, "title": "标题", "heading": "第一章 › 问答",
          "text": "網貸逾期", "norm": "网贷逾期", "key": "网贷逾期", "kind": "body", "order": 0}


def test_every_stored_field_of_the_schema_is_read():
    schema = make_schema()
    stored = {name for name in schema.names() if schema[name].stored}
    assert stored == set(FIELDS)
    passage = StoredPassage.from_fields(FIELDS)
    assert passage.headings == ("第一章", "问答") and passage.heading == "第一章 › 问答"
    assert (passage.source, passage.line, passage.order, passage.norm) == ("a.txt", 3, 0, "网贷逾期")


@pytest.mark.parametrize("missing", sorted(FIELDS))
def test_a_missing_field_fails_loudly(missing):
    with pytest.raises(KeyError):
        StoredPassage.from_fields({k: v for k, v in FIELDS.items() if k != missing})


@pytest.mark.parametrize("heading, path", [("", ()), ("引言", ("引言",)), ("一 › 二 › 三", ("一", "二", "三"))])
def test_the_heading_path_round_trips(heading, path):
    assert split_headings(heading) == path and join_headings(path) == heading


def test_a_built_index_gives_records(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    write(corpus, "a.md", "# 标题\n\n## 网贷逾期\n\n### 会上门吗\n\n平台一般不会上门，多为电话催收。\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    idx = zhsearch.open_index(tmp_path / "ix")
    assert idx.search("上门催收")[0].heading == "标题 › 网贷逾期 › 会上门吗"
    assert idx.document("a.md").passages[0].heading == "标题 › 网贷逾期 › 会上门吗"


@pytest.mark.parametrize("query, explain", [("上门催收", False), ('"上门" 催收', False), ("上门 -律师", False), ("上门催收", True)])
def test_a_slip_in_our_own_code_is_a_bug_not_a_damaged_index(tmp_path, monkeypatch, query, explain):
    """Only Whoosh's and the term table's reads become IndexCorruptError (the
    advice to rebuild); a KeyError of ours after a read surfaces as it is."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    write(corpus, "a.txt", "网贷逾期会上门吗\n\n平台一般不会上门，多为电话催收。\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    idx = zhsearch.open_index(tmp_path / "ix")

    def renamed_field(fields):
        raise KeyError("norm")

    monkeypatch.setattr(StoredPassage, "from_fields", staticmethod(renamed_field))
    if explain:
        monkeypatch.undo()
        from zhsearch.searching import search as search_module
        monkeypatch.setattr(search_module, "matched_terms", lambda *a: {}["slip"])
    with pytest.raises(KeyError):
        idx.search(query, explain=explain)
