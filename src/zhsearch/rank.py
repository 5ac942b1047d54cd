"""Ranking: retrieve with BM25F over three views of the text, then rerank.

Stage 1 (Whoosh, BM25F): an OR of the query's words, bigrams and pinyin pairs
over the passage and its heading, so that any passage sharing a content term is
a candidate, and rare terms weigh more than common ones.

Stage 2 (here): the candidates are rescored with what BM25 cannot see:

* **coverage** — the share of the question's content (IDF-weighted bigrams) the
  passage holds.  A passage that has *all* of 9000 / 上门 beats one that repeats
  上门 ten times.
* **answer, not echo** — a match inside a sentence that itself asks the
  question (ends in ？ or 吗) counts for less than one in a statement; pages
  restate their question everywhere, the answer is a statement.
* **heading context** — a term found in the section heading counts, at a
  discount, as if found in the passage: the paragraphs under ``上门取证的目的``
  answer ``上门取证的目的是什么``.
* **phrase** — query runs found whole (``上门取证``) rank above scattered bigrams.
* **shape** — truncated teasers (``…``) and very short passages are damped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from zhsearch.normalize import normalize_text
from zhsearch.query import QueryPlan

# Field boosts for stage 1.  Words rank above bigram-only matches (a word match
# means jieba agreed on the boundary); headings help but do not dominate.
FIELD_BOOSTS = {
    "words": 1.0,
    "bigrams": 0.5,
    "heading_words": 0.4,
    "heading_bigrams": 0.2,
    "pinyin": 0.3,
}
CANDIDATES = 200

# Stage 2 weights (decided on the dev judgments; README "Relevance").
QUESTION_MATCH = 0.35  # a term matched only inside a question sentence
HEADING_MATCH = 0.6  # a term matched only in the heading path
COVERAGE_POWER = 2.0
PHRASE_BONUS = 0.5
TEASER_FACTOR = 0.5
SHORT_CHARS = 16
SHORT_FACTOR = 0.6

_SENTENCE = re.compile(r"[^。！？!?；;\n]*[。！？!?；;\n]?")
_QUESTION_END = re.compile(r"(?:[?？]|[吗呢么][?？。！!]?)\s*$")
_TEASER_END = re.compile(r"(?:\.\.\.|…)\s*$")


@dataclass
class Scored:
    """One candidate passage with its stage-1 score and stage-2 factors."""

    docnum: int
    fields: dict
    base: float
    coverage: float = 0.0
    phrase: float = 1.0
    shape: float = 1.0
    score: float = 0.0
    matched: dict[str, str] = field(default_factory=dict)  # term -> where it matched


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def is_question(sentence: str) -> bool:
    return bool(_QUESTION_END.search(sentence.strip()))


def term_weights(plan: QueryPlan, doc_frequency, doc_count: int) -> dict[str, float]:
    """IDF of each query bigram and pinyin pair.

    Terms the index has never seen are left out: they cannot tell candidates
    apart (a pinyin query's Latin words, a typo), and leaving them in would only
    scale every score alike.
    """
    weights = {}
    for field_name, terms in (("bigrams", plan.bigrams), ("pinyin", plan.pinyin)):
        for term in terms:
            df = doc_frequency(field_name, term)
            if df:
                weights[term] = math.log(1 + (doc_count - df + 0.5) / (df + 0.5))
    return weights


def rescore(candidate: Scored, plan: QueryPlan, weights: dict[str, float]) -> Scored:
    """Fill in coverage, phrase and shape factors and the final score."""
    text = candidate.fields.get("text", "")
    norm = normalize_text(text).text
    heading = normalize_text(candidate.fields.get("heading", "")).text
    statements, questions = [], []
    for sentence in split_sentences(norm):
        (questions if is_question(sentence) else statements).append(sentence)
    answer_text = "\n".join(statements)
    question_text = "\n".join(questions)
    pinyin_hits = _pinyin_matches(norm, plan)

    total = sum(weights.values()) or 1.0
    got = 0.0
    for term, weight in weights.items():
        if term in answer_text or term in pinyin_hits:
            credit, where = 1.0, "passage"
        elif term in question_text:
            credit, where = QUESTION_MATCH, "question sentence"
        elif term in heading:
            credit, where = HEADING_MATCH, "heading"
        else:
            continue
        got += weight * credit
        candidate.matched[term] = where
    candidate.coverage = got / total

    runs = [r for r in plan.runs if len(r) >= 2]
    if runs:
        whole = sum(len(r) for r in runs if r in answer_text)
        candidate.phrase = 1.0 + PHRASE_BONUS * whole / sum(len(r) for r in runs)
    shape = 1.0
    if _TEASER_END.search(text):
        shape *= TEASER_FACTOR
    if len(norm) < SHORT_CHARS:
        shape *= SHORT_FACTOR
    candidate.shape = shape
    candidate.score = candidate.base * candidate.coverage**COVERAGE_POWER * candidate.phrase * shape
    return candidate


def _pinyin_matches(norm: str, plan: QueryPlan) -> set[str]:
    if not plan.pinyin:
        return set()
    from zhsearch.analysis import pinyin_tokens

    wanted = set(plan.pinyin)
    return {t.text for t in pinyin_tokens(normalize_text(norm)) if t.text in wanted}
