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
from zhsearch.analysis import is_dictionary_word
from zhsearch.query import QueryPlan, _run_bigrams

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
PART_CREDIT = 0.8  # a long word whose parts are found, but not the word itself
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


def word_parts(word: str) -> list[str]:
    """What of a query word can be found: the word's bigrams, or for a long
    word its dictionary sub-words (出示证件 → 出示, 证件), so that a passage saying
    出示身份证明 gets partial credit for 出示证件."""
    grams = _run_bigrams(word)
    if len(word) <= 2 or not grams or len(grams) == 1:
        return grams or [word]
    known = [g for g in grams if is_dictionary_word(g)]
    return known or grams


def term_weights(plan: QueryPlan, doc_frequency, doc_count: int) -> dict[str, float]:
    """IDF of each query content word (and pinyin pair), the units of coverage.

    A word's document frequency is taken from the bigram field (its rarest
    part), so it does not depend on how jieba cut the documents: 隐私 counts
    as present in 个人隐私 even where jieba made that one word.  Terms the
    index has never seen are left out: they cannot tell candidates apart.
    """

    def idf(df: int) -> float:
        return math.log(1 + (doc_count - df + 0.5) / (df + 0.5))

    weights = {}
    for word in plan.words:
        if len(word) == 1 and not word.isascii():
            dfs = [doc_frequency("words", word)]
        else:
            dfs = [doc_frequency("bigrams", part) for part in word_parts(word)]
        dfs = [df for df in dfs if df]
        if dfs:
            weights[word] = sum(idf(df) for df in dfs) / len(dfs)
    for pair in plan.pinyin:
        df = doc_frequency("pinyin", pair)
        if df:
            weights[pair] = idf(df)
    return weights


def _credit(word: str, text: str) -> float:
    """1 when ``word`` is in ``text``; else a share of its parts, at most PART_CREDIT."""
    if word in text:
        return 1.0
    parts = word_parts(word)
    if len(parts) < 2:
        return 0.0
    return PART_CREDIT * sum(part in text for part in parts) / len(parts)


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
        if term in pinyin_hits:
            credit, where = 1.0, "passage"
        else:
            credit, where = max(
                (_credit(term, answer_text), "passage"),
                (QUESTION_MATCH * _credit(term, question_text), "question sentence"),
                (HEADING_MATCH * _credit(term, heading), "heading"),
            )
        if credit:
            got += weight * credit
            candidate.matched[term] = where if credit in (1.0, QUESTION_MATCH, HEADING_MATCH) else f"{where} (partly)"
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
