"""StoredPassage: the one typed record made from Whoosh's stored fields."""

import pytest

import zhsearch
from zhsearch.storage.build import make_schema
from zhsearch.storage.stored import STORED_FIELDS, DamagedRecord, StoredPassage, join_headings, read_record, split_headings
from zhsearch.text.normalize import both_readings, fold_text

from conftest import write

FIELDS = {"source": "a.txt", "file": "a.txt", "line": 3, "column": 1, "page": 0, "title": "标题", "heading": "第一章 › 问答",
          "title_norm": "标题", "heading_norm": "第一章 › 问答", "text": "網貸逾期", "norm": "网贷逾期", "key": "网贷逾期", "kind": "body", "order": 0}


def test_every_stored_field_of_the_schema_is_read():
    schema = make_schema()
    stored = {name for name in schema.names() if schema[name].stored}
    assert stored == set(FIELDS) == STORED_FIELDS
    passage = StoredPassage.from_fields(FIELDS)
    assert passage.headings == ("第一章", "问答") and passage.heading == "第一章 › 问答"
    assert (passage.source, passage.line, passage.order, passage.norm) == ("a.txt", 3, 0, "网贷逾期")
    assert (passage.title_norm, passage.heading_norm) == ("标题", "第一章 › 问答")


def test_the_title_and_heading_are_stored_as_the_rerank_reads_them(tmp_path):
    """Normalised once at build time (a search converts no candidate's heading),
    both readings of a Taiwan heading."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    write(corpus, "a.md", "# 說明書\n\n## 軟體手冊\n\n### 檔案管理\n\n請開啟程式，再選取檔案。\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    idx = zhsearch.open_index(tmp_path / "ix")
    [fields] = [f for f in idx._get_searcher().documents() if f["text"].startswith("請開啟")]
    passage = StoredPassage.from_fields(fields)
    assert passage.title_norm == fold_text(passage.title)
    assert passage.heading_norm == both_readings(passage.heading)
    assert passage.heading_norm.splitlines() == ["软件手册 › 文件管理", "软体手册 › 档案管理"]


@pytest.mark.parametrize("missing", sorted(FIELDS))
def test_a_missing_field_fails_loudly(missing):
    with pytest.raises(KeyError):
        StoredPassage.from_fields({k: v for k, v in FIELDS.items() if k != missing})


@pytest.mark.parametrize("missing", sorted(FIELDS))
def test_a_record_read_short_is_a_damaged_index_not_a_bug(missing):
    """What a damaged segment decodes ({} or a record short of a field) is a read
    error (the advice to rebuild); the whole record passes unchanged."""
    from zhsearch.storage.layout import READ_ERRORS

    assert read_record(FIELDS) is FIELDS
    with pytest.raises(DamagedRecord) as caught:
        read_record({k: v for k, v in FIELDS.items() if k != missing})
    assert isinstance(caught.value, READ_ERRORS) and missing in str(caught.value)


@pytest.fixture
def small_index(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    write(corpus, "a.txt", "网贷逾期会上门吗\n\n平台一般不会上门，多为电话催收。\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    with zhsearch.open_index(tmp_path / "ix") as idx:
        yield idx


@pytest.mark.parametrize("query", ["上门催收", "上门 -律师"])
def test_an_empty_record_from_the_index_is_the_index_error(small_index, monkeypatch, query):
    monkeypatch.setattr(small_index._get_searcher(), "stored_fields", lambda docnum: {})  # what a damaged segment decodes
    monkeypatch.setattr("zhsearch.searching.search.stored_fields_reader", lambda searcher: lambda docnum: {})
    with pytest.raises(zhsearch.IndexCorruptError, match="--rebuild"):
        small_index.search(query)


def test_an_empty_record_of_a_document_is_the_index_error(small_index, monkeypatch):
    monkeypatch.setattr(small_index._get_searcher(), "documents", lambda **terms: iter([{}]))
    with pytest.raises(zhsearch.IndexCorruptError, match="--rebuild"):
        small_index.document("a.txt")


@pytest.mark.parametrize("query", ["file:a*", '"门"', '上门 -"门"'])
def test_an_empty_record_read_walking_the_index_is_the_index_error(small_index, monkeypatch, query):
    """The operators' filters walk every record (iter_docs), or a listing reads them
    one at a time (stored_fields): each is checked whole."""
    searcher = small_index._get_searcher()
    monkeypatch.setattr(searcher.reader(), "iter_docs", lambda: iter([(0, {})]))
    monkeypatch.setattr(searcher, "stored_fields", lambda docnum: {})
    with pytest.raises(zhsearch.IndexCorruptError, match="--rebuild"):
        small_index.search(query)


@pytest.mark.parametrize("heading, path", [("", ()), ("引言", ("引言",)), ("一 › 二 › 三", ("一", "二", "三"))])
def test_the_heading_path_round_trips(heading, path):
    assert split_headings(heading) == path and join_headings(path) == heading


def test_a_built_index_gives_records(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    write(corpus, "a.md", "# 标题\n\n## 网贷逾期\n\n### 会上门吗\n\n平台一般不会上门，多为电话催收。\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    idx = zhsearch.open_index(tmp_path / "ix")
    hit = idx.search("上门催收")[0]
    assert (hit.title, hit.heading) == ("标题", "网贷逾期 › 会上门吗")  # the H1 is the title
    assert idx.document("a.md").passages[0].heading == "网贷逾期 › 会上门吗"


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


def test_a_record_read_from_its_segment_is_whooshs_stored_fields(index_dir):
    from zhsearch.storage.stored import stored_fields_reader

    with zhsearch.open_index(index_dir) as idx:
        searcher = idx._get_searcher()
        read = stored_fields_reader(searcher)
        assert all(read(d) == searcher.stored_fields(d) for d in range(searcher.doc_count_all()))


def test_a_record_read_for_a_query_is_whooshs_stored_fields(tmp_path):
    """stored_fields_reader (the segment found once a query) reads what Whoosh
    reads, in an index of one segment and in one an update gave a second."""
    from zhsearch.storage.stored import stored_fields_reader

    corpus = tmp_path / "c"
    corpus.mkdir()
    write(corpus, "a.txt", "网贷逾期会上门吗\n\n平台一般不会上门，多为电话催收。\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    for segments in (1, 2):
        with zhsearch.open_index(tmp_path / "ix") as idx:
            searcher = idx._get_searcher()
            assert len(searcher.reader().leaf_readers()) == segments
            read = stored_fields_reader(searcher)
            assert all(read(d) == searcher.stored_fields(d) for d in range(searcher.doc_count_all()))
        write(corpus, "b.txt", "逾期九千元会被起诉吗\n\n一般不会，平台多为电话提醒。\n")
        zhsearch.build_index(corpus, tmp_path / "ix")


def test_a_record_from_stored_fields_is_the_one_its_constructor_makes():
    """from_fields sets the attributes at once: the same record, every field of it."""
    import dataclasses

    fields = {"source": "a.jsonl#7", "file": "a.jsonl", "line": 3, "column": 2, "page": 0, "title": "標題",
              "heading": "第一章 › 问答", "title_norm": "标题", "heading_norm": "第一章 › 问答", "text": "網貸",
              "norm": "网贷", "key": "k", "kind": "body", "order": 1}
    made = StoredPassage.from_fields(fields)
    expected = StoredPassage(source="a.jsonl#7", file="a.jsonl", line=3, page=0, title="標題",
                             headings=("第一章", "问答"), title_norm="标题", heading_norm="第一章 › 问答",
                             text="網貸", norm="网贷", key="k", kind="body", order=1, column=2)
    assert made == expected and hash(made) == hash(expected) and repr(made) == repr(expected)
    assert vars(made).keys() == {f.name for f in dataclasses.fields(StoredPassage)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.text = "x"
