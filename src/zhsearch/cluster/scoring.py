"""Stage 1's scores over a cluster: the local index's BM25F, with the whole cluster's statistics.

Each shard ranks its own passages with its own IDF (its passage count, its
document frequencies) and a formula that only approximates BM25F (the
engine's expression sees a field's mean keyword frequency, not each
keyword's).  So the shards' order only *chooses* the candidates: each comes
back with the engine's per-keyword factors (``PACKEDFACTORS()``: the
keyword's ``tf`` in the passage) and its field lengths (``words_len`` …),
and is scored here exactly as Whoosh's BM25F scores it in the local index —
``idf × tf (K1 + 1) / (tf + K1 (1 − B + B × length / average))`` times the
term's boost, summed over the query's terms — with the passage count, the
fields' average lengths and every keyword's document frequency over all the
shards (Whoosh's IDF: ``log(N / (n + 1)) + 1``; its one-byte field length
code, ``length_to_byte``).

The factors name a keyword by its place in the ``MATCH`` (``word0`` is the
first keyword written); a keyword written twice is reported once, at its
first place.  So the OR of the query's terms is written first, each keyword
once (two terms of one keyword — a bigram that is also a related term —
become one keyword with their boosts summed, as Whoosh sums their scores).
A keyword that an operator's part repeats (a phrase's bigram that is also in
the OR) is counted twice in its ``tf``: a query with operators reads the
chosen passages' factors again, of the OR alone (``ClusterIndex._stage_one``).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import zhsearch.whoosh_without_asyncio  # noqa: F401  (first: whoosh without asyncio)
from whoosh.util.numeric import byte_to_length, length_to_byte

from zhsearch.cluster.rows import TABLE_FIELDS, keyword
from zhsearch.searching.rank import RankingConfig

# The engine's factors of one keyword in one passage: ``word3=(tf=2, idf=0.0123)``.
_KEYWORD_FACTORS = re.compile(r"word(\d+)=\(tf=([1-9]\d*)")  # a tf of 0 adds nothing
LENGTH_COLUMNS = tuple(f"{column}_len" for column in dict.fromkeys(TABLE_FIELDS.values()) if column != "pinyin")


@dataclass(frozen=True)
class WeightedKeyword:
    """One keyword of the query's OR: its local field, the engine keyword, the summed boost of its terms."""

    field: str
    text: str
    keyword: str
    boost: float

    def matched(self, config: RankingConfig) -> str:
        """The keyword in ``MATCH``, its boost beside its field's as the engine's ``^``
        (which multiplies the keyword's IDF in the shards' choice of candidates)."""
        relative = self.boost / config.boost(self.field)
        return self.keyword if abs(relative - 1) < 1e-9 else f"{self.keyword}^{relative:.4g}"


@dataclass(frozen=True)
class ClusterStatistics:
    """What BM25F reads from the whole collection: the passage count and each ranked
    field's total length in tokens (by table column: ``words`` …)."""

    passages: int
    field_lengths: dict[str, int]

    def average_length(self, column: str) -> float:
        """As Whoosh's ``avg_field_length``: the field's total length over the passage count (1 if none)."""
        return (self.field_lengths.get(column, 0) / (self.passages or 1)) or 1


def weighted_keywords(terms) -> list[WeightedKeyword]:
    """The query's terms (``retrieve.QueryTerm``, boost included) as keywords, each once,
    in the order first written.

    >>> from zhsearch.searching.retrieve import QueryTerm
    >>> [(k.keyword, k.boost) for k in weighted_keywords([QueryTerm("bigrams", "上门", 1.0),
    ...                                                   QueryTerm("bigrams", "上门", 0.25)])]
    [('bxe4b88ae997a8', 1.25)]
    """
    merged: dict[str, WeightedKeyword] = {}
    for term in terms:
        word = keyword(term.fieldname, term.text)
        known = merged.get(word)
        boost = term.boost + (known.boost if known else 0.0)
        merged[word] = WeightedKeyword(term.fieldname, term.text, word, boost)
    return list(merged.values())


def keyword_frequencies(factors: str) -> dict[int, int]:
    """The ``tf`` of each keyword one passage holds, by its place in the ``MATCH``, from
    ``PACKEDFACTORS()`` (which lists the others with ``tf=0``).

    >>> keyword_frequencies("bm25=517, field1=(lcs=2, hit_count=11), word0=(tf=6, idf=0.1), word2=(tf=0, idf=0.0)")
    {0: 6}
    """
    return {int(place): int(tf) for place, tf in _KEYWORD_FACTORS.findall(factors or "")}


def whoosh_idf(passages: int, frequency: int) -> float:
    """Whoosh's inverse document frequency (``WeightingModel.idf``); an empty cluster
    (nothing to score) counts as one passage.

    >>> round(whoosh_idf(100, 9), 4)
    3.3026
    """
    return math.log(max(passages, 1) / (frequency + 1)) + 1


@functools.lru_cache(maxsize=4096)
def _stored_length(length: int) -> int:
    """A field length as Whoosh keeps it: a one-byte code (``length_to_byte``), read back."""
    return byte_to_length(length_to_byte(length))


@dataclass(frozen=True)
class KeywordScorer:
    """One query's BM25F, as the local index computes it, over the whole cluster's statistics.

    ``score`` takes what the engine says of a passage — each keyword's tf by its
    place in the ``MATCH``, its field lengths by column — and sums
    ``whoosh.scoring.bm25`` over the query's keywords, each times its boost.
    Places past ``keywords`` (a phrase's or an exclusion's words) add nothing.
    """

    keywords: tuple[WeightedKeyword, ...]
    idfs: tuple[float, ...]  # each keyword's, over the whole cluster
    averages: dict[str, float]  # each column's average length
    k1: float
    b: float

    @classmethod
    def over(cls, keywords, frequencies: dict[str, int], statistics: ClusterStatistics,
             config: RankingConfig) -> "KeywordScorer":
        """The scorer of ``keywords``, given each one's document frequency (by engine keyword)."""
        return cls(tuple(keywords), tuple(whoosh_idf(statistics.passages, frequencies.get(k.keyword, 0)) for k in keywords),
                   {c: statistics.average_length(c) for c in dict.fromkeys(TABLE_FIELDS[k.field] for k in keywords)},
                   config.bm25_k1, config.bm25_b)

    def score(self, frequencies: dict[int, int], lengths: dict[str, int]) -> float:
        total = 0.0
        for place, tf in frequencies.items():
            if place < len(self.keywords) and tf:
                total += self.term_score(place, tf, lengths, self.keywords[place].boost)
        return total

    def term_score(self, place: int, tf: int, lengths: dict[str, int], boost: float) -> float:
        """The share of the keyword at ``place``, at ``boost`` (``whoosh.scoring.bm25`` times it)."""
        k1, b = self.k1, self.b
        column = TABLE_FIELDS[self.keywords[place].field]
        norm = k1 * ((1 - b) + b * _stored_length(lengths.get(column, 0)) / self.averages[column])
        return self.idfs[place] * ((tf * (k1 + 1)) / (tf + norm)) * boost
