"""Ranking: retrieve with BM25F over three views of the text, then rerank.

Stage 1 (Whoosh, BM25F): an OR of the query's words, bigrams and the bigrams
its pinyin pairs sound like, over the passage and its context, so that any passage sharing a content term is
a candidate, and rare terms weigh more than common ones.

Stage 2 (here): the candidates are rescored with what BM25 cannot see:

* **coverage** — the share of the question's content (IDF-weighted bigrams) the
  passage holds.  A passage that has *all* of 9000 / 上门 beats one that repeats
  上门 ten times.
* **answer, not echo** — a match inside a sentence that itself asks the
  question (ends in ？ or 吗) counts for less than one in a statement; pages
  restate their question everywhere, the answer is a statement.
* **heading context** — a term found in the section heading (or the document
  title) counts, at a discount, as if found in the passage: the paragraphs under ``上门取证的目的``
  answer ``上门取证的目的是什么``.
* **phrase** — query runs found whole (``上门取证``) rank above scattered bigrams.
* **shape** — truncated teasers (``…``), introductions that announce the
  question (本文将探讨…, a section headed 引言), very short passages and
  readers' comments are damped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from zhsearch.normalize import both_readings, fold_text
from zhsearch.normalize import HAN_RUN as _CJK_RUN
from zhsearch.analysis import char_bigrams
from zhsearch.intent import cue_share, shows_evidence
from zhsearch.query import QueryPlan
from zhsearch.stored import HEADING_SEPARATOR, StoredPassage

@dataclass(frozen=True)
class RankingConfig:
    """Every weight and threshold of the ranking, in one object a caller can
    pass (``open_index(path, ranking=RankingConfig(heading_match=0.8))``), print
    and sweep (``bench/tune.py``) — as Lucene's ``Similarity`` or bm25s's
    ``BM25(k1=, b=)``.  The defaults are measured on every shared judged set at
    once (README, "Relevance").
    """

    # Stage 1: BM25F retrieval
    bm25_b: float = 0.75
    bm25_k1: float = 1.2
    # Field boosts.  Words rank above bigram-only matches (a word match means
    # jieba agreed on the boundary); headings help but do not dominate.
    words_boost: float = 1.0
    bigrams_boost: float = 0.5
    context_boost: float = 0.2
    pinyin_boost: float = 0.3  # a bigram that only sounds like the pinyin typed
    related_boost: float = 0.3  # a related term of the lexicon, relative to the word's own
    candidates: int = 100  # the rerank pool, whatever the limit
    section_candidates: int = 20  # passages best matched by their heading, added to the pool
    # A context (title/heading) term in more passages than this is not searched;
    # the rerank still credits it (search._query_terms).
    context_max_df: int = 100

    # Stage 2: the rerank
    related_credit: float = 0.7  # a related term of the lexicon found instead of the word
    part_credit: float = 0.8  # a long word whose parts are found, but not the word itself
    question_match: float = 0.35  # a term matched only inside a question sentence
    heading_match: float = 0.9  # a term matched only in the heading path
    title_match: float = 0.5  # a term matched only in the document title
    # ... in a section whose heading names the answer asked for (应对策略 for 怎么办):
    # that section answers the title's question, so the title counts as the passage.
    answer_section_title_match: float = 1.0
    single_char_weight: float = 0.5  # a lone character (率, 高) also turns up inside unrelated words (效率, 较高)
    echo_share: float = 0.75  # a quotation restating this share of the query's words is the page's own question
    coverage_power: float = 1.0
    window_sentences: int = 2
    window_weight: float = 0.5  # coverage of the best window, beside the whole passage's
    base_weight: float = 0.5  # BM25F scaled to the best candidate's adds at most this
    phrase_bonus: float = 0.5
    first_answer_bonus: float = 1.0  # the first passage under a heading that restates the question
    first_answer_min: float = 0.6  # share of the heading the question must restate
    cue_bonus: float = 0.45  # a passage using the vocabulary of the answer asked for
    cues_enough: int = 3  # cue words saturate
    evidence_bonus: float = 0.3  # ... and citing what it rests on (a statute, for legality)
    teaser_factor: float = 0.5
    short_chars: int = 16
    short_factor: float = 0.6
    intro_factor: float = 0.6  # an introduction that announces the question
    comment_factor: float = 0.7  # readers' comments rank below the article they follow

    def boost(self, field: str) -> float:
        """Stage-1 boost of an index field."""
        return {"words": self.words_boost, "bigrams": self.bigrams_boost, "context_bigrams": self.context_boost}[field]


DEFAULT_RANKING = RankingConfig()
FIELDS = ("words", "bigrams", "context_bigrams")  # the analysed fields stage 1 searches

_SENTENCE = re.compile(r"[^。！？!?；;\n]*[。！？!?；;\n]?")
_QUESTION_END = re.compile(r"(?:[?？]|[吗呢么][?？。！!]?)\s*$")
# A quoted question inside a statement: 产生“网贷逾期会上门调查”的恐慌 / 疑问:“…吗?”
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,60})[”\"」』]")
# An intro that announces what the page will discuss rather than saying it.
_ANNOUNCE = re.compile(
    r"(本文|本站|本篇|文章|今天|下面|接下来|我们)[^。！？!?]{0,12}"
    r"(探讨|分析|解析|介绍|解答|讨论|聊聊|说说|讲解|阐述|梳理)"
)
# Headings of an introduction: it sets out the question, the answer comes later.
_INTRO_HEADING = re.compile(r"(引语|引言|导语|导读|前言|序言|摘要|概述|开篇)\s*[:：]?$")
_TEASER_END = re.compile(r"(?:\.\.\.|…)\s*$")


@dataclass
class Scored:
    """One candidate passage with its stage-1 score and stage-2 factors."""

    docnum: int
    passage: StoredPassage
    base: float
    coverage: float = 0.0
    phrase: float = 1.0
    cue: float = 1.0
    shape: float = 1.0
    score: float = 0.0
    matched: dict[str, str] = field(default_factory=dict)  # term -> where it matched


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def is_question(sentence: str) -> bool:
    return bool(_QUESTION_END.search(sentence.strip()))


def heading_precision(heading: str, query: str) -> float:
    """Share of a heading's character bigrams that the question restates.

    ``网贷逾期会上门调查吗?`` is the question ``网贷逾期会上门调查吗`` (1.0);
    ``网贷逾期会上门调查吗:真实案例解析`` is a side topic of it (0.64).
    """
    grams = [g for run in _CJK_RUN.findall(heading) for g in char_bigrams(run)]
    if not grams:
        return 0.0
    return sum(g in query for g in grams) / len(grams)


def _echoes_question(quoted: str, plan: QueryPlan, config: RankingConfig) -> bool:
    """A quotation that asks, or restates most of the query: the page's own question."""
    if is_question(quoted):
        return True
    words = [w for w in plan.words if len(w) >= 2]
    return len(words) >= 2 and sum(w in quoted for w in words) >= config.echo_share * len(words)


