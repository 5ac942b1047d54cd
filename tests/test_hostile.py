"""Hostile queries and arguments: each has a defined outcome, never a traceback or a hang."""

import string

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhsearch
from zhsearch.text.analyzer import analyze
from zhsearch.interfaces.cli import main
from zhsearch.searching.query import plan_query

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ANY = st.characters(codec=None, categories=None)  # every code point, lone surrogates included
TEXT = st.text(st.one_of(CJK, ANY, st.sampled_from(list(string.punctuation + "（）：？。，「」"))), max_size=80)


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", 2),
        ("   \t ", 2),
        ("，。！？", 1),
        ("吗呢吧", 1),  # only particles: nothing to look for
        ("怎么办", 0),  # only question words: still searched
        ("上门" * 50_000, 0),  # 100,000 characters: cut to the first 1,000
        ('"上门', 0),
        ("(上门 [催收 {", 0),
        ("* ? ~ ^ : ( ) [ ] { } AND OR NOT", 1),
        ("上门 AND 催收 OR NOT 九千", 0),
        ("上\x00门\x07催\x1b收", 0),
        ("上门\ud800催收", 0),
        ("😀🔥 上门", 0),
        ("😀🔥", 1),
        ("上門 cuishou 9000 ＡＰＰ", 0),
        ("-zzz", 0),  # only filters: a page of passages in file order
        ("file:00*", 0),
        ("-元 -上门 -催收", 0),
        ("file:nothing*", 1),
        ("file:[ -file:]", 1),
        ("一五一十 十二三岁", 1),  # idioms and ranges stay words
    ],
)
def test_hostile_query_has_a_defined_outcome(index_dir, query, expected):
    result = run("search", query, "--index", str(index_dir), "-n", "3")
    assert result.exit_code == expected, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("limit, expected", [("0", 2), ("-1", 2), ("abc", 2), ("1000000", 0)])
def test_limit_argument(index_dir, limit, expected):
    result = run("search", "上门", "--index", str(index_dir), "-n", limit)
    assert result.exit_code == expected


def test_bad_corpus_paths(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    for corpus in (tmp_path / "file.txt", tmp_path / "missing"):
        result = run("index", "--corpus", str(corpus), "--index", str(tmp_path / "i"))
        assert result.exit_code == 2
        assert result.output.startswith("zhsearch: error: ") and result.output.count("\n") == 1


def test_corrupt_index_is_a_clear_error_and_a_rebuild_fixes_it(tmp_path, corpus_copy):
    index = tmp_path / "i"
    zhsearch.build_index(corpus_copy, index)
    gen = zhsearch.storage.layout.live_generation(index)
    for path in gen.iterdir():
        if path.suffix in (".seg", ".trm", ".pst", ".toc") or path.name.startswith("_MAIN"):
            path.write_bytes(b"garbage")
    result = run("search", "上门", "--index", str(index))
    assert result.exit_code == 2 and "--rebuild" in result.output
    assert run("index", "--rebuild", "--corpus", str(corpus_copy), "--index", str(index)).exit_code == 0
    assert run("search", "上门", "--index", str(index)).exit_code == 0


def test_term_table_of_another_format_is_a_clear_error(tmp_path, corpus_copy):
    index = tmp_path / "i"
    zhsearch.build_index(corpus_copy, index)
    seg = next(zhsearch.storage.layout.live_generation(index).glob("*.seg"))
    data = seg.read_bytes()
    at = data.find(b"ZHT")
    seg.write_bytes(data[:at] + b"ZHT0" + data[at + 4 :])  # an older table format
    result = run("search", "上门", "--index", str(index))
    assert result.exit_code == 2 and "--rebuild" in result.output
    assert result.output.startswith("zhsearch: error: ") and result.output.count("\n") == 1


def test_empty_index_folder_is_built_on_first_search(tmp_path, corpus_copy):
    (tmp_path / "i").mkdir()
    result = run("search", "上门", "--index", str(tmp_path / "i"), "--corpus", str(corpus_copy))
    assert result.exit_code == 0


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_analyzer_offsets_stay_inside_the_text(text):
    for field in ("words", "bigrams"):
        tokens = analyze(text, field)
        for token in tokens:
            assert 0 <= token.start <= token.end <= len(text)
            assert token.text
        positions = [t.position for t in tokens]
        assert positions == sorted(positions)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_query_builder_never_fails(text):
    plan = plan_query(text)
    assert all(isinstance(t, str) and t for t in plan.words + plan.bigrams + plan.pinyin)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXT)
def test_cli_search_on_random_input(index_dir, text):
    result = run("search", text, "--index", str(index_dir), "-n", "2", "--json")
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output
