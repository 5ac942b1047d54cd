"""The index folder on disk: generations, the live pointer, metadata, the write lock.

    index/
      CURRENT         name of the live generation (replaced atomically)
      gen-<stamp>/    a Whoosh index, meta.json (versions, the size and CRC-32 of
                      every other file), files-<crc>.json (the corpus manifest),
                      segdict.marshal (compact dictionary), pinyin.table,
                      lexicon.json, vectors.zhv (with --semantic)
      .lock           held while a process writes

A full build writes a new generation beside the live one, flushes it to the
disk (fsync) and then swaps ``CURRENT``; a build that dies half-way, or a
power cut, leaves the previous index searchable.
Opening checks every file of the generation against the sizes and checksums
``meta.json`` records, so a damaged index is one error naming the fix, never a
traceback or wrong answers.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import pickle
import re
import shutil
import struct
import time
import zlib
from pathlib import Path
from typing import Iterator

from zhsearch.errors import (
    CorpusError,
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
    IndexVersionError,
    NotAnIndexError,
)

# Bump when the schema, the analysis chain or passage splitting changes in a way
# that makes an older index disagree with new queries.  9: titles and "# …"
# lines read by the page's own heading marks; modules moved into subpackages
# (the schema pickles the analyzers' class paths).  10: the title and heading
# path stored normalised, as the rerank reads them; the compact dictionary packed
# with its prefixes (text.segment).  11: a dotted number that fits the outline on
# neither side (3.0 in a table, 4.4 BSD) is body, not a section (reading.structure).
# 12: each passage stores the column it starts at (a long line's pieces: source:line:col).
# 13: stored records deflated against a preset dictionary (storage.records).
SCHEMA_VERSION = 13
CURRENT = "CURRENT"
META = "meta.json"
# The file manifest (each indexed file's fingerprint and passages) and the files
# left out, beside meta.json: a corpus of 80,000 files makes them megabytes of
# JSON that a search never reads (only updates, `files` and `stats` do).  Each
# version is a file of its own, named by its checksum (files-<crc>.json), that
# meta.json names with its size and checksum: meta.json, replaced at once, is
# still the one record of a generation, and a kill between the two writes
# leaves the old manifest named.
MANIFEST_KEYS = ("files", "skipped")
MANIFEST_PREFIX = "files-"
LOCK = ".lock"
_GENERATION = re.compile(r"gen-\d+")
# A search reads every byte of an index this small to check it (about 10 ms);
# a larger one has its file sizes checked, and its contents when the server
# opens it, `stats` runs or an update starts.
VERIFY_MAX_BYTES = 32 * 1024 * 1024


def rebuild_fix(index_dir) -> str:
    """The command that rebuilds the index at ``index_dir``, its folder named in full:
    run from anywhere, it rebuilds that index (from the corpus it remembers; one that
    no longer says which is asked for), not ``./index``."""
    import shlex

    corpus = "" if _names_its_corpus(Path(index_dir)) else " --corpus DIR"
    return f"run `zhsearch index --rebuild --index {shlex.quote(str(Path(index_dir).resolve()))}{corpus}`"


def _names_its_corpus(index_dir: Path) -> bool:
    """Whether a generation's ``meta.json`` still names the corpus folder, read as it is
    (no checks: this phrases the message of a damaged index, it must not raise one)."""
    for meta_file in index_dir.glob(f"gen-*/{META}"):
        try:
            corpus = json.loads(meta_file.read_text(encoding="utf-8")).get("corpus")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(corpus, str) and corpus:
            return True
    return False


def damaged(index_dir: Path, what: str) -> IndexCorruptError:
    """The one error for a damaged index: what is wrong, and the command that fixes it."""
    error = IndexCorruptError(f"index at {index_dir} is damaged ({what}); {rebuild_fix(index_dir)}")
    error.what = f"index at {index_dir} was damaged ({what})"
    return error


def live_generation(index_dir: Path) -> Path | None:
    """The folder of the live generation, or None when there is no index."""
    index_dir = Path(index_dir)
    pointer = index_dir / CURRENT
    if pointer.is_dir():
        raise damaged(index_dir, f"{CURRENT} is a folder")
    try:
        raw = pointer.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        # No pointer: no index yet, or a first build under way; unless a build
        # finished (its meta.json is written just before the pointer).
        if any(_GENERATION.fullmatch(p.parent.name) for p in index_dir.glob(f"gen-*/{META}")):
            raise damaged(index_dir, f"{CURRENT} is missing") from None
        return None
    except OSError as exc:
        raise damaged(index_dir, f"cannot read {CURRENT}: {exc.strerror or exc}") from exc
    name = raw.decode("utf-8", "replace").strip()
    if not _GENERATION.fullmatch(name):
        raise damaged(index_dir, f"{CURRENT} does not name a build")
    gen = index_dir / name
    if not gen.is_dir():
        raise damaged(index_dir, f"{CURRENT} names {name}, which is missing")
    if not (gen / META).is_file():
        raise damaged(index_dir, f"{name}/{META} is missing")
    return gen


def read_meta(gen: Path, manifest: bool = True) -> dict:
    """The generation's metadata, checked against its own checksum; with
    ``manifest``, its file manifest too (:func:`read_manifest`; inside meta.json
    in an index written before manifests had a file of their own)."""
    index_dir = gen.parent
    try:
        meta = json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise damaged(index_dir, f"{gen.name}/{META} is unreadable") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("files", {}), dict):
        raise damaged(index_dir, f"{gen.name}/{META} is not an index's metadata")
    check = meta.pop("check", None)
    if check is not None and check != _meta_check(meta):
        raise damaged(index_dir, f"{gen.name}/{META} does not match its checksum")
    if manifest and "files" not in meta:
        meta.update(read_manifest(gen, meta))
    return meta


def read_manifest(gen: Path, meta: dict) -> dict:
    """``{"files": …, "skipped": …}`` of the manifest ``meta`` names ({} when it
    names none: an index written before manifests, whose meta.json holds them)."""
    named = meta.get("manifest")
    if named is None:
        return {}
    try:
        name, size, crc = named
        data = (gen / name).read_bytes()
    except (OSError, TypeError, ValueError) as exc:
        raise damaged(gen.parent, f"{gen.name}/{META} names a file manifest that cannot be read") from exc
    if len(data) != size or zlib.crc32(data) != crc:
        raise damaged(gen.parent, f"{gen.name}/{name} does not match its checksum")
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise damaged(gen.parent, f"{gen.name}/{name} is unreadable") from exc
    if not isinstance(manifest, dict) or not all(isinstance(manifest.get(k, {}), dict) for k in MANIFEST_KEYS):
        raise damaged(gen.parent, f"{gen.name}/{name} is not an index's file manifest")
    return {k: manifest[k] for k in MANIFEST_KEYS if k in manifest}


def _meta_check(meta: dict) -> int:
    return zlib.crc32(json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def write_json_atomic(path: Path, data: dict) -> None:
    write_bytes_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` at once: a reader sees the old file or the new one, never
    half of one, and after a power cut too (the data reaches the disk before
    the name does, as SQLite and Lucene commit)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    sync_folder(path.parent)


# What a file system that cannot fsync a folder answers (sync_folder).
_FOLDER_SYNC_UNSUPPORTED = {errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES, errno.EPERM}


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (the names a rename or a new file just made).
    A file system that cannot fsync a folder says so (EINVAL, ENOTSUP …): there
    a rename is as durable as that system makes it; any other error (EIO) is
    raised, and the build reports it as its one-line write error."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _FOLDER_SYNC_UNSUPPORTED:
            raise
    finally:
        os.close(fd)


def _is_data_file(path: Path) -> bool:
    # Whoosh's lock file and our own temporary files are not part of the index.
    # The file manifest is checked through meta.json, which names it with its checksum.
    return (path.name != META and not path.name.endswith((".tmp", "WRITELOCK"))
            and not (path.name.startswith(MANIFEST_PREFIX) and path.name.endswith(".json")) and path.is_file())


def file_checksum(path: Path, flush: bool = False) -> int:
    """CRC-32 of ``path``; ``flush``: fsync it too, through the same open file
    (what a ``meta.json`` vouches for must be on the disk before it is: Whoosh
    writes its segments without fsync)."""
    crc = 0
    with open(path, "rb") as handle:
        if flush:
            os.fsync(handle.fileno())
        while chunk := handle.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def write_meta(gen: Path, meta: dict, seal: bool = True) -> None:
    """Write ``meta.json`` last: with ``seal``, the size and CRC-32 of every other
    file of the generation (what :func:`verify_generation` checks), and a
    checksum of the metadata itself.  The file manifest (``meta``'s "files"
    and "skipped") goes first to a file of its own that meta.json names (see
    :data:`MANIFEST_PREFIX`)."""
    meta = {k: v for k, v in meta.items() if k != "check"}
    manifest = {k: meta.pop(k) for k in MANIFEST_KEYS if k in meta}
    try:  # the manifest meta.json names now: a reader may have read that meta.json
        replaced = json.loads((gen / META).read_text(encoding="utf-8")).get("manifest")
    except (OSError, ValueError, AttributeError):
        replaced = None
    if manifest:
        data = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        crc = zlib.crc32(data)
        name = f"{MANIFEST_PREFIX}{crc:08x}.json"
        if replaced != [name, len(data), crc] or not (gen / name).is_file():  # unchanged: not written again
            write_bytes_atomic(gen / name, data)
        meta["manifest"] = [name, len(data), crc]
    if seal:
        meta["sums"] = {
            p.name: [p.stat().st_size, file_checksum(p, flush=True)] for p in sorted(gen.iterdir()) if _is_data_file(p)
        }
        sync_folder(gen)  # and their names (Whoosh renames its table of contents)
    write_json_atomic(gen / META, {**meta, "check": _meta_check(meta)})
    # Older manifests go; the one just replaced stays for a reader that read the old meta.json.
    keep = {named[0] for named in (meta.get("manifest"), replaced) if isinstance(named, list) and named}
    for old in gen.glob(f"{MANIFEST_PREFIX}*.json*"):  # and the .tmp of a write that was killed
        if old.name not in keep:
            old.unlink(missing_ok=True)


def unsealed(meta: dict) -> bool:
    """An update is writing this generation, or was killed writing it: it marks
    it so (``"sums": null``) until it records its files' new checksums.  (An
    index written before checksums has no ``"sums"`` at all.)"""
    return "sums" in meta and meta["sums"] is None


def verify_generation(gen: Path, meta: dict, max_bytes: int | None = None) -> None:
    """Raise the damaged-index error unless every file ``meta`` lists is there, a
    file, of its size and (when the index is at most ``max_bytes``, or always
    with None) of its checksum.  An index written before checksums, or one an
    update is writing (or was killed writing), records none and is not checked."""
    sums = meta.get("sums")
    if sums is None:
        return
    index_dir = gen.parent
    if not isinstance(sums, dict):
        raise damaged(index_dir, f"{gen.name}/{META} lists no file sizes")
    sizes = {}
    for name, (size, _) in sums.items():
        path = gen / name
        try:
            stat = path.stat()
        except OSError:
            raise damaged(index_dir, f"{gen.name}/{name} is missing") from None
        if not path.is_file():
            raise damaged(index_dir, f"{gen.name}/{name} is not a file")
        if stat.st_size != size:
            raise damaged(index_dir, f"{gen.name}/{name} is {stat.st_size} bytes, it was written with {size}")
        sizes[name] = size
    if max_bytes is not None and sum(sizes.values()) > max_bytes:
        return
    for name, (_, crc) in sums.items():
        try:
            found = file_checksum(gen / name)
        except OSError as exc:
            raise damaged(index_dir, f"cannot read {gen.name}/{name}: {exc.strerror or exc}") from exc
        if found != crc:
            raise damaged(index_dir, f"{gen.name}/{name} does not match its checksum")


def file_stamps(gen: Path, meta: dict) -> tuple:
    """The identity, size and mtime of ``meta.json`` and of every file it lists:
    they change whenever an update commits or anything writes into the generation."""
    stamps = []
    for name in (META, *sorted(meta.get("sums") or ())):
        try:
            stat = (gen / name).stat()
        except OSError:
            stamps.append((name, None))
            continue
        stamps.append((name, stat.st_ino, stat.st_size, stat.st_mtime_ns))
    return gen.name, tuple(stamps)


def is_stale(meta: dict) -> bool:
    """Built by another schema or with another lexicon: the index must be rebuilt."""
    try:
        check_version(meta, Path("."))
    except IndexVersionError:
        return True
    return False


def check_version(meta: dict, index_dir: Path, lexicon: bool = True) -> None:
    """Raise IndexVersionError (naming the fix) unless this zhsearch (and, with
    ``lexicon``, the active lexicon) built ``meta``'s index."""
    found = meta.get("schema_version")
    if found != SCHEMA_VERSION:
        raise IndexVersionError(
            f"index at {index_dir} was built by another zhsearch version (schema {found}, "
            f"this one reads {SCHEMA_VERSION}); rebuild needed: {rebuild_fix(index_dir)}"
        )
    from zhsearch.text.lexicon import active_lexicon

    if lexicon and meta.get("lexicon") != active_lexicon().fingerprint:
        raise IndexVersionError(
            f"index at {index_dir} was built with another lexicon (ZHSEARCH_LEXICON or the corpus's .zhsearch/); "
            f"rebuild needed: {rebuild_fix(index_dir)}"
        )


