import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zhsearch.text.normalize import fold_text, normalize_text, strip_pinyin_glosses, to_simplified


def test_traditional_to_simplified_keeps_offsets():
    n = normalize_text("網貸逾期上門取證怎麼辦")
    assert n.text == "网贷逾期上门取证怎么办"
    assert n.span(4, 8) == (4, 8)


def test_pinyin_gloss_removed_and_offsets_point_past_it():
    original = "網(wǎng)貸逾期"
    n = normalize_text(original)
    assert n.text == "网贷逾期"
    start, end = n.span(0, 2)
    assert original[start:end] == "網(wǎng)貸"
    assert strip_pinyin_glosses("應(yīng)該怎么辦") == "應該怎么辦"


def test_parentheses_without_tones_are_kept():
    assert strip_pinyin_glosses("网贷(P2P)平台(app)") == "网贷(P2P)平台(app)"


def test_width_and_case_folding():
    n = normalize_text("ＡＰＰ９０００元")
    assert n.text == "app9000元"
    assert n.span(0, 3) == (0, 3)


def test_chinese_numerals_become_digits_with_offsets_on_the_numeral():
    n = normalize_text("逾期九千元")
    assert n.text == "逾期9000元"
    assert n.span(2, 6) == (2, 4)
    assert normalize_text("第六百七十五条").text == "第675条"
    assert normalize_text("三个月").text == "3个月"
    assert normalize_text("9千").text == "9000"


def test_words_built_on_numerals_stay_words():
    for word in ("第三方", "一些", "一般", "第一时间", "万一", "千万"):
        assert normalize_text(word).text == word


@pytest.mark.parametrize(
    "text",
    ["一五一十", "十一十二月", "三四千元", "一两万", "十二三岁", "七八百人", "三五个人", "五六十年代"],
)
def test_idioms_and_approximate_ranges_are_left_as_written(text):
    """Only a real number becomes digits: two digits side by side (三四千, 十二三)
    or a unit after one no smaller (十一十二) are a range, a list or an idiom."""
    from zhsearch.text.normalize import chinese_numeral_value, fold_text

    assert normalize_text(text).text == fold_text(text) == text
    numeral = text.rstrip("元月岁人个年代")
    if any(unit in numeral for unit in "十百千万"):  # 三五 alone reads digit by digit (a list)
        assert chinese_numeral_value(numeral) is None


def test_a_quoted_idiom_does_not_match_a_number(tmp_path):
    import zhsearch

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("甲\n\n会议一共来了10个人，大家把情况一一说明。\n", encoding="utf-8")
    (corpus / "b.txt").write_text("乙\n\n他把事情的经过一五一十地告诉了警察。\n", encoding="utf-8")
    zhsearch.build_index(corpus, tmp_path / "i")
    with zhsearch.open_index(tmp_path / "i") as idx:
        assert [h.source for h in idx.search('"一五一十"')] == ["b.txt"]


def test_empty_input():
    n = normalize_text("")
    assert n.text == "" and n.starts == ()


def test_to_simplified_is_length_preserving():
    text = "軟體與網路"
    assert len(to_simplified(text)) == len(text)


def test_numeral_values_agree_with_cn2an():
    import random

    import cn2an

    from zhsearch.text.normalize import chinese_numeral_value

    rng = random.Random(7)
    numbers = list(range(0, 3000)) + [rng.randrange(10**12) for _ in range(2000)]
    for n in numbers:
        assert chinese_numeral_value(cn2an.an2cn(n)) == n
    for colloquial, value in (("两万三", 23000), ("三百五", 350), ("一二三", 123), ("十五", 15)):
        assert chinese_numeral_value(colloquial) == value
    for word in ("万一", "百", "千万"):
        assert chinese_numeral_value(word) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("網贷九千两万三第六百七十五条个月元（(wǎng)）ＡＢ１２e\u0301 .,，。一二零")) | st.characters(), max_size=40))
def test_fold_text_is_normalize_text_without_offsets(text):
    from zhsearch.text.normalize import fold_text

    assert fold_text(text) == normalize_text(text).text


def _replace_matches_one_piece_a_character(prev, pattern, replace):
    """The map as _replace_matches built it before: one piece a character, then _compose."""
    from zhsearch.text.normalize import _compose

    out, pieces, last, changed = [], [], 0, False
    for m in pattern.finditer(prev.text):
        new = replace(m)
        if new is None:
            continue
        changed = True
        out.append(prev.text[last : m.start()])
        pieces.extend((i, i + 1) for i in range(last, m.start()))
        out.append(new)
        pieces.extend((m.start(), m.end()) for _ in new)
        last = m.end()
    if not changed:
        return prev
    out.append(prev.text[last:])
    pieces.extend((i, i + 1) for i in range(last, len(prev.text)))
    return _compose(prev, "".join(out), pieces)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="九千三百零七两万第十一二个月天元章方網(wǎng)（yīng）贷 3.5,", max_size=40))
