"""zhsearch — full-text search for Chinese text that answers questions.

>>> import zhsearch                                             # doctest: +SKIP
>>> zhsearch.build_index("corpus", "index")                     # doctest: +SKIP
>>> idx = zhsearch.open_index("index")                          # doctest: +SKIP
>>> hit = idx.search("九千会上门吗", limit=5)[0]                 # doctest: +SKIP
>>> hit.source, hit.line                                        # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from zhsearch.text.analyzer import Token, analyze
from zhsearch.errors import (
    BadQueryError,
    CorpusError,
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
    MissingExtraError,
    IndexVersionError,
    IndexWriteError,
    NotAnIndexError,
    UnreadableFileError,
    ZhsearchError,
)
from zhsearch.searching.evaluation import EvalReport, evaluate
from zhsearch.reading.passages import Passage, split_passages
from zhsearch.text.normalize import normalize_text
from zhsearch.searching.search import Hit, Index, SearchResults, open_index
from zhsearch.storage.build import BuildReport, build_index
from zhsearch.searching.syntax import ParsedQuery, parse_query


def __getattr__(name: str):
    # zhsearch.watch_index is imported when first used: a search does not pay for it
    if name == "watch_index":
        from zhsearch.storage.watch import watch_index

        return watch_index
    raise AttributeError(f"module 'zhsearch' has no attribute {name!r}")

__all__ = [
    "__version__",
    "analyze",
    "build_index",
    "evaluate",
    "normalize_text",
    "open_index",
    "parse_query",
    "split_passages",
    "watch_index",
    "BuildReport",
    "EvalReport",
    "Hit",
    "Index",
    "ParsedQuery",
    "Passage",
    "SearchResults",
    "Token",
    "BadQueryError",
    "CorpusError",
    "IndexCorruptError",
    "IndexLockedError",
    "MissingExtraError",
    "IndexMissingError",
    "IndexVersionError",
    "IndexWriteError",
    "NotAnIndexError",
    "UnreadableFileError",
    "ZhsearchError",
]
