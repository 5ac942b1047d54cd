"""The hybrid stage: the query's cosine similarity to the lexical ranking's top
candidates, one more feature of the learned rerank.

The lexical ranking (``searching.rank``, its own weights) orders the pool;
the first ``top_k`` candidates get ``semantic`` — their similarity scaled
min-max among those ``top_k`` (0 the least similar, 1 the most; e5's cosines
all lie in a narrow band, so the raw value says little) — and
``semantic_weak``, the same value when the lexical evidence is weak (no
candidate of the pool covers the question's concepts), so that the learner
can weigh meaning more where the words fail — and the pool is
scored again with the hybrid weight set (``hybrid_weights.json``, fitted by
``bench/tune.py fit`` leave-one-corpus-out with the vectors of every judged
set).  An index without vectors never comes here: it ranks as it always has.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from zhsearch.searching.rank import RankingConfig, Scored, score

HYBRID_FILE = Path(__file__).with_name("hybrid_weights.json")
# The lexical evidence is weak when no candidate's coverage reaches this (1: every concept, whole passage and window)
WEAK_COVERAGE = 1.0


@dataclass(frozen=True)
class HybridConfig:
    """The hybrid weight set: every rerank weight (``semantic`` among them) and
    how many of the lexical ranking's first candidates are compared with the query."""

    weights: tuple[tuple[str, float], ...]
    top_k: int

    def ranking(self, lexical: RankingConfig) -> RankingConfig:
        """``lexical`` with the hybrid weights: what scores a pool that has the feature."""
        return dataclasses.replace(lexical, weights=self.weights)


@functools.lru_cache(maxsize=1)
def fitted_hybrid() -> HybridConfig:
    data = json.loads(HYBRID_FILE.read_text(encoding="utf-8"))
    return HybridConfig(tuple((n, float(w)) for n, w in data["weights"].items()), int(data["top_k"]))


def scaled(similarities: list[float | None]) -> list[float]:
    """Min-max over the values present (None, a text without a vector: 0).

    >>> scaled([0.8, 0.9, None, 0.85])
    [0.0, 1.0, 0.0, 0.5]
    """
    present = [s for s in similarities if s is not None]
    low, high = (min(present), max(present)) if present else (0.0, 0.0)
    if high - low < 1e-9:
        return [0.0] * len(similarities)
    return [0.0 if s is None else round((s - low) / (high - low), 6) for s in similarities]


def blend(ranked: list[Scored], similarities: list[float | None], ranking: RankingConfig) -> list[Scored]:
    """Score ``ranked`` (the lexical order, best first) again with the hybrid
    ``ranking``, the first ``len(similarities)`` candidates with their features."""
    weak = max((c.features["coverage"] for c in ranked), default=0.0) < WEAK_COVERAGE
    for candidate, raw, value in zip(ranked, similarities, scaled(similarities)):
        if raw is not None:
            candidate.features["similarity"] = round(raw, 4)  # shown by --explain, weighs nothing
        candidate.features["semantic"] = value
        candidate.features["semantic_weak"] = value if weak else 0.0
    for candidate in ranked:
        candidate.score = score(candidate.features, ranking)
    ranked.sort(key=lambda c: (-c.score, c.passage.source, c.passage.line))
    return ranked


class SemanticStage:
    """An index's vectors and its model, the model loaded at the first query."""

    def __init__(self, table, hybrid: HybridConfig | None = None):
        self.table = table
        self.hybrid = hybrid or fitted_hybrid()
        self._cache: tuple[str, object] | None = None
        self._lock = threading.Lock()  # the server's threads share one model

    def query_vector(self, query: str):
        with self._lock:
            if self._cache is None or self._cache[0] != query:
                from zhsearch.semantic.embedders import load_embedder

                self._cache = (query, load_embedder(self.table.model).query(query))
            return self._cache[1]

    def similarities(self, query: str, candidates: list[Scored]) -> list[float | None]:
        """Cosine similarity of ``query`` to each candidate's text (None: no vector)."""
        return self.table.similarities(self.query_vector(query), [c.passage.text for c in candidates])

    def rerank(self, query: str, ranked: list[Scored], lexical: RankingConfig) -> list[Scored]:
        top = ranked[: self.hybrid.top_k]
        return blend(ranked, self.similarities(query, top), self.hybrid.ranking(lexical))


def open_stage(gen: Path) -> SemanticStage:
    """The stage of generation ``gen``, whose metadata says it holds vectors:
    a missing or damaged file is the damaged-index error; no numpy, the extra's."""
    from zhsearch.errors import SemanticUnavailableError
    from zhsearch.storage.layout import damaged

    try:
        from zhsearch.semantic.vectors import VECTOR_FILE, read_vectors
        import numpy  # noqa: F401
    except ImportError:
        raise SemanticUnavailableError("this index holds passage vectors: searching it needs the semantic extra "
                                       f"({SemanticUnavailableError.install}), or pass --no-semantic") from None
    try:
        return SemanticStage(read_vectors(gen / VECTOR_FILE))
    except (OSError, ValueError, KeyError) as exc:
        raise damaged(gen.parent, f"{gen.name}/{VECTOR_FILE} is unreadable ({type(exc).__name__})") from exc
