"""One exception tree for everything zhsearch can report to a user.

``ZhsearchError`` is the base; each subclass names a mistake a user can fix, and
its message says how.  The CLI prints the message on one line and exits with 2.

    ZhsearchError
    ├── CorpusError            the corpus folder is missing or not a folder
    ├── UnreadableFileError    one file cannot be read or decoded (it is skipped)
    │   └── MissingExtraError  a PDF or Word file, and the documents extra is not installed
    ├── WatchUnavailableError  --watch, and the watch extra (watchfiles) is not installed
    ├── IndexMissingError      no index where one was expected
    ├── NotAnIndexError        the index folder holds files zhsearch did not write
    ├── IndexVersionError      the index was built by another zhsearch version
    ├── IndexLockedError       another process is writing the index
    ├── IndexWriteError        the index's disk refused a write (full, read-only)
    ├── IndexCorruptError      the index cannot be opened
    ├── BadQueryError          the query or an argument cannot be used
    ├── SemanticUnavailableError  --semantic, and its model cannot run here (extra, CPU, model folder)
    └── ClusterError           a cluster (zhsearch.cluster) cannot be used
        ├── ClusterConfigError       CLUSTER.toml is missing or wrong
        ├── ClusterUnavailableError  its distributed table (or a shard being written) does not answer
        └── ClusterTableMissingError a table CLUSTER.toml names does not exist there
"""

from __future__ import annotations


class ZhsearchError(Exception):
    """Base class of every error zhsearch raises on purpose."""

    exit_code = 2


class CorpusError(ZhsearchError):
    """The corpus folder is missing, is a file, or cannot be read."""


class UnreadableFileError(ZhsearchError):
    """One corpus file cannot be read or decoded; indexing skips it."""


class MissingExtraError(UnreadableFileError):
    """A PDF or Word file's reader is in the ``documents`` extra, which is not installed."""

    install = "pip install 'zhsearch[documents]'"


class WatchUnavailableError(ZhsearchError):
    """``--watch`` needs watchfiles, in the ``watch`` extra, which is not installed."""


class IndexMissingError(ZhsearchError):
    """There is no index at the given path."""


class NotAnIndexError(ZhsearchError):
    """The index folder holds other files: zhsearch will not write (or delete) there."""


class IndexVersionError(ZhsearchError):
    """The index was written by a different schema or analyzer version."""


class IndexLockedError(ZhsearchError):
    """Another process holds the index's write lock."""


class IndexWriteError(ZhsearchError):
    """Writing the index failed (no space, no permission): a full build leaves the
    live index unchanged; an update leaves it searchable, built again by the next one."""


class IndexCorruptError(ZhsearchError):
    """The index exists but cannot be opened."""


class BadQueryError(ZhsearchError):
    """The query or a search argument cannot be used."""


class SemanticUnavailableError(ZhsearchError):
    """The embedding model of ``--semantic`` cannot be loaded or run here."""

    install = "pip install 'zhsearch[semantic]'"


class ClusterError(ZhsearchError):
    """A cluster (``zhsearch.cluster``) cannot be used."""


class ClusterConfigError(ClusterError):
    """CLUSTER.toml is missing, unreadable or names something wrongly."""


class ClusterUnavailableError(ClusterError):
    """The cluster's distributed table, or a shard being written, does not answer."""


class ClusterTableMissingError(ClusterError):
    """A table CLUSTER.toml names does not exist on its ``searchd``."""