def term_weights(plan: QueryPlan, doc_frequency, doc_count: int, config: RankingConfig = DEFAULT_RANKING) -> dict[str, float]:
    """IDF of each query content word (and pinyin pair), the units of coverage.

    A word's document frequency is taken from the bigram field (its rarest
    part), so it does not depend on how jieba cut the documents: 隐私 counts
    as present in 个人隐私 even where jieba made that one word.  Terms the
    index has never seen are left out: they cannot tell candidates apart.
    """

    def idf(df: int) -> float:
        return math.log(1 + (doc_count - df + 0.5) / (df + 0.5))

    weights = {}
    for word in plan.concepts:
        if len(word) == 1 and not word.isascii():
            dfs = [doc_frequency("words", word) or doc_frequency("context_bigrams", word)]
        else:
            # a word found only in titles and headings still counts
            dfs = [doc_frequency("bigrams", p) or doc_frequency("context_bigrams", p) for p in plan.parts.get(word, (word,))]
        dfs = [df for df in dfs if df]
        if not dfs:  # only related terms of the lexicon can be found
            dfs = [df for t in plan.related.get(word, ()) if (df := doc_frequency("bigrams", t if len(t) == 2 else t[:2]))]
        if dfs:
            weights[word] = sum(idf(df) for df in dfs) / len(dfs)
            if len(word) == 1 and not word.isascii():
                weights[word] *= config.single_char_weight
    for pair, bigrams in plan.pinyin_bigrams.items():
        df = min(doc_count, sum(doc_frequency("bigrams", b) for b in bigrams))
        if df:
            weights[pair] = idf(df)
    return weights


