"""Ranking: retrieve with BM25F over three views of the text, then rerank.

Stage 1 (Whoosh, BM25F): an OR of the query's words, bigrams and the bigrams
its pinyin pairs sound like, over the passage and its context, so that any passage sharing a content term is
a candidate, and rare terms weigh more than common ones.

Stage 2 (here): the candidates are rescored with what BM25 cannot see — the
features of :mod:`zhsearch.searching.features` (coverage of the question's content
with its heading context, place in the section, phrase, first answer, opening,
teaser, off-question verdict, length, the title's share of the question) and BM25F, combined by :func:`score`, the one
formula, with weights learned across corpora (``ranking_weights.json``).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

from zhsearch.searching.features import PassageContext, QueryTerms, feature_values, passage_context
from zhsearch.searching.query import QueryPlan
from zhsearch.storage.stored import StoredPassage


WEIGHTS_FILE = Path(__file__).with_name("ranking_weights.json")
# What the learner may weigh: every feature but coverage (its log leads the
# score with weight 1), and BM25F scaled to the best candidate's.
LEARNED = ("bm25f", "early", "phrase", "first_answer", "opening", "teaser", "verdict", "length", "title")


@functools.lru_cache(maxsize=1)
def fitted_weights() -> tuple[tuple[str, float], ...]:
    """The shipped weights (``ranking_weights.json``), as RankingConfig holds them."""
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    return tuple((name, float(value)) for name, value in data["weights"].items())


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
    candidates: int = 50  # the rerank pool, whatever the limit (LOCO: 50 .755, 70 .754; 40 lowers one set)
    section_candidates: int = 20  # passages best matched by their heading, added to the pool
    # A context (title/heading) term in more passages than this is not searched;
    # the rerank still credits it (search.query_terms).
    context_max_df: int = 100

    # Stage 2: the rerank
    related_credit: float = 0.7  # a related term of the lexicon found instead of the word
    part_credit: float = 0.8  # a long word whose parts are found, but not the word itself
    question_match: float = 0.35  # a term matched only inside a question sentence
    heading_match: float = 1.0  # a term matched only in the heading path
    title_match: float = 0.75  # a term matched only in the document title
    # ... in a section whose heading names the answer asked for (应对策略 for 怎么办):
    # that section answers the title's question, so the title counts as the passage.
    answer_section_title_match: float = 1.0
    single_char_weight: float = 0.5  # a lone character (率, 高) also turns up inside unrelated words (效率, 较高)
    echo_share: float = 0.75  # a quotation restating this share of the query's words is the page's own question
    window_sentences: int = 2
    window_weight: float = 0.5  # coverage of the best window, beside the whole passage's
    # The rerank's weights: log score = log coverage + Σ weight × feature.
    # Fitted, not set by hand: ``python bench/tune.py fit`` (ranking_weights.json
    # holds them with the sets, the leave-one-corpus-out figures and the date).
    weights: tuple[tuple[str, float], ...] = field(default_factory=lambda: fitted_weights())

    @functools.cached_property
    def weight(self) -> dict[str, float]:
        """The rerank's weights by feature name (a feature not listed weighs 0)."""
        return dict(self.weights)

    def __repr__(self) -> str:
        """Only what differs from the defaults: ``RankingConfig(heading_match=0.8)``;
        the defaults themselves are ``DEFAULT_RANKING`` (as ``help(open_index)`` shows them)."""
        changed = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                   if getattr(self, f.name) != (f.default if f.default is not MISSING else f.default_factory())]
        return f"RankingConfig({', '.join(changed)})" if changed else "DEFAULT_RANKING"

    def boost(self, field: str) -> float:
        """Stage-1 boost of an index field."""
        return {"words": self.words_boost, "bigrams": self.bigrams_boost, "context_bigrams": self.context_boost}[field]


DEFAULT_RANKING = RankingConfig()
FIELDS = ("words", "bigrams", "context_bigrams")  # the analysed fields stage 1 searches


@dataclass
class Scored:
    """One candidate passage with its stage-1 score and its features (zhsearch.searching.features)."""

    docnum: int
    passage: StoredPassage
    base: float  # its BM25F score
    features: dict[str, float] = field(default_factory=dict)  # name -> value, in FEATURES order, then "bm25f"
    context: PassageContext | None = None  # what the features read besides the record (for --explain)
    score: float = 0.0


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


def rescore(candidate: Scored, plan: QueryPlan, weights: dict[str, float], config: RankingConfig = DEFAULT_RANKING,
            terms: QueryTerms | None = None) -> Scored:
    """Compute every feature of ``candidate`` (``weights``: :func:`term_weights`;
    ``terms``: ``QueryTerms(plan, weights, config)``, made once for all of a query's candidates)."""
    candidate.context = passage_context(candidate.passage, plan, weights, config, terms)
    candidate.features = feature_values(candidate.passage, plan, candidate.context, config)
    return candidate


def score(features: dict[str, float], config: RankingConfig = DEFAULT_RANKING) -> float:
    """The one formula that combines a passage's features into its score
    (:func:`final_scores` adds ``bm25f``, the one feature read off the pool):
    ``exp(log coverage + Σ weight × feature)``, the feature ``bm25f`` being
    BM25F scaled to the best candidate's.  Coverage leads: BM25's term-frequency pull is what puts a
    paragraph that repeats the question's words everywhere first — useful to
    break ties, harmful as the main signal.  The weights are learned
    (:data:`LEARNED`, ``bench/tune.py``).
    """
    weight = config.weight
    total = math.log(features["coverage"])
    for name, value in features.items():
        if value and name != "coverage":
            total += weight.get(name, 0.0) * value
    return math.exp(total)


def feature_contributions(features: dict[str, float], config: RankingConfig = DEFAULT_RANKING) -> dict[str, float]:
    """What each feature adds to the log score (``--explain``): coverage its
    log, every other feature weight × value; they sum to log score."""
    weight = config.weight
    return {name: round(math.log(value) if name == "coverage" else weight.get(name, 0.0) * value, 4)
            for name, value in features.items() if value and (name == "coverage" or weight.get(name))}


def score_formula(config: RankingConfig) -> str:
    """:func:`score`'s formula with its weights, as ``--explain`` shows it."""
    terms = " ".join(f"{'+' if w >= 0 else '−'} {abs(w):g}·{name}" for name, w in config.weights if w)
    return f"exp(log coverage {terms})"


def final_scores(
    candidates: list[Scored], config: RankingConfig = DEFAULT_RANKING, top: float | None = None
) -> list[Scored]:
    """Score the rescored candidates (:func:`score`) and sort them, best first;
    ``top`` is the best BM25F to scale by (default: the best of these)."""
    # A candidate that holds none of the question's concepts (it came in on a
    # stray bigram such as 个人 of 个人信用) is no answer at all.
    candidates = [c for c in candidates if c.features["coverage"] > 0]
    top = top or max((c.base for c in candidates), default=0.0) or 1.0
    for c in candidates:
        c.features["bm25f"] = c.base / top
        c.score = score(c.features, config)
    candidates.sort(key=lambda c: (-c.score, c.passage.source, c.passage.line))
    return candidates
