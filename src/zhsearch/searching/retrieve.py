"""Stage 1: a question's candidates by BM25F, scored term at a time over Whoosh's postings.

Whoosh's collector walks the OR of a question's terms (a dozen bigrams and
words over three fields) document at a time, through a binary tree of union
matchers: some ten Python calls per matching passage at every level, most of a
warm query's time.  Scoring term at a time — each term's postings read once,
its BM25F share added to its passages' sums, as bm25s does and as Lucene's
``BooleanScorer`` scores a disjunction, window by window — costs a few calls
and one addition per posting: 3-4× less at every size measured (README,
"Performance").

The scores are Whoosh's: its BM25F scorer for each term of each segment
(its IDF and average field length, from the whole index), times the term's
boost, summed, and the model's ``final()`` when it has one.  Its postings come
through the segment reader, so deleted passages never match.  Only the order
of the additions differs from Whoosh's tree, which can move a score in its
last bit.

BM25F (what a search uses) is applied without a call per posting: Whoosh
stores a field's length as a one-byte code, so the formula's length
normalisation, ``K1 * ((1 - B) + B * length / avgfl)``, takes 256 values,
worked out once a field; each segment's length codes are read once (one
``bytes`` a field, kept while the searcher is) and the postings are walked
block by block over the arrays Whoosh decodes.  The arithmetic is Whoosh's,
operation for operation, so the scores are the same to the last bit: at 311k
poems this halved stage 1 (README, "Performance").
"""

from __future__ import annotations

import functools
import heapq
import weakref
from dataclasses import dataclass
from typing import NamedTuple

import zhsearch.whoosh_without_asyncio  # noqa: F401  (first: whoosh without asyncio)
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader, _lenfield
from whoosh.columns import NumericColumn
from whoosh.matching.mcore import ListMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, WeightLengthScorer
from whoosh.util.numeric import byte_to_length


@dataclass(frozen=True)
class Matches:
    """The passages a question's terms match, as ``(docnum, score)``, best first."""

    best: list[tuple[int, float]]  # by every term: the first ``limit``
    # the first ``section_limit`` by the terms of ``section_field`` alone, each with its score by every term
    sections: list[tuple[int, float]]
    count: int  # every passage matched (within the filters)


class QueryTerm(NamedTuple):
    """One term a question is searched with: its field, its text, and its
    weight (BM25F's boost, as Whoosh's ``Term(fieldname, text, boost=…)`` holds it)."""

    fieldname: str
    text: str
    boost: float = 1.0


def match(searcher, terms, limit: int, section_field: str, section_limit: int,
          allowed: set[int] | None = None, excluded: set[int] | None = None) -> Matches:
    """The OR of ``terms`` (:class:`QueryTerm`) by BM25F.

    ``allowed`` keeps only those docnums, ``excluded`` drops those (Whoosh's
    ``filter`` and ``mask``).  Ties go to the earlier passage, as in Whoosh.
    """
    totals: dict[int, float] = {}
    sections: dict[int, float] = {}
    weighting = searcher.weighting
    plain_bm25f = type(weighting) is BM25F
    for term in terms:
        fieldname, text, boost = term.fieldname, term.text, term.boost
        in_section = fieldname == section_field
        parameters = None  # BM25F's for this term: (idf, K1 + 1, length norms), once it has postings
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            try:
                matcher = reader.postings(fieldname, text)  # without the segment's deleted passages
            except TermNotFound:  # not in this segment (or no such field)
                continue
            codes = _length_codes(searcher, reader, fieldname) if plain_bm25f else None
            blocks = _blocks(matcher) if codes is not None else None
            if blocks is not None and parameters is None:
                parameters = _bm25f_parameters(searcher, weighting, fieldname, text)
            if blocks is not None and parameters is not None:
                idf, k1_plus_1, length_norms = parameters
                _add_bm25f(blocks, codes, length_norms, idf, k1_plus_1, boost, offset,
                           totals, sections if in_section else None)
            else:
                scorer = weighting.scorer(leaf, fieldname, text)  # IDF and average length of the whole index
                _add_scored(matcher, scorer, reader, fieldname, boost, offset, totals, sections if in_section else None)
    if weighting.use_final:  # a model's final say on each passage's sum, as Whoosh's collector applies it
        totals = {d: weighting.final(searcher, d, s) for d, s in totals.items()}
        sections = {d: weighting.final(searcher, d, s) for d, s in sections.items()}
    if allowed is not None or excluded:
        keep = lambda d: (allowed is None or d in allowed) and not (excluded and d in excluded)  # noqa: E731
        totals = {d: s for d, s in totals.items() if keep(d)}
        sections = {d: s for d, s in sections.items() if keep(d)}
    by_section = [(docnum, totals[docnum]) for docnum, _ in _best(sections, section_limit)]
    return Matches(_best(totals, limit), by_section, len(totals))


def holding_all(searcher, fieldname: str, texts) -> set[int]:
    """The passages holding every one of ``texts`` in ``fieldname``: what
    Whoosh's ``docs_for_query(And([Term(…), …]))`` gives, read off the same
    postings (deleted passages never among them) without Whoosh's query classes,
    so a did-you-mean check imports neither whoosh.query nor whoosh.searching."""
    found: set[int] | None = None
    for text in texts:
        docs: set[int] = set()
        for leaf, offset in searcher.leaf_searchers():
            try:
                matcher = leaf.reader().postings(fieldname, text)
            except TermNotFound:
                continue
            docs.update(offset + docnum for docnum in matcher.all_ids())
        found = docs if found is None else found & docs
        if not found:
            return set()
    return found or set()


