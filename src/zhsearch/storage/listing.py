"""Which files an index holds, and which it left out and why (``zhsearch files``).

Read from the index's metadata: each indexed file with its passage count, each
file skipped at the last build or update with the reason, and the
``.zhsearchignore`` rules it was built with (the files they leave out are listed
as ignored, as the corpus folder holds them now).

>>> [f.path for f in open_index("index").files()][:1]          # doctest: +SKIP
['000_d4e8140b2a1617dc.txt']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

IGNORED = "ignored: it matches a rule of .zhsearchignore"


@dataclass(frozen=True)
class IndexedFile:
    """A corpus file the index holds, and how many passages it gave."""

    path: str
    passages: int
    left_out: tuple[tuple[str, int], ...] = ()  # page furniture the reader left out: (why, characters)

    def to_dict(self) -> dict:
        return {"path": self.path, "passages": self.passages, "left_out": dict(self.left_out)}


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file the index does not hold, and why."""

    path: str
    reason: str

    def to_dict(self) -> dict:
        return {"path": self.path, "reason": self.reason}


def indexed_files(meta: dict) -> tuple[IndexedFile, ...]:
    """Every file of the index, in path order."""
    files = meta.get("files", {})
    return tuple(IndexedFile(path, int(entry.get("passages", 0)), tuple(sorted(entry.get("left_out", {}).items())))
                 for path, entry in sorted(files.items()))


def left_out_total(meta: dict) -> dict[str, int]:
    """Characters the readers left out as page furniture, by why, over the index (``stats``)."""
    total: dict[str, int] = {}
    for entry in meta.get("files", {}).values():
        for why, chars in entry.get("left_out", {}).items():
            total[why] = total.get(why, 0) + chars
    return dict(sorted(total.items()))


def skipped_files(meta: dict) -> tuple[SkippedFile, ...]:
    """Every file the last build or update skipped (unreadable, or a PDF/Word file
    without the documents extra), and every file its ignore rules leave out."""
    from zhsearch.reading.passages import ignored_files

    out = {path: reason for path, reason in meta.get("skipped", {}).items()}
    corpus = meta.get("corpus")
    if corpus and meta.get("ignore"):
        for path in ignored_files(Path(corpus), list(meta["ignore"])):
            out.setdefault(path, IGNORED)
    return tuple(SkippedFile(path, reason) for path, reason in sorted(out.items()))


def ignore_rules_changed(meta: dict) -> bool:
    """The corpus's ``.zhsearchignore`` is not what the index was built with."""
    from zhsearch.errors import CorpusError
    from zhsearch.reading.passages import ignore_rules

    corpus = meta.get("corpus")
    if not corpus or not Path(corpus).is_dir():
        return False
    try:
        return ignore_rules(Path(corpus)) != list(meta.get("ignore", []))
    except CorpusError:
        return True
