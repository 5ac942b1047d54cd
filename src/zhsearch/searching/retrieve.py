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
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from whoosh.reading import TermNotFound
from whoosh.scoring import WeightLengthScorer


@dataclass(frozen=True)
class Matches:
    """The passages a question's terms match, as ``(docnum, score)``, best first."""

    best: list[tuple[int, float]]  # by every term: the first ``limit``
    # the first ``section_limit`` by the terms of ``section_field`` alone, each with its score by every term
    sections: list[tuple[int, float]]
    count: int  # every passage matched (within the filters)


def match(searcher, terms, limit: int, section_field: str, section_limit: int,
          allowed: set[int] | None = None, excluded: set[int] | None = None) -> Matches:
    """The OR of ``terms`` (Whoosh ``Term`` queries, boost included) by BM25F.

    ``allowed`` keeps only those docnums, ``excluded`` drops those (Whoosh's
    ``filter`` and ``mask``).  Ties go to the earlier passage, as in Whoosh.
    """
    totals: dict[int, float] = {}
    sections: dict[int, float] = {}
    weighting = searcher.weighting
    for term in terms:
        fieldname, text, boost = term.fieldname, term.text, term.boost
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            try:
                matcher = reader.postings(fieldname, text)  # without the segment's deleted passages
            except TermNotFound:  # not in this segment (or no such field)
                continue
            scorer = weighting.scorer(leaf, fieldname, text)  # IDF and average length of the whole index
            is_active, docnum_of, weight_of, advance = matcher.is_active, matcher.id, matcher.weight, matcher.next
            in_section = fieldname == section_field
            # BM25F is a WeightLengthScorer: its formula, _score(weight, length), is
            # Whoosh's documented override point; unless a subclass overrides
            # score(), the length is read as score() reads it (the segment's
            # field length, 1 when none), in one call.
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
                if in_section:
                    sections[docnum] = sections.get(docnum, 0.0) + value
                advance()
    if weighting.use_final:  # a model's final say on each passage's sum, as Whoosh's collector applies it
        totals = {d: weighting.final(searcher, d, s) for d, s in totals.items()}
        sections = {d: weighting.final(searcher, d, s) for d, s in sections.items()}
    if allowed is not None or excluded:
        keep = lambda d: (allowed is None or d in allowed) and not (excluded and d in excluded)  # noqa: E731
        totals = {d: s for d, s in totals.items() if keep(d)}
        sections = {d: s for d, s in sections.items() if keep(d)}
    by_section = [(docnum, totals[docnum]) for docnum, _ in _best(sections, section_limit)]
    return Matches(_best(totals, limit), by_section, len(totals))


def _best(scores: dict[int, float], n: int) -> list[tuple[int, float]]:
    return heapq.nsmallest(n, scores.items(), key=lambda item: (-item[1], item[0]))
