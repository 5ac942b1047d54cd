"""zhsearch.text.segment is jieba's no-HMM cut, and the compact dictionary cuts like the full one."""

import logging

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhsearch.reading.passages import read_text, split_passages
from zhsearch.text.normalize import normalize_text
from zhsearch.text.segment import Segmenter, full_segmenter

from conftest import CORPUS

SENTENCES = [
    normalize_text(line).text
    for path in sorted(CORPUS.glob("*.txt"))
    for line in read_text(path).splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def reference():
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@pytest.fixture(scope="module")
def plain():
    """Our segmenter over jieba's own dictionary, without the lexicon's words."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return Segmenter(tokenizer.FREQ, tokenizer.total)


def test_same_cut_as_jieba_on_the_corpus(reference, plain):
    for sentence in SENTENCES:
        assert plain.tokenize(sentence) == list(reference.tokenize(sentence, HMM=False))


@settings(max_examples=300, deadline=None)
@given(st.text(st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                         st.sampled_from(list("的了是在上门网贷逾期 ab12.%-，。\n"))), max_size=40))
def test_same_cut_as_jieba_on_random_text(reference, plain, text):
    assert plain.tokenize(text) == list(reference.tokenize(text, HMM=False))


def test_compact_dictionary_of_an_index_cuts_like_the_full_one(index_dir, corpus_copy):
    from zhsearch.storage.layout import live_generation
    from zhsearch.text.lexicon import use_corpus_lexicon

    use_corpus_lexicon(corpus_copy)  # the lexicon the index was built with (its corpus's)
    full = full_segmenter()
    compact = Segmenter.load_compact(live_generation(index_dir))
    assert len(compact.freq) < len(full.freq) / 3
    indexed = [
        normalize_text(text).text
        for path in sorted(CORPUS.glob("*.txt"))
        for p in split_passages(read_text(path), path.name)
        for text in (p.text, p.heading, p.title)
    ]
    for text in indexed:
        assert compact.tokenize(text) == full.tokenize(text)
    for question in ("九千会上门吗", "逾期多久会上门", "网贷逾期怎么样", "几天能办好", "可以和平台协商分期还款吗"):
        normalized = normalize_text(question).text
        assert compact.tokenize(normalized) == full.tokenize(normalized)


@pytest.mark.parametrize("table", [{}, {"上门": 120, "上门催收": 3, "a\rb": 2, "x\u2028y": 1}])
def test_the_packed_compact_dictionary_round_trips(table):
    from zhsearch.text.segment import _pack_compact, _unpack_compact

    freq, total = _unpack_compact(_pack_compact(table, 60_000_000))
    assert total == 60_000_000 and {w: f for w, f in freq.items() if f} == table
    prefixes = {w[:i] for w in table for i in range(1, len(w))} - set(table)  # jieba's entries, frequency 0
    assert {w for w, f in freq.items() if not f} == prefixes and ("上门催" in prefixes) == bool(table)


def test_a_packed_dictionary_with_a_count_that_is_not_a_count_is_damaged():
    import marshal

    from zhsearch.text.segment import _pack_compact, _unpack_compact

    record = marshal.loads(_pack_compact({"上门": 120, "催收": 7}, 1000))
    record["entries"] = record["entries"].replace("催收\t7", "催收\t-7")
    freq, _ = _unpack_compact(marshal.dumps(record))
    with pytest.raises(ValueError):
        freq.get("催收")
    with pytest.raises(ValueError):
        dict(freq.items())
    record["entries"] = "上门\t120"  # cut short of its line break
    with pytest.raises(ValueError):
        _unpack_compact(marshal.dumps(record))
    with pytest.raises(ValueError):
        _pack_compact({"上\n门": 1}, 1000)


def test_a_compact_dictionary_of_an_earlier_index_is_read_whole_as_before():
    """Before the entries were one string of lines: words one string, counts an array."""
    import array
    import marshal

    from zhsearch.text.segment import _unpack_compact

    counts = array.array("q", [120, 7])
    record = {"total": 1000, "words": "上门\n催收", "counts": counts.tobytes(), "prefixes": "上\n催"}
    freq, total = _unpack_compact(marshal.dumps(record))
    assert total == 1000 and freq == {"上门": 120, "催收": 7, "上": 0, "催": 0}
    counts[1] = -7
    with pytest.raises(ValueError):
        _unpack_compact(marshal.dumps({**record, "counts": counts.tobytes()}))


def test_a_word_is_found_by_bisecting_the_entries_as_in_a_dict():
    import random

    from zhsearch.text.segment import _pack_compact, _unpack_compact

    rng = random.Random(5)
    table = {"".join(rng.choice("上门催收a\tb\r逾期") for _ in range(rng.randint(1, 5))): rng.randint(1, 9) for _ in range(400)}
    freq, _ = _unpack_compact(_pack_compact(table, 10_000))
    prefixes = {w[:i] for w in table for i in range(1, len(w))} - set(table)
    expected = {**dict.fromkeys(prefixes, 0), **table}
    for word in [*expected, "不在", "", "上门催收逾期上门", "\t"]:
        assert freq.get(word) == expected.get(word) and (word in freq) == (word in expected)
    assert dict(freq.items()) == expected