def _credit(word: str, text: str, parts: tuple[str, ...], related: tuple[str, ...], config: RankingConfig) -> float:
    """1 when ``word`` is in ``text``; else a share of its parts (at most config.part_credit),
    or config.related_credit when a related term of the lexicon is there."""
    if not text:
        return 0.0
    if word in text:
        return 1.0
    credit = 0.0
    if len(word) > 2:
        # share of the word's bigrams, counting only its dictionary parts as found
        credit = config.part_credit * sum(part in text for part in parts) / (len(word) - 1)
    if related and any(term in text for term in related):
        credit = max(credit, config.related_credit)
    return credit


def _split_echoes(norm: str, plan: QueryPlan, config: RankingConfig) -> tuple[list[str], list[str]]:
    """Statements (that may answer) and echoes (questions, announcements, quoted questions)."""
    statements, echoes = [], []
    for sentence in split_sentences(norm):
        if is_question(sentence) or _ANNOUNCE.search(sentence):
            echoes.append(sentence)
            continue
        quoted = [m.group(0) for m in _QUOTED.finditer(sentence) if _echoes_question(m.group(1), plan, config)]
        for q in quoted:
            echoes.append(q)
            sentence = sentence.replace(q, " ")
        statements.append(sentence)
    return statements, echoes


@dataclass(frozen=True)
class _Context:
    """What a candidate's concepts may also be found in besides its text, and what each is worth."""

    heading: str
    title: str
    title_credit: float
    pinyin_hits: frozenset


def _coverage(
    weights, plan: QueryPlan, body: str, echoes: str, where: _Context, config: RankingConfig
) -> tuple[float, dict]:
    """IDF-weighted share of the query's concepts found in ``body`` (the
    statements), ``echoes`` (question sentences) or ``where``, and where each was found."""
    heading, title = where.heading, where.title
    total = sum(weights.values()) or 1.0
    got, matched = 0.0, {}
    for term, weight in weights.items():
        if term in where.pinyin_hits:
            credit, place = 1.0, "passage"
        else:
            parts, alternatives = plan.parts.get(term, (term,)), plan.related.get(term, ())
            credit, place = max(  # on a tie, the first (the passage itself) is named
                (_credit(term, body, parts, alternatives, config), "passage"),
                (config.question_match * _credit(term, echoes, parts, alternatives, config), "question sentence"),
                (config.heading_match * _credit(term, heading, parts, alternatives, config), "heading"),
                (where.title_credit * _credit(term, title, parts, alternatives, config), "title"),
                key=lambda found: found[0],
            )
        if credit:
            got += weight * credit
            matched[term] = place
    return got / total, matched


