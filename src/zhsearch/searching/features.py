"""The rerank's features: small pure functions of one candidate passage, listed once.

Each feature is ``(passage, plan, context, config) -> float``: the stored
record, the query plan, the :class:`PassageContext` all features of one
passage share (its sentences sorted into statements and echoes, its heading and
title folded, the query's term weights, and the :class:`QueryTerms` every candidate of
one query shares), and the :class:`~zhsearch.searching.rank.RankingConfig`.
:data:`FEATURES` lists them in the order ``--explain`` shows them;
:func:`zhsearch.searching.rank.score` is the one formula that combines them.

* **coverage** — the share of the question's content (IDF-weighted concepts)
  the passage holds: one that has *all* of 9000 / 上门 beats one that repeats
  上门 ten times.  Answer, not echo: a match in a sentence that itself asks the
  question (ends in ？ or 吗) counts for less than one in a statement (pages
  restate their question everywhere).  Heading context: a term of the heading
  (or title) counts, at a discount, as if found in the passage — the
  paragraphs under ``上门取证的目的`` answer ``上门取证的目的是什么``.
* **early** — how early the passage stands under its heading (1/(1+order)).
* **phrase** — the share of the query's runs found whole (``上门取证``).
* **first_answer** — for the first passage under a heading, the share of that
  heading the question restates (FAQ pages, manuals, Q&A articles).
* **opening** — the passage opens as the answer asked for does (a verdict,
  ``不会。``, for a yes/no question; the subject asked about, for 什么是 X).
* **teaser**, **verdict** — a truncated teaser (``…``); a yes/no verdict
  opening the passage (``不是。``) when the question asks no yes or no.
* **length** — log of the passage's length: a prior, not a match.
* **title** — the share of the question's content the document title names.

What each weighs is fitted, not set here (``bench/tune.py``): a feature stays
only while it raises the macro MRR of the corpora it was not fitted on.  Early
and phrase weigh 0 since the refit over seven corpus groups (docs/design.md):
they are still computed, as candidates a later refit can weigh again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zhsearch.text.analyzer import char_bigrams
from zhsearch.searching.intent import (
    asks_yes_no,
    is_question,
    opens_as_answer,
    opens_with_plain_verdict,
    uses_cues,
)
from zhsearch.text.normalize import HAN_RUN as _CJK_RUN
from zhsearch.text.normalize import is_question_line
from zhsearch.searching.query import QueryPlan
from zhsearch.storage.stored import HEADING_SEPARATOR, StoredPassage

if TYPE_CHECKING:
    from zhsearch.searching.rank import RankingConfig

# What ends a sentence (split_sentences): a term holding none of these cannot
# span two sentences, so it is in a window of sentences only if in the passage.
_SENTENCE_ENDS = "。！？!?；;\n"
_SENTENCE = re.compile(f"[^{_SENTENCE_ENDS}]*[{_SENTENCE_ENDS}]?")
# A quoted question inside a statement: 产生“网贷逾期会上门调查”的恐慌 / 疑问:“…吗?”
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,60})[”\"」』]")
# An intro that announces what the page will discuss rather than saying it.
_ANNOUNCE = re.compile(
    r"(本文|本站|本篇|文章|今天|下面|接下来|我们)[^。！？!?]{0,12}"
    r"(探讨|分析|解析|介绍|解答|讨论|聊聊|说说|讲解|阐述|梳理)"
)
_TEASER_END = re.compile(r"(?:\.\.\.|…)\s*$")
_LATIN_WORD = re.compile(r"[a-z0-9]*[a-z][a-z0-9]*")


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def heading_precision(heading: str, query: str) -> float:
    """Share of a heading's units — the character bigrams of its Han runs and
    its Latin words — that the question restates.

    ``网贷逾期会上门调查吗?`` is the question ``网贷逾期会上门调查吗`` (1.0);
    ``网贷逾期会上门调查吗:真实案例解析`` is a side topic of it (0.64);
    ``aptitude 正规表达式`` restates 3 of 5 of ``aptitude 正则表达式`` (aptitude, 表达, 达式).
    """
    grams = [g for run in _CJK_RUN.findall(heading) for g in char_bigrams(run)]
    words = _LATIN_WORD.findall(heading.lower())  # not a section number: a word has a letter
    if not grams and not words:
        return 0.0
    asked = set(_LATIN_WORD.findall(query.lower()))
    return (sum(g in query for g in grams) + sum(w in asked for w in words)) / (len(grams) + len(words))


class QueryTerms:
    """What every candidate's features read of one query, found once a query
    instead of once a candidate: each concept (in ``weights`` order) with its
    IDF weight, parts and related terms, and the credits of each heading and
    title met so far (candidates share them: the passages of one section, of
    one document, or none at all)."""

    def __init__(self, plan: QueryPlan, weights: Mapping[str, float], config: RankingConfig):
        self.plan, self.weights, self.config = plan, weights, config
        self.total = sum(weights.values()) or 1.0
        # (concept, weight, parts, related terms)
        self.terms = tuple((term, weight, plan.parts.get(term, (term,)), plan.related.get(term, ()))
                           for term, weight in weights.items())
        # No searched string holds a sentence end, so a window of statements
        # holds a term only if the passage's statements do (see _best_window).
        self.windows_within_passage = not any(
            end in text for term, _, parts, related in self.terms for text in (term, *parts, *related)
            for end in _SENTENCE_ENDS)
        self._credits: dict[str, tuple[float, ...]] = {}
        self._restated: dict[str, float] = {}
        self.runs = tuple(r for r in plan.runs if len(r) >= 2)  # what phrase looks for
        self.runs_length = sum(len(r) for r in self.runs)

    def credits(self, text: str) -> tuple[float, ...]:
        """``_credit`` of each concept in ``text`` (a heading or a title)."""
        found = self._credits.get(text)
        if found is None:
            config = self.config
            found = self._credits[text] = tuple(
                _credit(term, text, parts, related, config) for term, _, parts, related in self.terms)
        return found

    def restated(self, heading: str) -> float:
        """The share of the last heading of ``heading``'s path the question
        restates, the best of its readings (first_answer's value)."""
        found = self._restated.get(heading)
        if found is None:
            asked = self.plan.asked_text
            found = self._restated[heading] = max(
                heading_precision(reading.rsplit(HEADING_SEPARATOR, 1)[-1], asked) for reading in heading.split("\n"))
        return found


@dataclass(frozen=True)
class PassageContext:
    """What every feature of one candidate reads besides the record: computed once a candidate."""

    statements: tuple[str, ...]  # sentences that may answer
    echoes: tuple[str, ...]  # questions, announcements and quoted questions: the page restating the query
    answer_text: str  # the statements, one a line
    echo_text: str  # the echoes, one a line
    heading: str  # the heading path folded, both readings of Taiwan text on lines of their own
    title: str  # the title folded
    title_credit: float  # what a concept found only in the title is worth
    pinyin_hits: frozenset[str]  # the query's pinyin pairs that sound in the passage
    terms: QueryTerms  # the query's concepts, found once a query
    heading_credits: tuple[float, ...]  # each concept's credit in the heading (terms.credits)
    title_credits: tuple[float, ...]  # … and in the title


def passage_context(
    passage: StoredPassage, plan: QueryPlan, weights: Mapping[str, float], config: RankingConfig,
    terms: QueryTerms | None = None,
) -> PassageContext:
    """The shared reading of ``passage`` for ``plan`` (``terms``: the query's
    :class:`QueryTerms` for these ``weights``, made once for all candidates)."""
    if terms is None:
        terms = QueryTerms(plan, weights, config)
    elif terms.plan is not plan or terms.weights is not weights or terms.config is not config:
        raise ValueError("terms were made for another query, other weights or another config")
    statements, echoes = _split_echoes(passage.norm, plan, config)
    heading = passage.heading_norm
    # A section whose heading names the kind of answer asked for (应对策略 for
    # 怎么办) answers the document's question: its title counts as the passage.
    answers_section = uses_cues(heading, plan.intents)
    title_credit = config.answer_section_title_match if answers_section else config.title_match
    pinyin_hits = frozenset(_pinyin_matches(passage.norm, plan)) if plan.pinyin_bigrams else frozenset()
    return PassageContext(tuple(statements), tuple(echoes), "\n".join(statements), "\n".join(echoes),
                          heading, passage.title_norm, title_credit, pinyin_hits,
                          terms, terms.credits(heading), terms.credits(passage.title_norm))


# --- the features ------------------------------------------------------------


def coverage(passage: StoredPassage, plan: QueryPlan, context: PassageContext, config: RankingConfig) -> float:
    """Coverage over the whole passage, and over its best window of two
    sentences: an answer says its point in one place, an intro scatters the
    question's words over a paragraph."""
    found: list[float] = []
    whole, _ = _coverage(plan, context.answer_text, context.echo_text, context, config, found)
    size, statements = config.window_sentences, context.statements
    if len(statements) <= size and not context.echoes:
        best = whole  # the one window is the passage itself
    else:
        windows = ["".join(statements[i : i + size]) for i in range(max(1, len(statements) - size + 1))]
        best = _best_window(plan, windows, context, config, found)
    return (1 - config.window_weight) * whole + config.window_weight * best


def early(passage: StoredPassage, plan: QueryPlan, context: PassageContext, config: RankingConfig) -> float:
    """1 for the first passage under its heading, 1/2 for the second …: a
    section says its point first."""
    return 1.0 / (1 + passage.order)


def phrase(passage: StoredPassage, plan: QueryPlan, context: PassageContext, config: RankingConfig) -> float:
    """The share of the query's runs (by length) found whole, in the passage or
    its heading path (what it is about, as coverage reads it)."""
    runs = context.terms.runs  # those of two characters or more
    if not runs:
        return 0.0
    found = sum(len(r) for r in runs if r in context.answer_text or r in context.heading)
    return found / context.terms.runs_length


def first_answer(passage: StoredPassage, plan: QueryPlan, context: PassageContext, config: RankingConfig) -> float:
    """For the first paragraph under a heading, the share of the heading the
    question restates (FAQ pages, Q&A articles: what follows elaborates); 0
    for any other.  The heading may ask it in the question's words or in
    their related terms: the lexicon's groups and the other wordings of
    query.with_regional_readings (``dpkg 指令`` restates ``dpkg 命令``)."""
    if passage.order != 0:
        return 0.0
    # the last heading of the path, in each reading of the folded heading (once a heading a query)
    return context.terms.restated(context.heading)


def opening(passage: StoredPassage, plan: QueryPlan, context: PassageContext, config: RankingConfig) -> float:
    """1 when the passage opens as the asked-for answer does (a verdict, for
    yes/no; the subject asked about, for 什么是 X / X 是什么)."""
    return 1.0 if opens_as_answer(passage.norm, plan.intents, plan.normalized) else 0.0


def teaser(passage: StoredPassage, plan: QueryPlan, context: PassageContext, config: RankingConfig) -> float:
    """1 for a truncated teaser (ends in …): it promises the answer elsewhere."""
    return 1.0 if _TEASER_END.search(passage.text) else 0.0


def verdict(passage: StoredPassage, plan: QueryPlan, context: PassageContext, config: RankingConfig) -> float:
    """1 for a passage opening with a verdict (``不是。`` ``可以，``) when the
    question asks something other than yes or no: another question's answer.
    A query of keywords asks nothing."""
    if not is_question(plan.normalized) or asks_yes_no(plan.normalized) or not opens_with_plain_verdict(passage.norm):
        return 0.0
    return 1.0


def length(passage: StoredPassage, plan: QueryPlan, context: PassageContext, config: RankingConfig) -> float:
    """log10(1 + characters) / 3, about 1 for a thousand characters: a prior on
    length (learning-to-rank's document length), since a line of a few words
    seldom answers a question however well it matches."""
    return math.log10(1 + len(passage.norm)) / 3


def title(passage: StoredPassage, plan: QueryPlan, context: PassageContext, config: RankingConfig) -> float:
    """The share of the question's content (IDF-weighted) that the document's
    title names: evidence of the whole document beside the passage's own (a
    passage of the article about the question's subject)."""
    return _share(plan, context.title, context, config)


Feature = Callable[[StoredPassage, QueryPlan, PassageContext, "RankingConfig"], float]

# Every feature the rerank computes, in the order --explain lists them.
FEATURES: tuple[tuple[str, Feature], ...] = tuple(
    (f.__name__, f) for f in (coverage, early, phrase, first_answer, opening, teaser, verdict, length, title)
)


def feature_values(passage: StoredPassage, plan: QueryPlan, context: PassageContext, config: RankingConfig) -> dict[str, float]:
    """Every feature's value for one passage, by name, in :data:`FEATURES` order."""
    return {name: feature(passage, plan, context, config) for name, feature in FEATURES}


def matched_terms(plan: QueryPlan, context: PassageContext, config: RankingConfig) -> dict[str, str]:
    """Where each query concept counted for coverage: passage, question sentence, heading or title."""
    return _coverage(plan, context.answer_text, context.echo_text, context, config)[1]


# --- coverage's parts --------------------------------------------------------


def _echoes_question(quoted: str, plan: QueryPlan, config: RankingConfig) -> bool:
    """A quotation that asks, or restates most of the query: the page's own question."""
    if is_question_line(quoted):
        return True
    words = [w for w in plan.words if len(w) >= 2]
    return len(words) >= 2 and sum(w in quoted for w in words) >= config.echo_share * len(words)


# A cross-reference: 第 7.13 节 “如何安装源码包？”, 节 1.2, “类 Unix 文件系统”, 参见第 3 章“…”.
_CROSS_REFERENCE = re.compile(r"(?:第\s*\d+(?:\.\d+)*\s*[节章]|[节章]\s*\d+(?:\.\d+)*\s*[,，]?)\s*“")


def without_cross_references(norm: str) -> str:
    """``norm`` without the titles its cross-references quote: a pointer to
    another section (阅读第 14.3 节 “…”) names that section's subject, not this
    passage's, and is no evidence that this passage answers it.

    >>> without_cross_references("准备好文件（第 7.13 节 “如何安装源码包？”）后执行")
    '准备好文件（第 7.13 节 ）后执行'
    """
    if "“" not in norm:  # every cross-reference quotes
        return norm
    kept, at = [], 0
    for m in _CROSS_REFERENCE.finditer(norm):
        if m.start() < at:
            continue
        depth, end = 1, m.end()
        while end < len(norm) and depth:  # to the matching ”: quotes inside the title nest
            depth += {"“": 1, "”": -1}.get(norm[end], 0)
            end += 1
        if depth:
            break  # unclosed: the rest stays as it is
        kept.append(norm[at : m.end() - 1])
        at = end
    return "".join(kept) + norm[at:] if kept else norm


def _split_echoes(norm: str, plan: QueryPlan, config: RankingConfig) -> tuple[list[str], list[str]]:
    """Statements (that may answer) and echoes (questions, announcements, quoted
    questions); the titles that cross-references quote are neither."""
    norm = without_cross_references(norm)
    sentences = split_sentences(norm)
    # Most passages hold no question, announcement or quotation: then every
    # sentence is a statement (each test needs a mark _ECHO_MARKS finds, or _ANNOUNCE).
    if _ECHO_MARKS.search(norm) is None and _ANNOUNCE.search(norm) is None:
        return sentences, []
    statements, echoes = [], []
    for sentence in sentences:
        # ends as a question does (？, 吗, 呢): the test that reads a question line as a heading
        if is_question_line(sentence) or _ANNOUNCE.search(sentence):
            echoes.append(sentence)
            continue
        quoted = [m.group(0) for m in _QUOTED.finditer(sentence) if _echoes_question(m.group(1), plan, config)]
        for q in quoted:
            echoes.append(q)
            sentence = sentence.replace(q, " ")
        statements.append(sentence)
    return statements, echoes


# What is_question_line and _QUOTED need to find anything (a question's end, an
# opening quote): a passage without any of these has no question sentence and no quotation.
_ECHO_MARKS = re.compile("[?？吗呢么嗎“\"「『]")


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


def _coverage(plan: QueryPlan, body: str, echoes: str, where: PassageContext, config: RankingConfig,
              found: list[float] | None = None) -> tuple[float, dict]:
    """IDF-weighted share of the query's concepts found in ``body`` (the
    statements), ``echoes`` (question sentences) or ``where``'s heading and title,
    and where each was found; ``found``, when given, gets each concept's credit
    in ``body`` alone (what _best_window reads)."""
    got, matched = 0.0, {}
    for (term, weight, parts, alternatives), heading_credit, title_credit in zip(
            where.terms.terms, where.heading_credits, where.title_credits):
        sounded = term in where.pinyin_hits  # a pinyin pair heard in the passage: found there
        credit, place = 1.0 if sounded else _credit(term, body, parts, alternatives, config), "passage"
        if found is not None:
            found.append(credit)
        if not sounded:
            # the best of the other places; on a tie the first (the passage itself) is named
            if config.question_match > credit and echoes and (
                    share := config.question_match * _credit(term, echoes, parts, alternatives, config)) > credit:
                credit, place = share, "question sentence"
            if config.heading_match > credit and where.heading and (share := config.heading_match * heading_credit) > credit:
                credit, place = share, "heading"
            if where.title_credit > credit and where.title and (share := where.title_credit * title_credit) > credit:
                credit, place = share, "title"
        if credit:
            got += weight * credit
            matched[term] = place
    return got / where.terms.total, matched


def _share(plan: QueryPlan, text: str, where: PassageContext, config: RankingConfig) -> float:
    """IDF-weighted share of the query's concepts found in ``text`` alone."""
    if not text:
        return 0.0
    got = 0.0
    for (term, weight, _, _), credit in zip(where.terms.terms, where.terms.credits(text)):
        if term in plan.pinyin_bigrams:  # a pinyin pair: one of the bigrams it sounds like
            got += weight * any(b in text for b in plan.pinyin_bigrams[term])
        else:
            got += weight * credit
    return got / where.terms.total


def _best_window(plan: QueryPlan, windows: list[str], where: PassageContext, config: RankingConfig,
                 found: list[float] | None = None) -> float:
    """``max(_coverage(plan, w, "", where, config)[0] for w in windows)``, with
    each term's heading and title credit found once, not once a window (the
    rerank's hot path).  ``found``: each concept's credit in the passage's
    statements (_coverage's); a concept with none there is in no window of them
    either, unless a searched string spans a sentence end, and is not looked for."""
    skip = found is not None and where.terms.windows_within_passage
    heading_match, title_credit, pinyin_hits = config.heading_match, where.title_credit, where.pinyin_hits
    terms, searching = [], False
    for number, (term, weight, parts, alternatives) in enumerate(where.terms.terms):
        if term in pinyin_hits:
            terms.append((term, weight, parts, alternatives, 1.0, False))
            continue
        fixed = max(heading_match * where.heading_credits[number], title_credit * where.title_credits[number])
        # a window's credit is the fixed one when the term is sure (1.0) or in no window
        searched = fixed != 1.0 and not (skip and found[number] == 0.0)
        searching = searching or searched
        terms.append((term, weight, parts, alternatives, fixed, searched))
    if not searching:
        windows = windows[:1]  # every window scores the same
    total = where.terms.total
    best = 0.0
    for window in windows:
        got = 0.0
        for term, weight, parts, alternatives, fixed, searched in terms:
            if searched:
                # (_credit's first test, inline: the hot path)
                credit = max(1.0 if window and term in window else _credit(term, window, parts, alternatives, config), fixed)
            else:
                credit = fixed
            if credit:
                got += weight * credit
        best = max(best, got / total)
    return best


def _pinyin_matches(norm: str, plan: QueryPlan) -> set[str]:
    """The query's pinyin pairs that sound in ``norm`` (one of their bigrams is there)."""
    return {pair for pair, bigrams in plan.pinyin_bigrams.items() if any(b in norm for b in bigrams)}
