"""A full build's bulk-written segment is the one Whoosh's own writer makes, byte for byte."""

from collections import Counter

from conftest import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.util.numeric import byte_to_length, length_to_byte

from zhsearch.reading.passages import load_passages, read_text
from zhsearch.storage.build import _passage_documents, make_schema
from zhsearch.storage.bulk import BulkSegmentWriter, analyse_documents
from zhsearch.storage.terms import SHORT_POSTINGS, CompactCodec, encode_short, encode_terminfo
from zhsearch.text.analyzer import ChainTokenizer


def _docs():
    docs = []
    for path in sorted(CORPUS.glob("*.txt")):
        passages, _ = load_passages(read_text(path), path.name)
        docs.extend(_passage_documents(passages, set()))
    return docs


def _segment_files(folder) -> dict[str, bytes]:
    ix = whoosh_index.open_dir(str(folder))
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage)
    out = {}
    for name in files.list():
        handle = files.open_file(name)
        out[name.replace(segment.segment_id(), "SEG")] = handle.read()
        handle.close()
    out["lengths"] = repr(sorted(segment._fieldlengths.items())).encode()
    return out


def test_bulk_segment_is_whoosh_own_byte_for_byte(tmp_path):
    docs = _docs()
    (tmp_path / "whoosh").mkdir()
    writer = whoosh_index.create_in(str(tmp_path / "whoosh"), make_schema()).writer(codec=CompactCodec())
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    (tmp_path / "bulk").mkdir()
    bulk = BulkSegmentWriter(whoosh_index.create_in(str(tmp_path / "bulk"), make_schema()), codec=CompactCodec())
    schema = make_schema()
    half = len(docs) // 2  # two batches, as two files would come: the second's passages renumbered
    bulk.add_analysed(analyse_documents(schema, docs[:half]))
    bulk.add_analysed(analyse_documents(schema, docs[half:]))
    bulk.commit()
    whoosh_files, bulk_files = _segment_files(tmp_path / "whoosh"), _segment_files(tmp_path / "bulk")
    assert sorted(whoosh_files) == sorted(bulk_files) and len(whoosh_files) >= 6
    for name, data in whoosh_files.items():
        assert bulk_files[name] == data, name
    with whoosh_index.open_dir(str(tmp_path / "bulk")).searcher() as searcher:
        assert searcher.doc_count() == len(docs)
        assert searcher.stored_fields(half)["text"] == docs[half]["text"]


def test_term_counts_are_the_tokenizer_stream_counted():
    for doc in _docs()[:40]:
        for field, analyzer in (("words", ChainTokenizer("words", normalized=True)),
                                ("bigrams", ChainTokenizer("bigrams", normalized=True))):
            assert analyzer.term_counts(doc[field]) == Counter(t.text for t in analyzer(doc[field]))
    raw = ChainTokenizer("words")
    assert raw.term_counts("網貸九千會上門嗎") == Counter(t.text for t in raw("網貸九千會上門嗎"))
    assert ChainTokenizer("bigrams", normalized=True).term_counts("") == Counter()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3000)), min_size=1, max_size=SHORT_POSTINGS),
       st.integers(0, 10_000), st.booleans())
def test_short_records_are_the_whoosh_writer_records(postings, first, frequency):
    """encode_short writes what Whoosh's postings writer then encode_terminfo would."""
    from whoosh.codec.whoosh3 import W3PostingsWriter
    from whoosh.filedb.filestore import RamStorage
    from whoosh.formats import Existence, Frequency
    from whoosh.system import pack_uint

    ids, docid = [], first
    for gap, _ in postings:
        ids.append(docid)
        docid += gap + 1
    freqs = [1 + (length % 5) for _, length in postings]
    lengths = [byte_to_length(b) if (b := length_to_byte(length)) else 0 for _, length in postings]
    weights = [float(f) for f in freqs] if frequency else [1.0] * len(ids)
    values = [pack_uint(f) for f in freqs] if frequency else [b""] * len(ids)
    writer = W3PostingsWriter(RamStorage().create_file("p"), blocklimit=128)
    writer.start_postings(Frequency() if frequency else Existence(), W3TermInfo())
    for docnum, weight, value, length in zip(ids, weights, values, lengths):
        writer.add_posting(docnum, weight, value, length)
    assert encode_short(ids, weights, values, lengths) == encode_terminfo(writer.finish_postings())


def test_records_round_trip_and_are_smaller_than_whoosh_own():
    import pickle
    import zlib

    from zhsearch.storage.records import decode_record, encode_record

    stored = make_schema().stored_names()
    records = [{name: doc[name] for name in sorted(doc) if name in stored} for doc in _docs()]
    assert all(decode_record(encode_record(r)) == r for r in records)
    assert decode_record(b"") is None
    ours = sum(len(encode_record(r)) for r in records)
    whoosh = sum(len(zlib.compress(pickle.dumps(r), 3)) for r in records)
    assert ours < 0.9 * whoosh


def test_lookups_of_a_bulk_build_read_the_han_terms_an_update_collects(tmp_path):
    """A full build hands its workers the bigram fields' Han terms as one string
    (build._han_terms); the set they rebuild is the one an update collects
    while it adds the same passages (_passage_documents)."""
    from zhsearch.storage.build import _han_terms, _save_from_terms

    collected: set[str] = set()
    docs = []
    for path in sorted(CORPUS.glob("*.txt")):
        passages, _ = load_passages(read_text(path), path.name)
        docs.extend(_passage_documents(passages, collected))
    bulk = BulkSegmentWriter(whoosh_index.create_in(str(tmp_path), make_schema()), codec=CompactCodec())
    bulk.add_analysed(analyse_documents(make_schema(), docs))
    handed: list[set[str]] = []
    _save_from_terms(lambda gen, seen: handed.append(seen), tmp_path, _han_terms(bulk))
    _save_from_terms(lambda gen, seen: handed.append(seen), tmp_path, "")  # a corpus without Han text
    bulk.cancel()
    assert len(collected) > 1000 and {"上门", "上", "门"} <= collected
    assert handed == [collected, set()]