def rescore(candidate: Scored, plan: QueryPlan, weights: dict[str, float], config: RankingConfig = DEFAULT_RANKING) -> Scored:
    """Fill in coverage, phrase, cue and shape factors and the final score."""
    passage = candidate.passage
    text, norm = passage.text, passage.norm
    heading = both_readings(passage.heading)
    title = fold_text(passage.title)
    statements, echoes = _split_echoes(norm, plan, config)
    answer_text, echo_text = "\n".join(statements), "\n".join(echoes)
    pinyin_hits = _pinyin_matches(norm, plan)

    # Coverage over the whole passage, and over its best window of two
    # sentences: an answer says its point in one place, an intro scatters the
    # question's words over a paragraph.
    # A section whose heading names the kind of answer asked for (应对策略 for
    # 怎么办) answers the document's question: its title counts as the passage.
    answers_section = cue_share("", heading, plan.intents, config.cues_enough) > 0
    title_credit = config.answer_section_title_match if answers_section else config.title_match
    where = _Context(heading, title, title_credit, frozenset(pinyin_hits))
    whole, candidate.matched = _coverage(weights, plan, answer_text, echo_text, where, config)
    size = config.window_sentences
    if len(statements) <= size and not echoes:
        best = whole  # the one window is the passage itself
    else:
        windows = ["".join(statements[i : i + size]) for i in range(max(1, len(statements) - size + 1))]
        best = max(_coverage(weights, plan, w, "", where, config)[0] for w in windows)
    candidate.coverage = (1 - config.window_weight) * whole + config.window_weight * best

    runs = [r for r in plan.runs if len(r) >= 2]
    if runs:
        found = sum(len(r) for r in runs if r in answer_text)
        candidate.phrase = 1.0 + config.phrase_bonus * found / sum(len(r) for r in runs)
    candidate.cue = 1.0 + config.cue_bonus * cue_share(answer_text, heading, plan.intents, config.cues_enough)
    if shows_evidence(answer_text, plan.intents):
        candidate.cue += config.evidence_bonus
    # The first paragraph under a heading that asks the question is its answer
    # (FAQ pages, Q&A articles): what follows elaborates.
    if passage.order == 0:
        asked = max(heading_precision(reading.rsplit(HEADING_SEPARATOR, 1)[-1], plan.normalized)
                    for reading in heading.split("\n"))
        if asked >= config.first_answer_min:
            candidate.phrase *= 1 + config.first_answer_bonus * asked
    shape = 1.0
    if _TEASER_END.search(text):
        shape *= config.teaser_factor
    if len(norm) < config.short_chars:
        shape *= config.short_factor
    if any(_ANNOUNCE.search(e) for e in echoes) or _INTRO_HEADING.search(heading):
        shape *= config.intro_factor
    if passage.kind == "comment":
        shape *= config.comment_factor
    candidate.shape = shape
    return candidate


def final_scores(
    candidates: list[Scored], config: RankingConfig = DEFAULT_RANKING, top: float | None = None
) -> list[Scored]:
    """Combine the factors and sort, best first.

    Coverage leads; BM25F, scaled to the best candidate's, can at most add
    config.base_weight to the factor it multiplies.  BM25's term-frequency pull is what puts a paragraph
    that repeats the question's words everywhere first — useful to break ties,
    harmful as the main signal.
    """
    # A candidate that holds none of the question's concepts (it came in on a
    # stray bigram such as 个人 of 个人信用) is no answer at all.
    candidates = [c for c in candidates if c.coverage > 0]
    top = top or max((c.base for c in candidates), default=0.0) or 1.0
    for c in candidates:
        c.score = c.coverage**config.coverage_power * (1 + config.base_weight * c.base / top) * c.phrase * c.cue * c.shape
    candidates.sort(key=lambda c: (-c.score, c.passage.source, c.passage.line))
    return candidates


def score_formula(config: RankingConfig) -> str:
    """:func:`final_scores`'s formula with its weights, as ``--explain`` shows it."""
    return (f"coverage^{config.coverage_power:g} × (1 + {config.base_weight:g} · bm25f / best bm25f)"
            " × phrase × cue × shape")


def _pinyin_matches(norm: str, plan: QueryPlan) -> set[str]:
    """The query's pinyin pairs that sound in ``norm`` (one of their bigrams is there)."""
    return {pair for pair, bigrams in plan.pinyin_bigrams.items() if any(b in norm for b in bigrams)}
