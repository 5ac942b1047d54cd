"""A full build's one segment, written in bulk from passages analysed elsewhere.

Whoosh's own writer sends every posting of every document through a pool
(each pickled, sorted on disk, merged back), then looks up each posting's field
length in the column it has just written.  A full build needs none of that: the
passages of each file are analysed (in a worker process, :func:`analyse_documents`)
into their stored records, field lengths and an inverted list of their terms;
:class:`BulkSegmentWriter` appends those (the parent), so the postings stand in
term-then-passage order from the start, and writes them once at commit through
the codec's own field writer.  The segment is the one ``add_document`` would
have written, byte for byte (tests/test_bulk.py): updates, merges and every
reader treat it as any other.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Iterable

import zhsearch.whoosh_without_asyncio  # noqa: F401  (first: whoosh without asyncio)
from whoosh.formats import Existence, Frequency
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing.segment_writer import SegmentWriter

from zhsearch.storage.records import encode_record
from zhsearch.storage.terms import SHORT_POSTINGS, encode_short

# term -> its postings in passage order, each (passage, how often the term occurs
# there) one after the other in one array: one object a term, not three (a full
# build holds every posting of the corpus until its commit)
Postings = dict[bytes, array]


@dataclass(frozen=True)
class FlatPostings:
    """The postings of one field of a few passages, flat: cheap to send between
    processes (a few arrays, not an array pair a term)."""

    terms: list[bytes]
    counts: array  # how many postings each term has
    pairs: array  # the postings of each term in turn: passage (numbered from 0), frequency


@dataclass(frozen=True)
class AnalysedDocs:
    """Passages analysed for the index: what a worker hands the writer."""

    records: list[bytes]  # the stored fields of each passage, as the stored column holds them
    lengths: dict[str, array]  # indexed field -> each passage's length in it (0: none)
    postings: dict[str, FlatPostings]  # indexed field -> its terms


def _flat(table: dict[bytes, list]) -> FlatPostings:
    flat = FlatPostings(list(table), array("I"), array("I"))
    for pairs in table.values():
        flat.counts.append(len(pairs) // 2)
        flat.pairs.extend(pairs)
    return flat


def _term_counts(field, value) -> dict[bytes, int]:
    """The terms of ``value`` in ``field`` and how often each occurs, as Whoosh indexes them."""
    counts = getattr(field.analyzer, "term_counts", None)  # text.analyzer.ChainTokenizer: no Whoosh tokens
    if counts is not None:
        return {term.encode("utf-8"): n for term, n in counts(value).items()}
    return {tbytes: freq for tbytes, freq, _, _ in field.index(value)}


def _check_formats(schema) -> None:
    for name, field in schema.items():
        if field.indexed and (type(field.format) not in (Frequency, Existence) or field.format.field_boost != 1.0):
            raise TypeError(f"the bulk writer knows frequency and existence postings of boost 1, not {name}'s")


def analyse_documents(schema, docs: Iterable[dict]) -> AnalysedDocs:
    """The records, lengths and postings of ``docs`` (``add_document`` keyword dicts)."""
    indexed = [name for name, field in schema.items() if field.indexed]
    records: list[bytes] = []
    lengths = {name: array("I") for name in indexed}
    postings: dict[str, dict[bytes, list]] = {name: {} for name in indexed}
    for n, doc in enumerate(docs):
        record = {}
        found = dict.fromkeys(indexed, 0)
        for name in sorted(doc):  # add_document's order: the order of the stored record
            value = doc[name]
            if value is None:
                continue
            field = schema[name]
            if field.stored:
                record[name] = value
            if field.indexed:
                counts = _term_counts(field, value)
                if field.scorable:
                    found[name] = sum(counts.values())
                table = postings[name]
                for term, freq in counts.items():
                    entry = table.get(term)
                    if entry is None:
                        table[term] = [n, freq]  # a list while gathering: cheaper to start than an array
                    else:
                        entry += (n, freq)
        for name in indexed:
            lengths[name].append(found[name])
        records.append(encode_record(record))  # here, in the worker
    return AnalysedDocs(records, lengths, {name: _flat(table) for name, table in postings.items()})


class BulkSegmentWriter(SegmentWriter):
    """A Whoosh segment writer fed :class:`AnalysedDocs` instead of documents."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        _check_formats(self.schema)
        self._fields = {name: self.schema[name] for name in self.schema.names()}
        indexed = [name for name, field in self._fields.items() if field.indexed]
        self._postings: dict[str, Postings] = {name: {} for name in indexed}
        # each passage's length in each scorable field, as the length column
        # gives it back (one byte: rounded), which is what the postings record
        self._lengths = {name: array("I") for name in indexed}

    def add_analysed(self, docs: AnalysedDocs) -> None:
        self._check_state()
        base, fields, perdoc = self.docnum, self._fields, self.perdocwriter
        lengths = docs.lengths
        stored = perdoc._get_column("_stored")  # a records.RecordColumn (terms.CompactCodec)
        for n, record in enumerate(docs.records):
            perdoc.start_doc(base + n)
            stored.add_encoded(base + n, record)
            for name, column in lengths.items():
                perdoc.add_field(name, fields[name], None, column[n])
            perdoc.finish_doc()
        for name, column in lengths.items():
            self._lengths[name].extend(byte_to_length(b) if (b := length_to_byte(x)) else 0 for x in column)
        for name, flat in docs.postings.items():
            table = self._postings[name]
            pairs = flat.pairs
            if base:
                pairs[0::2] = array("I", [i + base for i in pairs[0::2]])
            start = 0
            for term, count in zip(flat.terms, flat.counts):
                end = start + 2 * count
                entry = table.get(term)
                if entry is None:
                    table[term] = pairs[start:end]
                else:
                    entry.extend(pairs[start:end])
                start = end
        self.docnum = base + len(docs.records)
        if docs.records:
            self._added = True

    def terms(self, name: str) -> Iterable[bytes]:
        """The terms of field ``name`` so far (before the commit writes them)."""
        return self._postings[name].keys()

    def _flush_segment(self):
        self.perdocwriter.close()
        writer = self.fieldwriter
        for name in sorted(self._postings):  # Whoosh's pool order: field, term, passage
            table = self._postings[name]
            if not table:
                continue
            field = self._fields[name]
            frequency = type(field.format) is Frequency
            lengths = self._lengths[name]
            writer.start_field(name, field)
            short = writer.add_short_term
            for term in sorted(table):
                pairs = table[term]
                ids, freqs = pairs[0::2], pairs[1::2]
                if len(ids) <= SHORT_POSTINGS:
                    if frequency:
                        weights, values = [float(f) for f in freqs], [pack_uint(f) for f in freqs]
                    else:
                        weights, values = [1.0] * len(ids), [b""] * len(ids)
                    short(term, encode_short(ids, weights, values, [lengths[i] for i in ids]))
                    continue
                writer.start_term(term)
                if frequency:
                    for docnum, freq in zip(ids, freqs):
                        writer.add(docnum, float(freq), pack_uint(freq), lengths[docnum])
                else:
                    for docnum in ids:
                        writer.add(docnum, 1.0, b"", lengths[docnum])
                writer.finish_term()
            writer.finish_field()
            table.clear()
        writer.close()
