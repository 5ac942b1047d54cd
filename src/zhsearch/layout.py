"""The index folder on disk: generations, the live pointer, metadata, the write lock.

    index/
      CURRENT         name of the live generation (replaced atomically)
      gen-<stamp>/    a Whoosh index, meta.json (versions, corpus manifest),
                      segdict.marshal (compact dictionary), pinyin.marshal
      .lock           held while a process writes

A full build writes a new generation beside the live one and then swaps
``CURRENT``; a build that dies half-way leaves the previous index searchable.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from pathlib import Path
from typing import Iterator

from zhsearch.errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
    IndexVersionError,
)

# Bump when the schema, the analysis chain or passage splitting changes in a way
# that makes an older index disagree with new queries.
SCHEMA_VERSION = 8
CURRENT = "CURRENT"
META = "meta.json"


def live_generation(index_dir: Path) -> Path | None:
    """The folder of the live generation, or None when there is no index."""
    pointer = Path(index_dir) / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise IndexCorruptError(f"cannot read {pointer}: {exc}; run `zhsearch index --rebuild`") from exc
    gen = Path(index_dir) / name
    if not name.startswith("gen-") or not (gen / META).is_file():
        raise IndexCorruptError(f"index at {index_dir} is damaged ({CURRENT} names a missing build); "
                                "run `zhsearch index --rebuild`")
    return gen


def read_meta(gen: Path) -> dict:
    try:
        return json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"index metadata {gen / META} is unreadable; run `zhsearch index --rebuild`") from exc


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def is_stale(meta: dict) -> bool:
    """Built by another schema or with another lexicon: the index must be rebuilt."""
    try:
        check_version(meta, Path("."))
    except IndexVersionError:
        return True
    return False


def check_version(meta: dict, index_dir: Path) -> None:
    """Raise IndexVersionError (naming the fix) unless this zhsearch and lexicon built ``meta``'s index."""
    found = meta.get("schema_version")
    if found != SCHEMA_VERSION:
        raise IndexVersionError(
            f"index at {index_dir} was built by another zhsearch version (schema {found}, "
            f"this one reads {SCHEMA_VERSION}); rebuild needed: run `zhsearch index --rebuild`"
        )
    from zhsearch.lexicon import active_lexicon

    if meta.get("lexicon") != active_lexicon().fingerprint:
        raise IndexVersionError(
            f"index at {index_dir} was built with another lexicon (ZHSEARCH_LEXICON); "
            "rebuild needed: run `zhsearch index --rebuild`"
        )


@contextlib.contextmanager
def write_lock(index_dir: Path, wait: bool = False) -> Iterator[None]:
    """Hold the index's write lock; raise IndexLockedError if another process has it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise IndexLockedError(
                f"another zhsearch process is writing the index at {index_dir}; wait for it to finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_old_generations(index_dir: Path, keep: str) -> None:
    # Searches that opened the previous generation keep their open files (POSIX),
    # so it can go at once; leftovers of killed builds go too.
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("gen-") and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def make_meta(corpus_dir: Path, manifest: dict, passages: int) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "lexicon": _lexicon_fingerprint(),
        "zhsearch_version": _package_version(),
        "corpus": str(corpus_dir),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "passages": passages,
        "files": manifest,
    }


def _lexicon_fingerprint() -> str:
    from zhsearch.lexicon import active_lexicon

    return active_lexicon().fingerprint


def _package_version() -> str:
    from zhsearch import __version__

    return __version__


def open_generation(index_dir: Path):
    """Open the live Whoosh index and its metadata, with user-facing errors."""
    from whoosh import index as whoosh_index

    index_dir = Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexMissingError(f"index path {index_dir} is a file, not a folder; pass --index DIR")
    gen = live_generation(index_dir)
    if gen is None:
        raise IndexMissingError(f"no index at {index_dir}; build it with `zhsearch index --corpus DIR --index {index_dir}`")
    meta = read_meta(gen)
    check_version(meta, index_dir)
    try:
        ix = whoosh_index.open_dir(str(gen))
    except Exception as exc:  # Whoosh raises many kinds on a damaged folder
        raise IndexCorruptError(f"index at {index_dir} cannot be opened ({type(exc).__name__}); "
                                "run `zhsearch index --rebuild`") from exc
    return ix, meta