def test_a_stage_maps_its_replacements_as_one_piece_a_character_would(text):
    """_replace_matches builds the offset map a stretch at a time: the same map, on a
    stage after others (glosses removed: the map is no longer the identity)."""
    from zhsearch.text.normalize import (
        _DIGIT_UNIT, _NUMERAL_RUN, PINYIN_GLOSS, _digit_unit_replacement, _identity, _numeral_replacement,
        _replace_matches)

    for pattern, replace in ((PINYIN_GLOSS, lambda m: ""), (_DIGIT_UNIT, _digit_unit_replacement),
                             (_NUMERAL_RUN, _numeral_replacement)):
        for prev in (_identity(text), normalize_text(text)):
            fast, reference = _replace_matches(prev, pattern, replace), _replace_matches_one_piece_a_character(prev, pattern, replace)
            assert (fast.text, fast.starts, fast.ends) == (reference.text, reference.starts, reference.ends)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="記憶體軟體檔案程式設計資料庫網路連線預設視窗滑鼠印表機硬碟隨身碟著裏為後發髮乾幹\n\x1f 。，ａB", max_size=10),
                max_size=12),
       st.sampled_from(["tw2sp", "hk2s", "t2s"]))
def test_phrases_converted_in_one_call_are_converted_as_one_call_each(texts, config):
    """convert_each joins the phrases the alignment converts (and falls back, one call a
    text, when a text holds the separator): each converts as it does alone."""
    from zhsearch.text.normalize import _opencc, convert_each

    convert = _opencc(config).convert
    assert convert_each(convert, texts) == [convert(t) for t in texts]


def _changes_tool():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "tools" / "opencc_changes.py"
    spec = importlib.util.spec_from_file_location("opencc_changes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONVERSIONS = ("t2s", "tw2sp", "s2twp")


@pytest.mark.parametrize("config", CONVERSIONS)
def test_each_changes_table_is_the_installed_openccs(config):
    """{config}_changes.txt lists what the installed OpenCC's conversion converts
    (rerun tools/opencc_changes.py after upgrading opencc)."""
    tool = _changes_tool()
    assert tool.CONFIGS == CONVERSIONS
    if not tool.opencc_share()[1].is_file():
        pytest.skip("this opencc wheel ships no opencc_dict tool")
    assert tool.table_path(config).read_text(encoding="utf-8") == tool.make_table(config)


@pytest.mark.parametrize("config", CONVERSIONS)
def test_text_the_table_says_cannot_change_is_left_as_opencc_leaves_it(config):
    """Every code point, and texts of the characters the phrases are made of: what
    _may_change passes comes back from OpenCC as it went."""
    import random

    import opencc

    from zhsearch.text.normalize import _changes, _may_change

    characters, phrases = _changes(config)
    convert = opencc.OpenCC(config).convert
    kept = [chr(c) for c in range(0x20, 0x110000) if not 0xD800 <= c < 0xE000 and chr(c) not in characters]
    for at in range(0, len(kept), 50_000):
        chunk = "".join(kept[at : at + 50_000])
        assert convert(chunk) == chunk or _may_change(chunk, config)
    pieces = sorted({c for group in phrases.values() for p in group for c in p})
    rng = random.Random(2026)
    for _ in range(2_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(2, 8)))
        assert convert(text) == text or _may_change(text, config), text
    if config == "t2s":  # one stage: each listed key converts
        assert all(convert(c) != c for c in characters)
        assert all(convert(p) != p for group in phrases.values() for p in group)
        assert not _may_change("九千会上门吗", config) and _may_change("網貸", config)
        assert _may_change("深沈", config) and to_simplified("深沈") == "深沉"  # a phrase of characters unlisted alone


def test_a_table_made_from_other_opencc_files_is_not_used(monkeypatch):
    """After an upgrade of OpenCC (its files no longer those the table names), every
    text goes to OpenCC."""
    from zhsearch.text import normalize

    monkeypatch.setattr(normalize, "_opencc_files_are", lambda crcs: False)
    normalize._changes.cache_clear()
    try:
        assert normalize._changes("t2s") is None and normalize._may_change("九千会上门吗", "t2s")
    finally:
        normalize._changes.cache_clear()


def test_a_question_word_both_scripts_write_alike_loads_no_taiwan_conversion():
    """多久 reads the same as Taiwan wording: regional_readings asks no OpenCC for it."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from zhsearch.text.normalize import regional_readings\n"
            "assert regional_readings('多久') == ()\n"
            "print('opencc' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr


def test_nul_and_lone_surrogates_reach_opencc_as_u_fffd_and_nothing_after_them_is_lost():
    """tw2sp and hk2s end their output at NUL; the same text gives the same
    result whether or not OpenCC was loaded before (a test in a fresh process)."""
    import subprocess
    import sys

    text = "編譯並安裝程式\x00記憶體不足"
    code = ("import sys\n"
            "from zhsearch.text.normalize import fold_text, normalize_text, to_simplified\n"
            f"print(ascii((fold_text({text!r}), normalize_text({text!r}).text, to_simplified('a\\x00b'))))\n")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert fresh.returncode == 0, fresh.stderr
    here = ascii((fold_text(text), normalize_text(text).text, to_simplified("a\x00b")))
    assert fresh.stdout.strip() == here
    assert fold_text(text) == "编译并安装程序\ufffd内存不足" == normalize_text(text).text


def test_a_process_that_converts_much_loads_opencc_rather_than_check_each_text():
    """The tables spare a cold search OpenCC's load; a build or a server, which
    converts many texts, loads it once instead of checking each (a check costs
    more than a conversion)."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from zhsearch.text.normalize import to_simplified\n"
            "assert to_simplified('九千会上门吗') == '九千会上门吗' and 'opencc' not in sys.modules\n"
            "for n in range(300):\n"
            "    assert to_simplified('网贷逾期后是否会有催收人员上门' * 20) == '网贷逾期后是否会有催收人员上门' * 20\n"
            "print('opencc' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr
