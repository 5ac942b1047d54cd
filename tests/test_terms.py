"""The compact term dictionary answers exactly what Whoosh's own would."""

import random

from conftest import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.filedb.filestore import RamStorage

from zhsearch.storage.terms import (
    BLOCK,
    CompactCodec,
    TermTable,
    TermTableWriter,
    decode_terminfo,
    encode_terminfo,
)
from zhsearch.reading.passages import load_passages, read_text
from zhsearch.storage.build import _passage_documents, make_schema


def _table(pairs):
    storage = RamStorage()
    writer = TermTableWriter(storage.create_file("t"))
    writer.extras["fieldmap"] = {"f": 0}
    for key, value in pairs:
        writer.add(key, value)
    writer.close()
    return TermTable(storage.open_file("t"), storage.file_length("t"))


@settings(max_examples=60, deadline=None)
@given(st.sets(st.binary(min_size=1, max_size=8), max_size=3 * BLOCK + 5), st.binary(max_size=4))
def test_table_finds_every_key_and_nothing_else(keys, probe):
    pairs = [(k, k[::-1] + b"!") for k in sorted(keys)]
    table = _table(pairs)
    for key, value in pairs:
        assert table.get(key) == value
    if probe not in keys:
        assert table.get(probe) is None
    assert list(table.items_from()) == pairs
    assert list(table.items_from(probe)) == [(k, v) for k, v in pairs if k >= probe]
    assert table.extras == {"fieldmap": {"f": 0}}


def test_term_records_round_trip():
    inline = W3TermInfo()
    inline._weight, inline._df, inline._minlength, inline._maxlength = 3.0, 2, 4, 90
    inline._maxweight, inline._minid, inline._maxid = 2.0, 7, 4000
    inline.set_inlined([7, 4000], [1.0, 2.5], [b"", None])
    extent = W3TermInfo()
    extent._weight, extent._df, extent._minlength, extent._maxlength = 1234.5, 999, 1, 300
    extent._maxweight, extent._minid, extent._maxid = 17.0, 0, 123456
    extent.set_extent(98765, 4321)
    single = W3TermInfo()
    single._weight, single._df, single._minlength, single._maxlength = 2.0, 1, 12, 12
    single._maxweight, single._minid, single._maxid = 2.0, 321, 321
    single.set_compact_inline(321, 2.0, b"\x00\x00\x00\x02")
    assert len(encode_terminfo(single)) <= 8
    assert decode_terminfo(encode_terminfo(single)).inlined_postings() == ((321,), (2.0,), (b"\x00\x00\x00\x02",))
    for ti in (inline, extent, single):
        back = decode_terminfo(encode_terminfo(ti))
        assert (back.weight(), back.doc_frequency(), back.max_weight()) == (ti.weight(), ti.doc_frequency(), ti.max_weight())
        w3 = W3TermInfo.from_bytes(ti.to_bytes())  # lengths are a byte each, lossy as in W3
        assert (back.min_id(), back.max_id(), back.min_length(), back.max_length()) == (
            ti.min_id(), ti.max_id(), w3.min_length(), w3.max_length())
        assert back.is_inlined() == ti.is_inlined()
    assert decode_terminfo(encode_terminfo(inline)).inlined_postings() == ((7, 4000), (1.0, 2.5), (b"", None))
    assert decode_terminfo(encode_terminfo(extent)).extent() == (98765, 4321)


def _weights(matcher) -> list[float]:
    weights = []
    while matcher.is_active():
        weights.append(matcher.weight())
        matcher.next()
    return weights


def test_same_terms_frequencies_and_postings_as_whoosh_own_codec(tmp_path):
    docs = []
    for path in sorted(CORPUS.glob("*.txt")):
        passages, _ = load_passages(read_text(path), path.name)
        docs.extend(_passage_documents(passages, set()))
    readers = {}
    for name, codec in (("w3", W3Codec()), ("compact", CompactCodec())):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), make_schema())
        writer = ix.writer(codec=codec)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
        readers[name] = whoosh_index.open_dir(str(tmp_path / name)).searcher()
    w3, compact = readers["w3"], readers["compact"]
    terms = list(w3.reader().all_terms())
    assert terms == list(compact.reader().all_terms()) and len(terms) > 1000
    for field, text in random.Random(7).sample(terms, 400):
        assert compact.doc_frequency(field, text) == w3.doc_frequency(field, text)
        assert compact.frequency(field, text) == w3.frequency(field, text)
        ours = compact.postings(field, text)
        theirs = w3.postings(field, text)
        assert list(ours.all_items()) == list(theirs.all_items())  # ids and values
        assert _weights(compact.postings(field, text)) == _weights(w3.postings(field, text))
    assert compact.doc_frequency("bigrams", "不在索引里") == 0
    assert list(compact.reader().expand_prefix("bigrams", "上")) == list(w3.reader().expand_prefix("bigrams", "上"))
    for s in readers.values():
        s.close()
