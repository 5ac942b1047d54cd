"""The query syntax: how a query is read (syntax.py), what a run matches (restrict.py)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhsearch
from zhsearch.text.normalize import fold_text
from zhsearch.searching.restrict import file_matches, lookup_terms, run_pattern
from zhsearch.searching.syntax import parse_query

from conftest import JUDGMENTS, REPO


@pytest.mark.parametrize(
    "query, ranked, phrases, any_of, excluded, files, excluded_files",
    [
        ('"上门取证"', '"上门取证"', ("上门取证",), (), (), (), ()),
        ("「上門取證」 目的", "「上門取證」 目的", ("上門取證",), (), (), (), ()),
        ("“九千元” 上门", "“九千元” 上门", ("九千元",), (), (), (), ()),
        ('"上门 取证"', '"上门 取证"', ("上门 取证",), (), (), (), ()),
        ("上门 -催收", "上门", (), (), ("催收",), (), ()),
        ('上门 -"上门催收"', "上门", (), (), ("上门催收",), (), ()),
        ("上门 OR 催收 逾期", "上门 催收 逾期", (), (("上门", "催收"),), (), (), ()),
        ("上门|催收|取证", "上门 催收 取证", (), (("上门", "催收", "取证"),), (), (), ()),
        ('"上门取证" | 催收', '"上门取证" 催收', (), (("上门取证", "催收"),), (), (), ()),
        ("上门 file:004* file:法规/", "上门", (), (), (), ("004*", "法规/"), ()),
        ('上门 file:"my notes/" -file:faq/', "上门", (), (), (), ("my notes/",), ("faq/",)),
        ("FILE:004* 上门", "上门", (), (), (), ("004*",), ()),
    ],
)
def test_operators_are_read(query, ranked, phrases, any_of, excluded, files, excluded_files):
    reading = parse_query(query)
    assert reading.operators
    assert (reading.ranked, reading.phrases, reading.any_of, reading.excluded, reading.files, reading.excluded_files) == (
        ranked, phrases, any_of, excluded, files, excluded_files,
    )


@pytest.mark.parametrize(
    "query",
    [
        '"unclosed', "「上门", "“上门", '""', '" "', "-", "- 上门", "上门 -", "file:", "file: 上门",
        "title:上门", "a AND", "上门 AND 催收", "[a TO b]", "(上门 [催收 {", "OR", "OR 上门", "上门 OR",
        "| 上门", "上门 |", "上门 OR OR", "||", "9000-10000元", "foo-data",
        # quotations inside a question, as the judged questions have them
        "那“sid”呢？", "“测试版”包含什么？", "使用“apt”包管理工具吗？", "Debian “软件包”，使它",
        "ld: cannot find -lfoo”错误？为什么", '"$PATH" 变量', '"9000"',
    ],
)
def test_everything_else_is_plain_text_read_as_itself(query):
    reading = parse_query(query)
    assert not reading.operators
    assert reading.ranked == query


def test_no_judged_question_uses_an_operator():
    """The judged figures measure plain questions: each must be read as itself."""
    files = [JUDGMENTS, REPO / "tests/data/corpus_judgments.jsonl", REPO / "tests/data/faq_judgments.jsonl"]
    shared = REPO.parent / "shared" / "eval"
    files += sorted(shared.glob("**/*.jsonl")) if shared.exists() else []
    count = 0
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                question = record.get("query") or record.get("question")
                reading = parse_query(question)
                assert not reading.operators and reading.ranked == question, question
                count += 1
    assert count >= 50


@pytest.mark.parametrize(
    "run, passage, held",
    [
        ("九千元", "逾期9000元会不会上门", True),
        ("9000元", "逾期九千元不还", True),
        ("上門取證", "工作人员上门取证的目的", True),
        ("上门取证", "工作人員上門取證的目的", True),
        ("ＡＰＰ", "下载app后", True),
        ("会上门", "网贷逾期不会上门", True),  # jieba: 不会 / 上门 — the run crosses a word boundary
        ("上门 取证", "上门取证", True),
        ("上门 取证", "上门 取证", True),
        ("上门取证", "上门 取证", False),
        ("app", "apple", False),
        ("900", "逾期9000元", False),
        ("9000", "逾期9000.5元", False),
        ("9000", "app9000", True),  # letters and digits are separate words (text/analyzer.py)
        ("cannot find", "ld: cannot find -lfoo", True),
        ("cannot find", "cannotfind", False),
    ],
)
def test_a_run_is_held_after_normalisation_whatever_the_word_boundaries(run, passage, held):
    assert bool(run_pattern(run).search(fold_text(passage))) is held


@pytest.mark.parametrize(
    "run, terms",
    [("上门取证", ("上门", "门取", "取证")), ("九千元", ("9000",)), ("元", ()), ("app 9000", ("app", "9000"))],
)
def test_lookup_terms_are_what_every_holding_passage_has(run, terms):
    assert lookup_terms(run) == terms


@pytest.mark.parametrize(
    "path, pattern, matches",
    [
        ("004_69b0fd6045c32687.txt", "004*", True),
        ("004_69b0fd6045c32687.txt", "004", True),
        ("004_69b0fd6045c32687.txt", "*.txt", True),
        ("004_69b0fd6045c32687.txt", "003*", False),
        ("法规/民法典.txt", "法规/", True),
        ("法规/民法典.txt", "./法规/", True),
        ("法规/民法典.txt", "*/民法典.txt", True),
        ("法规/民法典.txt", "案例/", False),
        ("FAQ/a.md", "faq/", True),
        ("a.jsonl", "a.jsonl", True),
    ],
)
def test_file_patterns(path, pattern, matches):
    assert file_matches(path, pattern) is matches


# Operator pieces glued at random to random characters (lone surrogates, NUL, emoji …)
PIECES = list('"「」“”『』＂|｜-:*?[]() ') + [" ", " ", "OR", "file:", "-file:", "AND", "上门", "催收", "九千", "上門", "a", "004*"]
SYNTAX = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(st.characters(codec=None, categories=None), max_size=3)), max_size=14
).map("".join)


@settings(max_examples=300, deadline=None)
@given(SYNTAX)
def test_the_parser_never_fails_and_a_plain_reading_is_the_query(text):
    reading = parse_query(text)
    if not reading.operators:
        assert reading.ranked == text
    for run in reading.phrases + reading.excluded + tuple(r for g in reading.any_of for r in g):
        run_pattern(run)  # a valid expression for every run
        assert run.strip()


def test_the_parser_is_public():
    assert zhsearch.parse_query is parse_query and "parse_query" in zhsearch.__all__
    assert zhsearch.parse_query('上门 -"上门催收"').to_dict()["excluded"] == ["上门催收"]