def _best(scores: dict[int, float], n: int) -> list[tuple[int, float]]:
    """The ``n`` best ``(docnum, score)``, ties to the lower docnum: the ``n``-th
    best score found over the bare floats first, then only those at or above it sorted."""
    if n <= 0:
        return []
    if len(scores) > n:
        floor = heapq.nlargest(n, scores.values())[-1]
        candidates = [(d, s) for d, s in scores.items() if s >= floor]
    else:
        candidates = list(scores.items())
    candidates.sort(key=lambda item: (-item[1], item[0]))
    return candidates[:n]


def _add_scored(matcher, scorer, reader, fieldname, boost, offset, totals, sections) -> None:
    """Any weighting, a posting at a time through Whoosh's matcher."""
    is_active, docnum_of, weight_of, advance = matcher.is_active, matcher.id, matcher.weight, matcher.next
    # A WeightLengthScorer's formula, _score(weight, length), is Whoosh's
    # documented override point; unless a subclass overrides score(), the
    # length is read as score() reads it (the segment's field length, 1 when
    # none), in one call.
    formula = scorer._score if type(scorer).score is WeightLengthScorer.score else None
    length_of = reader.doc_field_length
    while is_active():
        docnum = docnum_of()
        if formula is not None:
            value = formula(weight_of(), length_of(docnum, fieldname, 1)) * boost
        else:
            value = scorer.score(matcher) * boost
        docnum += offset
        totals[docnum] = totals.get(docnum, 0.0) + value
        if sections is not None:
            sections[docnum] = sections.get(docnum, 0.0) + value
        advance()


def _add_bm25f(blocks, codes: bytes, norms: tuple[float, ...], idf: float, k1_plus_1: float, boost: float, offset: int,
               totals: dict[int, float], sections: dict[int, float] | None) -> None:
    """BM25F over raw postings: ``idf * (tf * (K1 + 1) / (tf + norm(length)))`` as
    ``whoosh.scoring.bm25`` computes it, times the term's boost."""
    get = totals.get
    for ids, weights, excluded in blocks:
        for docnum, tf in zip(ids, weights):
            if excluded is not None and docnum in excluded:
                continue
            value = idf * ((tf * k1_plus_1) / (tf + norms[codes[docnum]])) * boost
            docnum += offset
            totals[docnum] = get(docnum, 0.0) + value
            if sections is not None:
                sections[docnum] = sections.get(docnum, 0.0) + value


def _bm25f_parameters(searcher, weighting, fieldname: str, text):
    """What ``weighting.scorer`` gives a term (BM25FScorer: IDF and average
    field length of the whole index, the field's B, K1) once a term, not once a
    segment; None for a field without lengths (Whoosh scores it by weight)."""
    if not searcher.schema[fieldname].scorable:
        return None
    b = weighting._field_B.get(fieldname, weighting.B)
    norms = _length_norms(b, weighting.K1, searcher.avg_field_length(fieldname) or 1)
    return searcher.idf(fieldname, text), weighting.K1 + 1, norms


@functools.lru_cache(maxsize=64)  # a few fields of a few indexes
def _length_norms(b: float, k1: float, avgfl: float) -> tuple[float, ...]:
    """BM25's length normalisation for each of Whoosh's 256 length codes, the
    denominator's second term exactly as ``whoosh.scoring.bm25`` computes it."""
    return tuple(k1 * ((1 - b) + b * byte_to_length(code) / avgfl) for code in range(256))


# searcher -> {(segment reader's id, field): its length codes}; dropped with the searcher
_CODES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _length_codes(searcher, reader, fieldname: str) -> bytes | None:
    """One byte a passage of the segment: its length code in ``fieldname``, read
    in one piece from Whoosh's length column; None when the segment is not W3's
    (the generic path then scores it)."""
    known = _CODES.get(searcher)
    if known is None:
        known = _CODES[searcher] = {}
    key = (id(reader), fieldname)
    if key in known:
        return known[key]
    codes = None
    perdoc = getattr(reader, "_perdoc", None)
    if isinstance(perdoc, W3PerDocReader):  # terms.RecordsPerDocReader too
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if type(column) is NumericColumn.Reader and column._typecode == "B":
            doccount = reader.doc_count_all()
            codes = column._dbfile.get(column._basepos, min(column._count, doccount))
            # passages past the column's end have the default code, 0 (never one with postings)
            codes += bytes(doccount - len(codes))
    known[key] = codes
    return codes


def _blocks(matcher):
    """The postings of a term in a segment as ``(ids, weights, excluded)`` runs, read
    from the arrays Whoosh decodes block by block (``excluded``: the segment's
    deleted passages, or None); None for a matcher of another kind."""
    excluded = None
    if type(matcher) is FilterMatcher:
        if not matcher._exclude:
            return None
        excluded, matcher = matcher._ids, matcher.child
    if type(matcher) is ListMatcher:  # postings inlined in the term table
        if matcher._all_weights is not None or matcher._weights is None:
            return None
        start = matcher._i
        return [(matcher._ids[start:], matcher._weights[start:], excluded)]
    if type(matcher) is W3LeafMatcher:
        return _leaf_blocks(matcher, excluded)
    return None


def _leaf_blocks(matcher: W3LeafMatcher, excluded):
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        start = matcher._i
        yield matcher._ids[start:], matcher._weights[start:], excluded
        matcher._next_block()
