"""zhsearch — full-text search for Chinese text that answers questions.

>>> import zhsearch                                             # doctest: +SKIP
>>> zhsearch.build_index("corpus", "index")                     # doctest: +SKIP
>>> idx = zhsearch.open_index("index")                          # doctest: +SKIP
>>> hit = idx.search("九千会上门吗", limit=5)[0]                 # doctest: +SKIP
>>> hit.source, hit.line                                        # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from zhsearch.errors import (
    BadQueryError,
    ClusterError,
    CorpusError,
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
    MissingExtraError,
    IndexVersionError,
    IndexWriteError,
    NotAnIndexError,
    SemanticUnavailableError,
    UnreadableFileError,
    ZhsearchError,
)

# Each public name, and the module it comes from: imported when first used, so
# `zhsearch search` does not pay for the index builder, nor `zhsearch index`
# for the ranker (STYLE 7: heavy things load lazily and once).
_LAZY = {
    "Token": "zhsearch.text.analyzer",
    "analyze": "zhsearch.text.analyzer",
    "normalize_text": "zhsearch.text.normalize",
    "Passage": "zhsearch.reading.passages",
    "split_passages": "zhsearch.reading.passages",
    "BuildReport": "zhsearch.storage.build",
    "build_index": "zhsearch.storage.build",
    "watch_index": "zhsearch.storage.watch",
    "Hit": "zhsearch.searching.search",
    "Index": "zhsearch.searching.search",
    "SearchResults": "zhsearch.searching.search",
    "open_index": "zhsearch.searching.search",
    "RankingConfig": "zhsearch.searching.rank",
    "DEFAULT_RANKING": "zhsearch.searching.rank",
    "ParsedQuery": "zhsearch.searching.syntax",
    "parse_query": "zhsearch.searching.syntax",
    "EvalReport": "zhsearch.searching.evaluation",
    "evaluate": "zhsearch.searching.evaluation",
    # a Sphinx/Manticore cluster (docs/scale.md; the cluster extra)
    "open_cluster": "zhsearch.cluster.search",
    "load_cluster": "zhsearch.cluster.load",
}

if TYPE_CHECKING:
    from zhsearch.cluster.load import load_cluster
    from zhsearch.cluster.search import open_cluster
    from zhsearch.reading.passages import Passage, split_passages
    from zhsearch.searching.evaluation import EvalReport, evaluate
    from zhsearch.searching.rank import DEFAULT_RANKING, RankingConfig
    from zhsearch.searching.search import Hit, Index, SearchResults, open_index
    from zhsearch.searching.syntax import ParsedQuery, parse_query
    from zhsearch.storage.build import BuildReport, build_index
    from zhsearch.storage.watch import watch_index
    from zhsearch.text.analyzer import Token, analyze
    from zhsearch.text.normalize import normalize_text


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'zhsearch' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once
    return value


def __dir__() -> list[str]:
    """The public names (``__all__``) and the module's own dunders: not what
    importing left behind (``TYPE_CHECKING``, ``annotations``, submodules)."""
    return sorted(set(__all__) | {name for name in globals() if name.startswith("__") and name.endswith("__")})


__all__ = [
    "__version__",
    "analyze",
    "build_index",
    "evaluate",
    "load_cluster",
    "normalize_text",
    "open_cluster",
    "open_index",
    "parse_query",
    "split_passages",
    "watch_index",
    "BuildReport",
    "DEFAULT_RANKING",
    "EvalReport",
    "Hit",
    "Index",
    "ParsedQuery",
    "RankingConfig",
    "Passage",
    "SearchResults",
    "Token",
    "BadQueryError",
    "ClusterError",
    "CorpusError",
    "IndexCorruptError",
    "IndexLockedError",
    "MissingExtraError",
    "IndexMissingError",
    "IndexVersionError",
    "IndexWriteError",
    "NotAnIndexError",
    "SemanticUnavailableError",
    "UnreadableFileError",
    "ZhsearchError",
]
