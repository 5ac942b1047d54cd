from zhsearch.text.analyzer import analyze, segment


def spans(tokens):
    return [(t.text, t.start, t.end) for t in tokens]


def test_words_on_traditional_text_point_at_the_original():
    text = "貸款逾期上門取證"
    tokens = analyze(text, "words")
    assert spans(tokens) == [("贷款", 0, 2), ("逾期", 2, 4), ("上门", 4, 6), ("取证", 6, 8)]
    assert [text[t.start:t.end] for t in tokens] == ["貸款", "逾期", "上門", "取證"]


def test_positions_are_sequential_and_count_stop_words():
    tokens = analyze("逾期后会上门吗", "words")
    assert [t.text for t in tokens] == ["逾期", "上门"]
    positions = [t.position for t in tokens]
    assert positions == sorted(positions) and positions[1] - positions[0] >= 2


def test_glue_repair_moves_the_cut():
    assert [w for w, _, _ in segment("9000会上门吗")] == ["9000", "会", "上门", "吗"]


def test_mixed_latin_and_digits_kept():
    tokens = analyze("APP逾期9000元", "words")
    assert ("app", 0, 3) in spans(tokens)
    assert ("9000", 5, 9) in spans(tokens)


def test_full_width_input():
    tokens = analyze("ＡＰＰ９千", "words")
    assert spans(tokens) == [("app", 0, 3), ("9000", 3, 5)]


def test_bigrams_cover_every_pair_and_keep_alnum_runs_whole():
    tokens = analyze("會上門 9000元", "bigrams")
    assert spans(tokens) == [("会上", 0, 2), ("上门", 1, 3), ("9000", 4, 8), ("元", 8, 9)]


def test_pinyin_map_reads_every_reading_of_a_bigram():
    from zhsearch.text.pinyin import bigram_keys, build_pinyin_map, pinyin_terms

    assert "shang_men" in bigram_keys("上门")
    assert {"yin_hang", "yin_xing"} <= bigram_keys("银行")
    assert build_pinyin_map(["上门", "尚门", "催收"])["shang_men"] == "上门尚门"
    assert pinyin_terms("shangmen cuishou") == ["shang_men", "men_cui", "cui_shou"]
    assert pinyin_terms("shàngmén") == ["shang_men"]
    assert pinyin_terms("九千会上门吗") == []


def test_punctuation_and_empty_input_make_no_tokens():
    for field in ("words", "bigrams"):
        assert analyze("", field) == []
        assert analyze("，。！？……", field) == []


def test_pinyin_map_update_adds_only_new_bigrams():
    from zhsearch.text.pinyin import build_pinyin_map, extend_pinyin_map, pinyin_bigrams

    table = build_pinyin_map(["上门", "尚门"])
    extend_pinyin_map(table, ["上门", "赏门", "门上"])
    assert pinyin_bigrams(table["shang_men"]) == ["上门", "尚门", "赏门"]
    # 时诗 is inside 是时诗事 across two entries: not held yet, so it is added
    table = build_pinyin_map(["是时", "诗事"])
    extend_pinyin_map(table, ["时诗"])
    assert pinyin_bigrams(table["shi_shi"]) == ["是时", "诗事", "时诗"]


def test_the_stored_pinyin_map_is_looked_up_as_it_was_built(tmp_path):
    """The sorted table answers every pair as the dict did; an index written
    before it (pinyin.marshal) is read as it was."""
    import marshal
    import zlib

    from zhsearch.text.pinyin import PINYIN_FILE, build_pinyin_map, load_pinyin_map, save_pinyin_map

    built = build_pinyin_map(["上门", "尚门", "催收", "行长", "银行", "𠀀门"])
    save_pinyin_map(tmp_path, built)
    table = load_pinyin_map(tmp_path)
    assert {pair: table.get(pair, "") for pair in built} == built and table.get("zzz_qqq", "") == ""
    assert load_pinyin_map(tmp_path, whole=True) == built
    old = tmp_path / "old"
    old.mkdir()
    (old / PINYIN_FILE).write_bytes(zlib.compress(marshal.dumps(built)))
    assert load_pinyin_map(old) == built and load_pinyin_map(tmp_path / "none") == {}
