"""One bad file never breaks the corpus, the index keeps to its corpus, the server tells the truth (issue 17)."""

import json
import os
import re

import pytest
from click.testing import CliRunner

import zhsearch
from zhsearch.interfaces.cli import main

from conftest import write

BODY = "标题标题标题标题\n\n正文说明分期还款的办法。\n"


def run(*args, **kwargs):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kwargs)


def warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("zhsearch: warning: ")]


def test_a_file_name_that_is_not_utf8_is_skipped_with_one_warning(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", BODY)
    (corpus / os.fsdecode(b"bad_\xff.txt")).write_bytes("内容说明上门催收。".encode())
    (corpus / os.fsdecode(b"sub_\xfe")).mkdir()
    (corpus / os.fsdecode(b"sub_\xfe") / "b.txt").write_text("协商延期", encoding="utf-8")
    for _ in range(2):  # a build, then an update
        result = run("index", "--corpus", str(corpus), "--index", str(index))
        assert result.exit_code == 0 and "Traceback" not in result.output
        assert warnings(result.output) == [
            r"zhsearch: warning: bad_\xff.txt: the file name is not UTF-8; skipped (rename the file to index it)",
            r"zhsearch: warning: sub_\xfe/b.txt: the file name is not UTF-8; skipped (rename the file to index it)",
        ]
        (corpus / "a.txt").write_text(BODY + "\n补充一段。\n", encoding="utf-8")
    assert run("search", "分期还款", "--index", str(index)).exit_code == 0


def test_a_link_to_a_file_outside_the_corpus_is_not_followed(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", BODY)
    secret = write(tmp_path / "private", "secret.txt", "标题标题标题标题\n\n机密口令是蓝色海豚。\n")
    (corpus / "secret.txt").symlink_to(secret)
    (corpus / "inside.txt").symlink_to(corpus / "a.txt")  # a link inside the corpus is followed
    result = run("index", "--corpus", str(corpus), "--index", str(index))
    assert result.exit_code == 0
    assert warnings(result.output) == [
        f"zhsearch: warning: secret.txt: a link to {secret.resolve()}, outside the corpus folder; not followed"
    ]
    assert run("search", "蓝色海豚", "--index", str(index)).exit_code == 1
    with zhsearch.open_index(index) as idx:
        assert idx.document("secret.txt") is None
        assert idx.document("inside.txt") is not None


def test_the_index_remembers_its_corpus(tmp_path, monkeypatch):
    mine, other, index = tmp_path / "mycorpus", tmp_path / "other", tmp_path / "ix"
    write(mine, "a.txt", BODY)
    write(other, "b.txt", "标题标题标题标题\n\n另一个文件夹讲上门催收。\n")
    write(tmp_path / "elsewhere" / "corpus", "z.txt", "标题标题标题标题\n\n不该被索引的默认文件夹。\n")
    assert run("index", "--corpus", str(mine), "--index", str(index)).exit_code == 0
    monkeypatch.chdir(tmp_path / "elsewhere")  # a ./corpus here must not be taken

    write(mine, "c.txt", "标题标题标题标题\n\n新增的文件讲协商延期。\n")
    result = run("index", "--index", str(index))
    assert result.exit_code == 0 and "updated 1 changed file, removed 0" in result.output

    for args in (("index",), ("search", "上门催收"), ("eval", str(tmp_path / "j.jsonl"))):
        (tmp_path / "j.jsonl").write_text('{"query": "上门催收", "answers": ["上门"]}\n', encoding="utf-8")
        result = run(*args, "--index", str(index), "--corpus", str(other))
        assert result.exit_code == 2, args
        assert result.output == (
            f"zhsearch: error: index at {index} holds the corpus {mine.resolve()}, not {other.resolve()}; "
            "leave out --corpus to use its own, or add --rebuild to index the other folder into it\n"
        )
    assert run("stats", "--index", str(index)).output.count(str(mine.resolve())) == 1

    assert run("index", "--rebuild", "--index", str(index), "--corpus", str(other)).exit_code == 0
    assert str(other.resolve()) in run("stats", "--index", str(index)).output
    assert run("search", "上门催收", "--index", str(index), "--corpus", str(other)).exit_code == 0


def test_control_characters_of_corpus_text_reach_a_terminal_escaped(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", "标题标题标题标题\n\n分期还款\x1b]0;PWNED\x07的办法\x1b[41m很多\x9b31m。\n")
    write(corpus, "b\x1b[2Jc.txt", "标题标题标题标题\n\n分期还款在这里。\n")
    zhsearch.build_index(corpus, index)
    for env in ({}, {"NO_COLOR": "1"}):
        result = run("search", "分期还款", "--index", str(index), color=True, env=env)
        assert result.exit_code == 0
        assert "\x07" not in result.output and "\x9b" not in result.output and "\x1b]" not in result.output
        assert "\x1b[41m" not in result.output and "\x1b[2J" not in result.output
        assert r"分期还款\x1b]0;PWNED\x07的办法\x1b[41m很多\x9b31m" in re.sub(r"\x1b\[[0-9;]*m", "", result.output)
        assert r"b\x1b[2Jc.txt:3" in result.output
    # the JSON contract keeps the text as written
    data = json.loads(run("search", "分期还款", "--index", str(index), "--json").output)
    assert any("\x1b]0;PWNED\x07" in hit["text"] for hit in data["hits"])


def test_bidirectional_overrides_reach_a_terminal_escaped(tmp_path):
    """U+202E would show 分期还款 and what follows reversed (a file name can hide its
    real suffix so); written as \\u202e, as control characters are written as \\x1b."""
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a\u202etxt.exe.txt", "标题标题标题标题\n\n分期还款\u202e的办法\u2066很多。\n")
    zhsearch.build_index(corpus, index)
    result = run("search", "分期还款", "--index", str(index))
    assert result.exit_code == 0 and "\u202e" not in result.output and "\u2066" not in result.output
    assert r"分期还款\u202e的办法\u2066很多" in result.output and r"a\u202etxt.exe.txt:3" in result.output
    data = json.loads(run("search", "分期还款", "--index", str(index), "--json").output)
    assert data["hits"][0]["text"] == "分期还款\u202e的办法\u2066很多。"  # the JSON contract keeps the text as written


def test_a_tables_cells_and_rows_stay_apart(tmp_path):
    """A tab is whitespace on a terminal, not an escape to write as \\x09; a table's
    rows (lines holding a tab) join with a space, so 单价 and 苹果 do not run together."""
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "t.txt", "名称\t数量\t单价\n苹果\t10\t5元\n")
    zhsearch.build_index(corpus, index)
    result = run("search", "苹果", "--index", str(index))
    assert result.exit_code == 0 and "名称\t数量\t单价 苹果\t10\t5元" in result.output
    assert "\\x09" not in result.output
    with zhsearch.open_index(index) as idx:
        assert idx.search('"价苹"').total == 0  # no bigram across the rows


def test_a_long_query_is_echoed_cut(index_dir):
    query = "无" * 40_000
    result = run("search", query, "--index", str(index_dir))
    assert result.exit_code == 1
    assert len(result.output) < 100 and "…" in result.output, result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "上门", "-n", "0"], "Invalid value for '-n' / '--limit': must be at least 1, got 0; "
         "see `zhsearch search --help`"),
        (["search"], "Missing argument 'QUERY...'; see `zhsearch search --help`"),
        (["search", "上门", "--bogus"], "No such option '--bogus'. Did you mean '--corpus'? "
         "see `zhsearch search --help`"),
        (["nosuch"], "No such command 'nosuch'; see `zhsearch --help`"),
        (["eval", "missing.jsonl"], "Invalid value for 'JUDGMENTS': File 'missing.jsonl' does not exist; "
         "see `zhsearch eval --help`"),
    ],
)
def test_usage_errors_are_one_line(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output == f"zhsearch: error: {message}\n"


@pytest.mark.parametrize("option", ["--index", "--corpus", "-n", "--limit", "--offset", "--per-file"])
def test_a_trailing_option_without_its_value_is_the_usual_error_and_builds_nothing(tmp_path, monkeypatch, option):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["search", "上门", option])
    assert result.exit_code == 2
    assert result.output == f"zhsearch: error: Option '{option}' requires an argument; see `zhsearch search --help`\n"
    assert list(tmp_path.iterdir()) == []  # no index built into ./--