def check_index_folder(index_dir: Path) -> None:
    """Refuse to write an index into a folder that holds anything but a zhsearch
    index (hidden files such as ``.gitkeep`` aside): a build only ever creates
    and removes ``CURRENT`` and ``gen-*`` there."""
    index_dir = Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise NotAnIndexError(f"index path {index_dir} is a file, not a folder; pass --index DIR")
    if not index_dir.is_dir():
        return
    foreign = sorted(
        p.name
        for p in index_dir.iterdir()
        if not (p.name.startswith(".") or _GENERATION.fullmatch(p.name) or p.name in (CURRENT, CURRENT + ".tmp"))
    )
    if foreign:
        raise NotAnIndexError(
            f"{index_dir} is not a zhsearch index: it holds {foreign[0]!r}"
            f"{f' and {len(foreign) - 1} more' if len(foreign) > 1 else ''}; "
            "pass --index a new or empty folder"
        )


@contextlib.contextmanager
def write_lock(index_dir: Path, wait: bool = False) -> Iterator[None]:
    """Hold the index's write lock; raise IndexLockedError if another process has it."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NotAnIndexError(f"cannot create the index folder {index_dir} ({exc.strerror or exc}); "
                              "pass --index a folder you can write") from exc
    try:
        handle = open(index_dir / LOCK, "a+")
    except OSError as exc:
        raise IndexLockedError(
            f"cannot open the lock file {index_dir / LOCK} ({exc.strerror or exc}); "
            "remove it if no zhsearch process is writing the index"
        ) from exc
    with handle:
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


def writer_active(index_dir: Path) -> bool:
    """Another process holds the write lock now."""
    try:
        fd = os.open(Path(index_dir) / LOCK, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def clear_pointer(index_dir: Path) -> None:
    """Before a rebuild: a ``CURRENT`` that is a folder (damage) would block the swap."""
    pointer = Path(index_dir) / CURRENT
    if pointer.is_dir() and not pointer.is_symlink():
        shutil.rmtree(pointer, ignore_errors=True)


def remove_old_generations(index_dir: Path, keep: str) -> None:
    # Searches that opened the previous generation keep their open files (POSIX),
    # so it can go at once; leftovers of killed builds go too.  Called under the
    # write lock, so no other build is writing one.
    for child in index_dir.iterdir():
        if _GENERATION.fullmatch(child.name) and child.name != keep:
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    child.unlink()


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
    from zhsearch.text.lexicon import active_lexicon

    return active_lexicon().fingerprint


def _package_version() -> str:
    from zhsearch import __version__

    return __version__


def checked_generation(index_dir: Path, max_bytes: int | None = VERIFY_MAX_BYTES) -> tuple[Path, dict]:
    """The live generation and its metadata (without the file manifest:
    :func:`read_manifest` reads it), its files checked (see :func:`verify_generation`).

    A writer replaces files before it records their new checksums, and a
    rebuild removes the old generation after the swap: a check that fails
    while that happens is tried once more, and skipped while a writer still
    holds the lock (the index is then as good as Whoosh's own commit).
    """
    index_dir = Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise NotAnIndexError(f"index path {index_dir} is a file, not a folder; pass --index DIR")
    blocked = next((p for p in index_dir.parents if p.exists() and not p.is_dir()), None) if not index_dir.exists() else None
    if blocked is not None:
        raise NotAnIndexError(f"index path {index_dir} cannot be a folder: {blocked} is a file; pass --index DIR")
    gen = None
    for attempt in range(2):
        try:
            gen = live_generation(index_dir)
            if gen is None:
                raise IndexMissingError(
                    f"no index at {index_dir}; build it with `zhsearch index --corpus DIR --index {index_dir}`"
                )
            meta = read_meta(gen, manifest=False)  # a search reads no file manifest
            # An index that carries its lexicon is searched with it, whatever ZHSEARCH_LEXICON says.
            from zhsearch.text.lexicon import INDEX_FILE

            check_version(meta, index_dir, lexicon=not (gen / INDEX_FILE).is_file())
            verify_generation(gen, meta, max_bytes)
            return gen, meta
        except IndexCorruptError:
            if attempt == 0:
                time.sleep(0.05)
                continue
            if gen is not None and writer_active(index_dir):
                return gen, read_meta(gen, manifest=False)
            raise
    raise AssertionError("unreachable")


def _whoosh_errors() -> tuple[type[Exception], ...]:
    import zhsearch.whoosh_without_asyncio  # noqa: F401  (first: whoosh without asyncio)
    from whoosh.index import IndexError as WhooshIndexError

    return (WhooshIndexError,)


# What reading a damaged index raises, and only that: Whoosh and the term
# table on a truncated or overwritten file.  (A damaged segment makes Whoosh
# index None or an int where it expects a table: TypeError, AttributeError; a
# damaged length, OverflowError.)  Only reads are wrapped with it: a slip in
# zhsearch's own code surfaces as the bug it is.
READ_ERRORS = (
    OSError, ValueError, KeyError, EOFError, IndexError, TypeError, AttributeError, OverflowError,
    struct.error, zlib.error, pickle.UnpicklingError, *_whoosh_errors(),
)


def open_generation(index_dir: Path, max_bytes: int | None = VERIFY_MAX_BYTES):
    """Open the live Whoosh index and its metadata, with user-facing errors.

    Its files are read through memory maps (storage.mapped): a query reads the
    pages it needs, not a copy of every segment."""
    from zhsearch.storage.mapped import MappedStorage

    gen, meta = checked_generation(index_dir, max_bytes)
    try:
        ix = MappedStorage(str(gen)).open_index()
    except READ_ERRORS as exc:  # Whoosh raises many kinds on a damaged folder
        raise damaged(Path(index_dir), f"Whoosh cannot open it: {type(exc).__name__}") from exc
    return ix, meta


def recorded_meta(index_dir: Path) -> dict | None:
    """The live generation's metadata if it can be read at all (its corpus, say;
    not its file manifest, which may be what is damaged); when ``CURRENT`` is
    damaged, the newest generation's that can; else None."""
    try:
        gen = live_generation(index_dir)
        return read_meta(gen, manifest=False) if gen else None
    except IndexCorruptError:
        pass
    for gen in sorted(Path(index_dir).glob("gen-*"), key=lambda p: (len(p.name), p.name), reverse=True):
        try:
            return read_meta(gen, manifest=False)
        except IndexCorruptError:
            continue
    return None


