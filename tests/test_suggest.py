"""Did you mean (by sound, from the corpus's words) and completion, on a real index."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import zhsearch
from zhsearch.interfaces.cli import main
from zhsearch.searching.suggest import EXACT, NEAR, _closeness, near_syllables

from conftest import JUDGMENTS


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("上们催收", "上门催收"),  # 们 men → 门
        ("上闷催收", "上门催收"),
        ("于期", "逾期"),
        ("催手", "催收"),
        ("网代逾期", "网贷逾期"),
        ("小额于期会被起诉吗", "小额逾期会被起诉吗"),  # in a whole question
        ("网贷逾期上们取证怎么办", "网贷逾期上门取证怎么办"),
    ],
)
def test_a_homophone_typo_is_corrected_first(idx, typed, meant):
    first = idx.search(typed).suggestions[0]
    assert (first.text, first.reason) == (meant, "homophone")
    assert first.passages > 0


def test_the_suggestion_keeps_the_query_as_typed_where_it_can(idx):
    assert idx.search("小额于期会被起诉吗？").suggestions[0].text == "小额逾期会被起诉吗？"
    assert idx.search("Debian 上们催收").suggestions[0].text == "Debian 上门催收"
    # traditional input is shown normalised rather than in mixed scripts
    assert idx.search("網貸逾期上們取證怎麼辦").suggestions[0].text == "网贷逾期上门取证怎么办"


def test_a_near_sound_is_offered_after_the_same_sound(idx):
    first = idx.search("真信").suggestions[0]  # zhen for zheng (en/eng)
    assert (first.text, first.reason) == ("征信", "near-sound")


@pytest.mark.parametrize(
    "typed, replacement, expected",
    [("们", "门", EXACT), ("航", "行", EXACT), ("真", "征", NEAR), ("四", "是", NEAR),
     ("年", "连", NEAR), ("不", "复", None), ("汤", "上", None)],  # 不 fu, 汤 shang: rare readings
)
def test_closeness(typed, replacement, expected):
    assert _closeness(typed, replacement) == expected


def test_near_syllables_are_those_input_methods_confuse():
    assert near_syllables("zheng") == {"zeng", "zhen", "zen"}
    assert near_syllables("lin") == {"ling", "nin", "ning"}
    assert near_syllables("xin") == {"xing"}
    assert near_syllables("shi") == {"si"}
    assert "a" not in near_syllables("a")


def test_correctly_spelled_questions_get_no_suggestion(idx):
    questions = [json.loads(line)["query"] for line in JUDGMENTS.read_text(encoding="utf-8").splitlines()]
    questions += ["催收时暴力威胁怎么办", "逾期9000元会不会上门", "可以和平台协商分期还款吗", "shangmen cuishou"]
    shown = {q: idx.search(q).suggestions for q in questions}
    assert {q: s for q, s in shown.items() if s} == {}


def test_pinyin_initials_of_known_words(idx):
    assert idx.search("smcs").suggestions[0].text == "上门催收"  # 上门 + 催收
    assert idx.search("wdyq").suggestions[0].text == "网贷逾期"
    assert idx.search("xyzq").suggestions == ()  # initials of nothing the corpus holds
    assert idx.search("zzzzzzzzzzzzz").suggestions == ()  # too long to be initials


def test_a_suggestion_keeps_out_of_paging_and_operators(idx):
    assert idx.search("上们催收", offset=10).suggestions == ()
    assert idx.search('上们催收 -暴力').suggestions == ()


def test_a_good_search_never_loads_the_suggester(index_dir):
    code = (
        "import sys, zhsearch\n"
        f"idx = zhsearch.open_index({str(index_dir)!r})\n"
        "r = idx.search('九千会上门吗')\n"
        "assert r.total and not r.suggestions\n"
        "print(sorted(m for m in ('zhsearch.searching.suggest', 'pypinyin') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_completion_continues_from_the_corpus(idx):
    found = idx.suggest("上门")
    texts = [s.text for s in found]
    assert "上门催收" in texts and "上门取证" in texts
    assert all(t.startswith("上门") and t != "上门" for t in texts)
    assert [s.passages for s in found] == sorted((s.passages for s in found), reverse=True)
    assert [s.text for s in idx.suggest("上門")] == texts  # traditional: the same words


def test_completion_reads_latin_as_pinyin_and_keeps_what_was_typed(idx):
    assert idx.suggest("shangm")[0].text == "上门"
    assert idx.suggest("cuis")[0].text == "催收"
    assert idx.suggest("网贷 逾")[0].text == "网贷 逾期"
    assert idx.suggest("网贷逾期上")[0].text.startswith("网贷逾期上")
    assert idx.suggest("   ") == ()
    with pytest.raises(zhsearch.BadQueryError):
        idx.suggest(None)


def test_cli_prints_did_you_mean_on_stderr_and_keeps_exit_codes(index_dir):
    result = CliRunner().invoke(main, ["search", "于期", "--index", str(index_dir)], env={})
    assert result.exit_code == 1
    assert "did you mean: 逾期 (" in result.stderr and "passages)" in result.stderr
    assert "did you mean" not in result.stdout
    result = CliRunner().invoke(main, ["search", "上们催收", "-n", "1", "--index", str(index_dir)], env={})
    assert result.exit_code == 0 and "did you mean: 上门催收 (" in result.stderr
    result = CliRunner().invoke(main, ["search", "于期", "--json", "--index", str(index_dir)], env={})
    data = json.loads(result.stdout)
    assert data["suggestions"][0]["text"] == "逾期" and data["suggestions"][0]["reason"] == "homophone"
    result = CliRunner().invoke(main, ["search", "九千会上门吗", "--index", str(index_dir)], env={})
    assert result.exit_code == 0 and "did you mean" not in result.stderr


def test_reading_one_character_bisects_the_table_exactly():
    from zhsearch.text.pinyin import _bisect_readings, _pinyin_dict

    table = _pinyin_dict()
    assert all(_bisect_readings(int(code)) == readings for code, readings in table.items())
    assert _bisect_readings(ord("a")) == "" and _bisect_readings(0x10FFFF) == ""


def test_a_damaged_index_read_while_suggesting_is_the_index_error(index_dir):
    class Broken:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise OSError("damaged")

            return fail

    with zhsearch.open_index(index_dir) as fresh:
        fresh._get_suggester().searcher = Broken()
        with pytest.raises(zhsearch.IndexCorruptError, match="--rebuild"):
            fresh.suggest("上门")


def test_pasted_text_is_never_corrected_and_stays_fast(idx):
    assert idx.search("上们" * 500).suggestions == ()  # 1,000 characters: no question typed wrong
    assert idx.search("上们" * 59).suggestions == ()  # more than three characters to mend
    assert idx.search("上们催收 于期").suggestions[0].text == "上门催收 逾期"  # two are fine


_LATIN = __import__("re").compile(r"[A-Za-zü]")


@pytest.mark.parametrize(
    "typed, first",
    [("shangm", "上门"), ("shangmen", "上门"), ("wangdai", "网贷"), ("wangd", "网贷"),
     ("shangmencuishou", "上门催收"),  # syllables of two corpus words: the phrase the passages hold
     ("shangmencui", "上门催收"), ("wangdaiyuq", "网贷逾期"),  # the last syllable only begun
     ("smcs", "上门催收"), ("网贷shangm", "网贷上门"), ("上门cuis", "上门催收")],
)
def test_pinyin_completion_is_a_corpus_word_never_letters_and_characters(idx, typed, first):
    texts = [s.text for s in idx.suggest(typed)]
    assert texts[0] == first
    assert not [t for t in texts if _LATIN.search(t)]  # never shang明确, wang贷款


@pytest.mark.parametrize("typed", ["changcheng", "xx", "s", "debian", "shangmencuishou", "lvcha"])
def test_pinyin_completion_never_mixes_letters_and_characters(idx, typed):
    assert not [s.text for s in idx.suggest(typed) if _LATIN.search(s.text)]


@pytest.fixture(scope="module")
def tea_idx(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("tea")
    (corpus / "tea.txt").write_text("绿茶的冲泡\n\n绿茶用八十度的水冲泡，长城脚下也产绿茶。Debian 用户也喝绿茶。\n", encoding="utf-8")
    index = tmp_path_factory.mktemp("tea-index")
    zhsearch.build_index(corpus, index)
    with zhsearch.open_index(index) as opened:
        yield opened


@pytest.mark.parametrize("typed", ["lvcha", "lücha", "lucha", "lǜchá", "lvc", "lüch", "lv", "LVCHA"])
def test_u_umlaut_is_typed_v_u_or_u(tea_idx, typed):
    assert tea_idx.suggest(typed)[0].text == "绿茶"


def test_latin_words_complete_as_written_in_the_corpus(tea_idx):
    assert [s.text for s in tea_idx.suggest("deb")] == ["debian"]
    assert tea_idx.suggest("changcheng")[0].text == "长城"