def test_a_bad_jsonl_string_is_a_whole_warning_and_an_empty_corpus_is_one(tmp_path):
    corpus = tmp_path / "c"
    write(corpus, "a.jsonl", '{"text": "分期\x01还款"}\n{"text": "正文说明分期还款的办法。"}\n')
    result = run("index", "--corpus", str(corpus), "--index", str(tmp_path / "i"))
    assert result.exit_code == 0
    assert warnings(result.output) == [
        "zhsearch: warning: a.jsonl:1: not JSON (Invalid control character at column 13); line skipped"
    ]
    (tmp_path / "empty").mkdir()
    result = run("index", "--corpus", str(tmp_path / "empty"), "--index", str(tmp_path / "i2"))
    assert result.exit_code == 0
    assert warnings(result.output) == [
        f"zhsearch: warning: corpus folder {(tmp_path / 'empty').resolve()} holds no files zhsearch reads "
        "(.txt, .md, .markdown, .html, .htm, .jsonl, .pdf, .docx, .epub); the index is empty"
    ]


def test_every_successful_build_removes_orphan_generations(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", BODY)
    zhsearch.build_index(corpus, index)
    live = zhsearch.storage.layout.live_generation(index)
    for n in range(3):  # what builds killed half-way leave behind
        orphan = index / f"gen-{n}"
        orphan.mkdir()
        (orphan / "MAIN_x.seg").write_bytes(b"\0" * 1000)
    assert zhsearch.build_index(corpus, index).mode == "unchanged"
    assert sorted(p.name for p in index.iterdir() if p.name.startswith("gen-")) == [live.name]
    (index / "gen-7").mkdir()
    write(corpus, "b.txt", BODY.replace("分期", "延期"))
    assert zhsearch.build_index(corpus, index).mode == "update"
    assert sorted(p.name for p in index.iterdir() if p.name.startswith("gen-")) == [live.name]


# --- random corpora: any file name, any text, never an error, bounded work a hit ---------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from zhsearch.reading.passages import LONG_SENTENCE_CHARS, TARGET_CHARS, split_passages  # noqa: E402

HAN = "上门催收协商还款逾期征信律师函仲裁分期网贷"
ALPHABETS = {
    "han": HAN,
    "han and punctuation": HAN + "。，！？；、",
    "latin words": "abcdefghij      ",
    "mixed": HAN + "abc 123。\n，\x1b\x00\t（）《》",
    "one character": "上",
}
NAME = st.binary(min_size=1, max_size=24).filter(lambda b: b"/" not in b and b"\0" not in b and not b.startswith(b"."))
TEXT = st.builds(
    lambda alphabet, length, seed: "".join(
        __import__("random").Random(seed).choices(ALPHABETS[alphabet], k=length)
    ),
    st.sampled_from(sorted(ALPHABETS)),
    st.integers(0, 200_000),
    st.integers(0, 2**32),
)
# A passage is never much longer than the cap, whatever the text: what a hit
# costs to highlight and rerank is bounded, and a search's work grows with the
# number of passages, which grows linearly with the text.
PASSAGE_BOUND = LONG_SENTENCE_CHARS + TARGET_CHARS // 4


@settings(max_examples=100, deadline=None, derandomize=True)
@given(TEXT)
def test_passages_are_bounded_and_keep_every_character(text):
    passages = split_passages("标题标题标题标题\n\n" + text, "a.txt")
    assert all(len(p.text) <= PASSAGE_BOUND for p in passages)
    assert len(passages) <= len(text) // (TARGET_CHARS // 4) + len(text.splitlines()) + 2
    assert sum(len(p.text) for p in passages) <= len(text) + 8


@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(st.lists(st.tuples(NAME, TEXT), min_size=1, max_size=3, unique_by=lambda f: f[0]))
def test_random_file_names_and_texts_index_and_search(tmp_path_factory, files):
    root = tmp_path_factory.mktemp("random")
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    total = 0
    for name, text in files:
        text = text[: 200_000 - total]
        total += len(text)
        (corpus / os.fsdecode(name + b".txt")).write_text(text, encoding="utf-8")
    report = zhsearch.build_index(corpus, index)
    assert report.files_indexed + len(report.skipped) == len(files)
    assert sum("not UTF-8" in m for m in report.skipped) == sum(not _is_utf8(n) for n, _ in files)
    with zhsearch.open_index(index) as idx:
        for query in ("上门催收", "abc", "上"):
            results = idx.search(query, limit=5)
            for hit in results:
                assert len(hit.text) <= PASSAGE_BOUND
                assert all(0 <= s < e <= len(hit.text) for s, e in hit.highlights)
                assert len(hit.snippet) <= 122


def _is_utf8(name: bytes) -> bool:
    try:
        name.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_an_index_path_that_cannot_be_a_folder_is_one_line(tmp_path):
    corpus = tmp_path / "c"
    write(corpus, "a.txt", BODY)
    (tmp_path / "afile").write_text("x")
    for args in (("index", "--corpus", str(corpus)), ("search", "分期还款", "--corpus", str(corpus)), ("stats",)):
        for index in (tmp_path / "afile", tmp_path / "afile" / "sub"):
            result = run(*args, "--index", str(index))
            assert result.exit_code == 2, (args, index, result.output)
            assert result.output.startswith("zhsearch: error: ") and result.output.count("\n") == 1, result.output
            assert "building it" not in result.output
    assert (tmp_path / "afile").read_text() == "x"


def test_a_folder_that_cannot_be_read_is_one_warning(tmp_path, monkeypatch):
    """(Permissions do not stop root, so the folder's listing is made to fail.)"""
    import os

    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", "标题标题标题标题\n\n正文说明分期还款的办法。\n")
    write(corpus, "locked/b.txt", "标题标题标题标题\n\n锁住的文件讲律师函。\n")
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = zhsearch.build_index(corpus, tmp_path / "index")
    assert report.files_indexed == 1
    assert report.skipped == ["locked/: the folder cannot be read (Permission denied); its files are skipped "
                              "(check its permissions)"]


def test_a_file_made_unreadable_is_skipped_by_the_next_update_as_by_a_fresh_build(tmp_path, monkeypatch):
    """chmod 000 changes neither size nor mtime.  (Permissions do not stop root, so
    access and reading are made to fail.)"""
    import os
    from pathlib import Path

    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", "苹果是一种水果。\n")
    write(corpus, "b.txt", "香蕉是黄色的。\n")
    zhsearch.build_index(corpus, tmp_path / "index")
    locked = str(corpus / "b.txt")
    real_access, real_read_bytes = os.access, Path.read_bytes

    def access(path, mode, **kwargs):
        return False if str(path) == locked else real_access(path, mode, **kwargs)

    def read_bytes(self):
        if str(self) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_read_bytes(self)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    for index in ("index", "fresh"):  # the update, then a fresh build of the same folder
        report = zhsearch.build_index(corpus, tmp_path / index)
        assert len(report.skipped) == 1 and "b.txt" in report.skipped[0] and "Permission denied" in report.skipped[0]
        with zhsearch.open_index(tmp_path / index) as idx:
            assert idx.search("香蕉").total == 0 and idx.search("苹果").total == 1
            assert [f.path for f in idx.skipped_files()] == ["b.txt"]


def test_a_file_name_with_glob_characters_is_selected_as_written(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "报告[2024].txt", "标题标题标题标题\n\n年度报告讲分期还款的办法。\n")
    write(corpus, "报告2.txt", "标题标题标题标题\n\n另一份报告也讲分期还款。\n")
    zhsearch.build_index(corpus, tmp_path / "index")
    with zhsearch.open_index(tmp_path / "index") as idx:
        assert {h.source for h in idx.search("分期还款 file:报告[2024].txt")} == {"报告[2024].txt", "报告2.txt"}
        assert "报告[2024].txt" in {h.source for h in idx.search("file:报告[2024].txt")}
        assert [h.source for h in idx.search("分期还款 -file:报告[2024].txt")] == []


def test_jsonl_ids_1_and_quoted_1_stay_two_records_with_a_warning(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "q.jsonl", '{"id": 1, "text": "第一条记录讲分期还款。"}\n{"id": "1", "text": "第二条记录讲律师函。"}\n')
    report = zhsearch.build_index(corpus, tmp_path / "index")
    assert report.warnings == ['q.jsonl:2: id "1" is line 1\'s id too; this record is q.jsonl#1~2']
    from zhsearch.reading.formats import jsonl_documents

    _, warnings = jsonl_documents('{"id": "2", "text": "甲"}\n{"text": "乙"}\n', "d.jsonl")  # no id: named by its line
    assert warnings == ["d.jsonl:2: its line number, 2, is line 1's id too; this record is d.jsonl#2~2"]
    _, warnings = jsonl_documents('{"text": "甲"}\n{"text": "乙"}\n{"id": 2, "text": "丙"}\n', "d.jsonl")
    assert warnings == ["d.jsonl:3: id 2 is the name of line 2, which has no id, too; this record is d.jsonl#2~3"]
    documents, _ = jsonl_documents('{"id": "1~3", "text": "甲"}\n{"id": 1, "text": "乙"}\n{"id": "1", "text": "丙"}\n',
                                   "d.jsonl")
    assert [d.source for d in documents] == ["d.jsonl#1~3", "d.jsonl#1", "d.jsonl#1~3~2"]  # every name once
    with zhsearch.open_index(tmp_path / "index") as idx:
        assert idx.search("律师函")[0].source == "q.jsonl#1~2"
        assert [p.text for p in idx.document("q.jsonl#1").passages] == ["第一条记录讲分期还款。"]