DEFAULT_CORPUS = "corpus"


def resolve_corpus(
    corpus_dir: str | os.PathLike | None, index_dir: Path, rebuild: bool = False, meta: dict | None = None
) -> Path:
    """The corpus folder to index: the one given, else the one the index was built
    from, else ``./corpus``.  A folder other than the index's own is refused
    (it would replace every passage) unless ``rebuild``."""
    if meta is None:
        meta = recorded_meta(Path(index_dir))
    recorded = meta.get("corpus") if meta else None
    if corpus_dir is None:
        if isinstance(recorded, str) and recorded:
            return Path(recorded)
        # a built index (not what a killed first build left): ./corpus may be another folder's text
        if (Path(index_dir) / CURRENT).exists() or any(Path(index_dir).glob("gen-*/meta.json")):
            raise CorpusError(f"index at {index_dir} no longer says which folder it was built from (its "
                              f"metadata is damaged); pass --corpus DIR")
        return Path(DEFAULT_CORPUS)
    corpus_dir = Path(corpus_dir).resolve()
    if not rebuild:
        check_corpus(meta, corpus_dir, index_dir)
    return corpus_dir


def check_corpus(meta: dict | None, corpus_dir: str | os.PathLike, index_dir: Path) -> None:
    """Raise CorpusError when the index at ``index_dir`` was built from another folder."""
    recorded = meta.get("corpus") if meta else None
    if isinstance(recorded, str) and recorded and Path(recorded) != Path(corpus_dir).resolve():
        raise CorpusError(
            f"index at {index_dir} holds the corpus {recorded}, not {Path(corpus_dir).resolve()}; "
            f"leave out --corpus to use its own, or add --rebuild to index the other folder into it"
        )
