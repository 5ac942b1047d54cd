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


def test_compact_dictionary_of_an_index_cuts_like_the_full_one(index_dir):
    from zhsearch.storage.layout import live_generation

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
