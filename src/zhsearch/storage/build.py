"""Building the index: schema, atomic full builds, incremental updates.

A full build writes a new generation beside the live one and swaps it in
(:mod:`zhsearch.storage.layout`); an update of a few changed files is written into the
live generation through Whoosh's own atomic commit.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import hashlib
import itertools
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import zhsearch.whoosh_without_asyncio  # noqa: F401  (first: whoosh without asyncio)
from whoosh.reading import SegmentReader

from zhsearch.text.normalize import HAN_RUN as _HAN_RUN
from zhsearch.text.analyzer import STOP_WORDS, char_bigrams
from zhsearch.storage.bulk import AnalysedDocs, BulkSegmentWriter, analyse_documents
from zhsearch.storage.terms import CompactCodec
from zhsearch.errors import IndexCorruptError, IndexWriteError, MissingExtraError, UnreadableFileError
from zhsearch.reading.formats import DOCUMENT_SUFFIXES, SUPPORTED_SUFFIXES
from zhsearch.reading.passages import CorpusFile, folded_key, ignore_rules, read_corpus_file, scan_corpus
from zhsearch.storage.layout import (
    CURRENT,
    READ_ERRORS,
    recorded_meta,
    resolve_corpus,
    check_index_folder,
    clear_pointer,
    damaged,
    is_stale,
    live_generation,
    make_meta,
    read_meta,
    remove_old_generations,
    unsealed,
    verify_generation,
    sync_folder,
    write_bytes_atomic,
    write_lock,
    write_meta,
)
from zhsearch.text.lexicon import active_lexicon, save_index_lexicon, use_corpus_lexicon
from zhsearch.text.normalize import both_readings, character_readings, fold_text
from zhsearch.text.pinyin import build_pinyin_map, extend_pinyin_map, load_pinyin_map, save_pinyin_map
from zhsearch.text.segment import Segmenter, full_segmenter



def make_schema():
    """The Whoosh schema: stored passage fields, three analysed views of the text,
    and two of its context (document title and heading path)."""
    from whoosh.fields import ID, STORED, TEXT, Schema

    from zhsearch.text.analyzer import ChainTokenizer

    words, bigrams = ChainTokenizer("words", normalized=True), ChainTokenizer("bigrams", normalized=True)
    return Schema(
        file=ID(stored=True),  # the corpus file: what an update deletes by
        source=STORED(),
        line=STORED(),
        title=STORED(),
        heading=STORED(),
        title_norm=STORED(),  # the title and heading normalised, as the rerank compares them
        heading_norm=STORED(),
        text=STORED(),
        norm=STORED(),  # the text normalised: what a query's rerank reads, computed once here
        key=STORED(),  # content key: equal texts collapse into one hit
        kind=STORED(),
        order=STORED(),
        page=STORED(),  # a PDF passage's page, else 0
        column=STORED(),  # where in its line the passage starts (a long line gives many)
        # No positions on disk: nothing runs phrase queries (adjacency is scored
        # on the stored text of candidates).
        words=TEXT(analyzer=words, phrase=False),
        bigrams=TEXT(analyzer=bigrams, phrase=False),
        # The title and heading path: bigrams only, so that the context is met
        # whatever jieba makes of a short heading.
        context_bigrams=TEXT(analyzer=bigrams, phrase=False),
    )


@dataclass
class BuildReport:
    """What one ``build_index`` call did."""

    mode: str  # "full", "update" or "unchanged"
    files_total: int = 0
    files_indexed: int = 0
    files_removed: int = 0
    passages_added: int = 0
    passages_total: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # one message per skipped file
    warnings: list[str] = field(default_factory=list)  # parts of files skipped (bad JSONL lines)
    needs_extra: list[str] = field(default_factory=list)  # PDF/Word files skipped: no documents extra
    skipped_files: dict[str, str] = field(default_factory=dict)  # file -> why it is not indexed

    def summary(self) -> str:
        passages = counted(self.passages_total, "passage")
        parts = {
            "full": f"indexed {counted(self.files_indexed, 'file')}, {passages}",
            "update": f"updated {counted(self.files_indexed, 'changed file')}, removed {self.files_removed}; "
            f"{passages} in all",
            "unchanged": f"index up to date ({counted(self.files_total, 'file')}, {passages})",
        }
        text = parts[self.mode] + f" in {self.seconds:.2f} s"
        if self.skipped:
            text += f"; skipped {counted(len(self.skipped), 'unreadable file')}"
        if self.needs_extra:
            text += f"; skipped {counted(len(self.needs_extra), 'PDF/Word file')} ({MissingExtraError.install} reads them)"
        return text


def counted(n: int, noun: str) -> str:
    """``1 changed file``, ``2 changed files``.

    >>> counted(1, "changed file"), counted(0, "passage")
    ('1 changed file', '0 passages')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _fingerprint(path: Path) -> dict:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _hash(data: str) -> str:
    return hashlib.blake2b(data.encode("utf-8"), digest_size=16).hexdigest()


def _passage_documents(passages, seen: set[str] | None) -> Iterator[dict]:
    """Whoosh documents of ``passages``; their Han characters and bigrams are added
    to ``seen`` (unless None: a full build reads them off its terms, _han_terms)."""
    for p in passages:
        norm = fold_text(p.text)
        key = folded_key(norm)  # equal texts in either script, or with 九千 / 9000, are one hit
        # Taiwan / Hong Kong text: the words the phrase conversion rewrote are
        # also held as the characters read them (文件 beside 文档), on a line of their own.
        readings = character_readings(p.text)
        if readings:
            norm = f"{norm}\n{readings}"
        title_norm = fold_text(p.title)
        context = f"{title_norm}\n{fold_text(p.heading)}"
        readings = character_readings(p.heading)
        if readings:
            context = f"{context}\n{readings}"
        for text in (norm, context) if seen is not None else ():
            for run in _HAN_RUN.findall(text):
                seen.update(run)
                seen.update(char_bigrams(run))
        yield {
            "source": p.source,
            "file": p.file,
            "line": p.line,
            "title": p.title,
            "heading": p.heading,
            "title_norm": title_norm,
            "heading_norm": both_readings(p.heading),
            "text": p.text,
            "norm": norm,
            "key": key,
            "kind": p.kind,
            "order": p.order,
            "page": p.page,
            "column": p.column,
            # the analysed fields are fed normalised text (ChainTokenizer(normalized=True))
            "words": norm,
            "bigrams": norm,
            "context_bigrams": context,
        }


def _read_corpus_file(path: Path, rel: str, report: BuildReport) -> CorpusFile | None:
    """The file read, or None (skipped, and why noted in ``report``)."""
    try:
        read = read_corpus_file(path, rel)
    except MissingExtraError:
        report.needs_extra.append(rel)
        report.skipped_files[rel] = f"reading it needs the documents extra: {MissingExtraError.install}"
        return None
    except UnreadableFileError as exc:
        report.skipped.append(str(exc))
        report.skipped_files[rel] = _reason(str(exc), rel, path)
        return None
    except Exception as exc:  # a reader's slip on one file
        # The readers turn what they know of damaged files into UnreadableFileError;
        # anything else is a bug of a reader on this file: the file is skipped and
        # named (with the exception, to report), and the build (or watch) goes on.
        report.skipped.append(f"{rel}: zhsearch could not read it ({type(exc).__name__}: {exc}); skipped "
                              "(please report this with the file)")
        return None
    report.warnings.extend(read.warnings)
    return read


def _reason(message: str, rel: str, path: Path) -> str:
    """A skip message without the file's name in front (the listing names it)."""
    message = message.removesuffix("; skipped")
    for name in (f"{rel}: ", f"{path}: ", f"{path} "):
        if message.startswith(name):
            return message[len(name):]
    return message.replace(str(path), rel)


def _with_files_notes(meta: dict, report: BuildReport, scan_skipped: list[str], rules: list[str]) -> dict:
    """The index's record of what it left out: each skipped file and why, and the
    ignore rules it was built with (``zhsearch files --skipped`` lists both)."""
    skipped = dict(report.skipped_files)
    for message in scan_skipped:  # "name: why", from scan_corpus
        name, _, why = message.partition(": ")
        skipped[name] = why
    return {**meta, "skipped": dict(sorted(skipped.items())), "ignore": rules}


def build_index(
    corpus_dir: str | os.PathLike | None,
    index_dir: str | os.PathLike,
    rebuild: bool = False,
    progress: Callable[[str], None] | None = None,
    semantic: bool | str | None = None,
    embed_progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Build the index of ``corpus_dir`` in ``index_dir``, or bring it up to date.

    Unchanged files (same size and mtime, or same content hash) are not read
    again; changed and new files are re-split; passages of deleted files go.
    ``rebuild=True`` (or an index from another version, or a damaged one)
    starts from scratch.  The index remembers its corpus: ``corpus_dir=None``
    updates from it, and another folder is refused unless ``rebuild``.
    Nothing is written into a folder that holds anything but an index.
    ``semantic``: also embed the passages (:mod:`zhsearch.semantic`) — True
    with the bundled model, a model folder, False for none; None keeps what
    the index was built with.  ``embed_progress(done, total)`` follows it.
    """
    index_dir = Path(index_dir)
    started = time.perf_counter()
    check_index_folder(index_dir)
    with write_lock(index_dir):
        gen, meta, problem = (None, None, None) if rebuild else _live_state(index_dir)
        finish, model_changed = _semantic_hook(semantic, index_dir, meta, embed_progress)
        corpus_dir = resolve_corpus(corpus_dir, index_dir, rebuild, meta)
        use_corpus_lexicon(corpus_dir)  # its own words and related terms, if it has them
        files, skipped = scan_corpus(corpus_dir)
        notes = (skipped, ignore_rules(corpus_dir))
        full = gen is None or is_stale(meta) or model_changed
        before = _current_name(index_dir)
        try:
            if full:
                if finish:
                    finish.prepare()  # the model, before anything is written
                clear_pointer(index_dir)
                report = _full_build(corpus_dir, index_dir, files, progress, notes, finish)
            else:
                report = _update(corpus_dir, gen, meta, files, progress, notes, finish)
        except OSError as exc:  # corpus files are read with their own errors: this is the index's disk
            # A full build writes beside the live generation; an update writes into
            # it, and once Whoosh has committed, part of the update is live: the
            # metadata still lists the files as they were, so the next run does them again.
            if not full:
                state = "the index stays searchable, and the next `zhsearch index` builds it again"
            elif _current_name(index_dir) in (before, None):
                state = "the live index is unchanged"
            else:  # the error came after the swap: the new index is whole and live
                state = "the new index is in place, but the disk reported the error"
            raise IndexWriteError(f"cannot write the index at {index_dir} ({exc.strerror or exc}); "
                                  f"{state}: free space or fix permissions and run it again") from exc
        remove_old_generations(index_dir, keep=live_generation(index_dir).name)
    report.skipped[:0] = skipped
    if problem:
        report.warnings.insert(0, f"{problem}: built it again from the corpus")
    if report.needs_extra:
        first = ", ".join(report.needs_extra[:3]) + (", …" if len(report.needs_extra) > 3 else "")
        report.warnings.append(f"{len(report.needs_extra)} PDF/Word files skipped ({first}): "
                               f"reading them needs the documents extra: {MissingExtraError.install}")
    if not files:
        report.warnings.append(f"corpus folder {corpus_dir} holds no files zhsearch reads "
                               f"({', '.join(SUPPORTED_SUFFIXES + DOCUMENT_SUFFIXES)}); the index is empty")
    report.seconds = time.perf_counter() - started
    return report


def _semantic_hook(semantic, index_dir: Path, meta: dict | None, embed_progress):
    """What writes a generation's passage vectors before its metadata is sealed
    (None: the index has none), and whether the model differs from the index's."""
    from zhsearch.semantic.vectors import wanted_model

    recorded = meta if meta is not None else recorded_meta(index_dir)
    model = wanted_model(semantic, recorded)
    changed = meta is not None and model != wanted_model(None, meta)
    return (None if model is None else _Embedding(model, embed_progress)), changed


class _Embedding:
    """A build's passage vectors: :meth:`prepare` loads the model before anything is
    written (a missing extra or an unsupported CPU stops the build there), and only
    a build that writes does: an update that finds nothing changed never loads it."""

    def __init__(self, model: str, progress):
        self.model, self.progress = model, progress

    def prepare(self) -> None:
        from zhsearch.semantic.embedders import load_embedder

        load_embedder(self.model)

    def __call__(self, gen: Path) -> dict:
        from zhsearch.semantic.vectors import embed_generation

        return {"semantic": embed_generation(gen, self.model, self.progress)}


# What a disk that refuses a write says (full, over quota, read-only, a file too
# large, no permission, failing): the build's write error, never "damaged".
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EIO})


def _current_name(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None


def _live_state(index_dir: Path) -> tuple[Path | None, dict | None, str | None]:
    """The live generation an update writes into and its metadata, every file
    checked; or (None, meta if readable, what is damaged) when it must be built again."""
    try:
        gen = live_generation(index_dir)
        if gen is None:
            return None, None, None
        meta = read_meta(gen)
        if unsealed(meta):
            # An update marks the generation so while it writes, and the caller
            # holds the write lock: this one was killed (or the power cut).  Its
            # files may not match its manifest (a file it re-indexed, then
            # reverted, would look unchanged), so it is built again.
            return None, meta, "its last update did not finish"
        verify_generation(gen, meta)
        return gen, meta, None
    except IndexCorruptError as exc:
        return None, recorded_meta(index_dir), getattr(exc, "what", str(exc))


def _index_files(writer, corpus_dir: Path, files, report: BuildReport, manifest: dict, progress) -> set[str]:
    """An update: the passages of the changed ``files`` (path, the file read) replace
    theirs in ``writer`` (Whoosh's own); returns the Han bigrams of what was added.
    (A full build goes through :func:`_analyse_file` and the bulk writer instead.)"""
    bigrams: set[str] = set()
    for path, read in files:
        rel = path.relative_to(corpus_dir).as_posix()
        if progress:
            progress(rel)
        writer.delete_by_term("file", rel)  # the file's old passages go first
        passages = read.passages
        for doc in _passage_documents(passages, bigrams):
            writer.add_document(**doc)
        manifest[rel] = {**_fingerprint(path), "hash": _hash(read.text), "passages": len(passages)}
        if read.left_out:  # page furniture the reader left out, counted (zhsearch files, stats)
            manifest[rel]["left_out"] = read.left_out
        report.files_indexed += 1
        report.passages_added += len(passages)
    return bigrams


def _save_lookups(gen: Path, bigrams: set[str], new_words: set[str] | None = None) -> None:
    """What a search loads instead of jieba and pypinyin: the compact dictionary
    and the pinyin map of the corpus's bigrams.

    A full build's compact dictionary holds every dictionary word whose
    characters and bigrams all occur in the corpus (all the words the segmenter
    could meet in indexed text, chosen or not) and the stop and question words.
    ``bigrams`` holds the corpus's Han characters as well as its bigrams.  After an update (``new_words``: the dictionary words of the changed
    passages) both files are extended; what deleted files leave there is
    harmless: a word or bigram the index no longer holds finds nothing.
    """
    if new_words is None:
        _save_dictionary(gen, bigrams)
        _save_pinyin_map(gen, bigrams)
        return
    segmenter = full_segmenter()
    known_words = {w for w, f in Segmenter.load_compact(gen).freq.items() if f}
    segmenter.save_compact(gen, known_words | new_words, add_common=False)  # the loaded words hold them
    pinyin = load_pinyin_map(gen, whole=True)
    extend_pinyin_map(pinyin, sorted(b for b in bigrams if len(b) == 2))
    save_pinyin_map(gen, pinyin)


def _save_dictionary(gen: Path, bigrams: set[str]) -> None:
    """A full build's compact dictionary (:func:`_save_lookups`)."""
    segmenter = full_segmenter()
    vocabulary = set(STOP_WORDS)
    for word, freq in segmenter.freq.items():  # a word of one or two characters is its own bigram
        if freq and (word in bigrams if len(word) <= 2 else all(word[i : i + 2] in bigrams for i in range(len(word) - 1))):
            vocabulary.add(word)
    segmenter.save_compact(gen, vocabulary)


def _save_pinyin_map(gen: Path, bigrams: set[str]) -> None:
    """A full build's pinyin map (:func:`_save_lookups`)."""
    save_pinyin_map(gen, build_pinyin_map(sorted(b for b in bigrams if len(b) == 2)))


# A full build: each corpus file is read and analysed on its own (jieba, OpenCC,
# bigrams: the bulk of the work), by one worker process per core when the corpus
# is large enough to repay starting them; the parent takes the analysed files
# in corpus order and writes the one segment (storage.bulk).  Small corpora are
# analysed in this process: two processes cost more to start than they save.
PARALLEL_MIN_BYTES = 1024 * 1024


_PARALLEL_BUILD = False  # true while analysis workers may be forked


def _die_with_parent() -> None:
    """In a forked analysis worker: be killed when the building process dies, even
    by SIGKILL, rather than wait forever for work that will not come.  Ctrl-C is
    the parent's to handle (it cancels the workers), and the SIGTERM that
    cancels one ends it quietly: no worker prints a traceback."""
    if not _PARALLEL_BUILD:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass


os.register_at_fork(after_in_child=_die_with_parent)


@dataclass(frozen=True)
class AnalysedFile:
    """One corpus file read and analysed for a full build (in a worker process)."""

    rel: str
    entry: dict | None  # its manifest entry; None when it was skipped
    docs: AnalysedDocs | None
    notes: BuildReport  # what reading it noted: skipped, warnings, needs_extra


_SCHEMA = None


def _analyse_file(job: tuple[Path, str]) -> AnalysedFile:
    """Read the corpus file ``job`` (path, name in the corpus) and analyse its passages."""
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = make_schema()
    path, rel = job
    notes = BuildReport(mode="full")
    read = _read_corpus_file(path, rel, notes)
    if read is None:
        return AnalysedFile(rel, None, None, notes)
    docs = analyse_documents(_SCHEMA, _passage_documents(read.passages, None))
    entry = {**_fingerprint(path), "hash": _hash(read.text), "passages": len(read.passages)}
    if read.left_out:  # page furniture the reader left out, counted (zhsearch files, stats)
        entry["left_out"] = read.left_out
    return AnalysedFile(rel, entry, docs, notes)


def _han_terms(writer: BulkSegmentWriter) -> str:
    """The Han terms of the bigram fields (runs of one character and bigrams),
    one a line: with their characters (:func:`_save_from_terms` adds them), what
    ``_passage_documents`` collects, without sending it between processes.  One
    string, not a set: the set (~800,000 small strings at 311,855 poems) is built
    by the worker that needs it, never in the parent, which holds every posting
    of the corpus at that time."""
    han = []
    for field in ("bigrams", "context_bigrams"):
        han.extend(term for term in writer.terms(field) if _HAN_RUN.fullmatch(term.decode("utf-8")))
    return b"\n".join(han).decode("utf-8")


def _save_from_terms(save: Callable[[Path, set[str]], None], gen: Path, terms: str) -> None:
    """``save(gen, bigrams)`` with :func:`_han_terms`'s terms as the set the
    lookups read: every term and every character of them."""
    seen = set(terms.split("\n")) if terms else set()
    seen.update(terms.replace("\n", ""))
    save(gen, seen)


AHEAD = 3


class _Analysis:
    """Where a full build's analysis runs: a pool of worker processes, or (None) here."""

    def __init__(self, pool, procs: int = 1):
        self.pool, self.procs = pool, procs

    def files(self, corpus_dir: Path, files: list[Path]) -> Iterator[AnalysedFile]:
        """The files analysed, in corpus order (each yielded as soon as it is done).
        At most AHEAD files a worker are analysed before the parent takes them: the
        workers wait for a writer that falls behind rather than pile their files
        up in its memory."""
        jobs = ((path, path.relative_to(corpus_dir).as_posix()) for path in files)
        if self.pool is None:
            yield from map(_analyse_file, jobs)
            return
        pending: collections.deque = collections.deque()
        for job in itertools.islice(jobs, AHEAD * self.procs):
            pending.append(self.pool.apply_async(_analyse_file, (job,)))
        while pending:
            done = pending.popleft().get()
            for job in itertools.islice(jobs, 1):
                pending.append(self.pool.apply_async(_analyse_file, (job,)))
            yield done

    def run(self, work: Callable, *args) -> Callable[[], None]:
        """Start ``work(*args)`` beside the parent's (in a worker); returns the
        call that waits for it to end (and raises what it raised)."""
        if self.pool is None:
            work(*args)
            return lambda: None
        result = self.pool.apply_async(work, args)
        return lambda: result.get()


@contextlib.contextmanager
def _analysis(files: list[Path]) -> Iterator[_Analysis]:
    """Worker processes, one per core, when the corpus is large enough to repay
    starting them; they go when the build ends, at once if it fails."""
    procs = min(os.cpu_count() or 1, 4)
    if procs < 2 or sum(path.stat().st_size for path in files) < PARALLEL_MIN_BYTES:
        yield _Analysis(None)
        return
    import multiprocessing

    global _PARALLEL_BUILD
    _PARALLEL_BUILD = True
    full_segmenter()  # loaded before the workers fork, so they share it
    pool = multiprocessing.get_context("fork").Pool(procs)
    try:
        yield _Analysis(pool, procs)
        pool.close()
    except BaseException:
        pool.terminate()  # Ctrl-C or a failed write: the workers go at once
        raise
    finally:
        pool.join()
        _PARALLEL_BUILD = False


def _full_build(corpus_dir: Path, index_dir: Path, files: list[Path], progress, notes=((), []), finish=None) -> BuildReport:
    from whoosh import index as whoosh_index

    report = BuildReport(mode="full", files_total=len(files))
    gen = index_dir / f"gen-{time.time_ns()}"
    gen.mkdir(parents=True)
    manifest: dict[str, dict] = {}
    try:
        writer = BulkSegmentWriter(whoosh_index.create_in(str(gen), make_schema()), codec=CompactCodec())
        try:
            with _analysis(files) as analysis:
                for done in analysis.files(corpus_dir, files):
                    if progress:
                        progress(done.rel)
                    for name in ("skipped", "warnings", "needs_extra"):
                        getattr(report, name).extend(getattr(done.notes, name))
                    report.skipped_files.update(done.notes.skipped_files)
                    if done.entry is None:
                        continue
                    writer.add_analysed(done.docs)
                    manifest[done.rel] = done.entry
                    report.files_indexed += 1
                    report.passages_added += done.entry["passages"]
                # the lookups are the corpus's, not the segment's: the workers write
                # them (one each) while this process writes the terms
                seen = _han_terms(writer)
                lookups = [analysis.run(_save_from_terms, save, gen, seen) for save in (_save_pinyin_map, _save_dictionary)]
                del seen
                save_index_lexicon(gen, active_lexicon())  # what its queries will use
                writer.commit()
                for written in lookups:
                    written()
        except BaseException:
            with contextlib.suppress(Exception):  # a commit that failed half-way may not cancel cleanly
                writer.cancel()
            raise
        report.passages_total = report.passages_added
        extra = finish(gen) if finish else {}  # the passage vectors (zhsearch.semantic)
        write_meta(gen, {**_with_files_notes(make_meta(corpus_dir, manifest, report.passages_total), report, *notes),
                         **extra})
        sync_folder(index_dir)  # the new generation's folder, before CURRENT names it
        write_bytes_atomic(index_dir / CURRENT, gen.name.encode("utf-8"))
    except BaseException:
        if _current_name(index_dir) != gen.name:  # a failure after the swap (its folder's fsync) keeps it
            shutil.rmtree(gen, ignore_errors=True)
        raise
    return report


# An update leaves at most this many segments (a parallel build writes one per core).
MAX_SEGMENTS = 4
# A segment holding deleted passages is written again without them when it is
# this small (4-8 s at 4,561 passages on this machine: Whoosh copies ~100 postings a
# passage in Python), or when this share of it is deleted.
MERGE_DELETIONS_DOCS = 2_000
MERGE_DELETIONS_SHARE = 0.1


def merge_segments(writer, segments):
    """Whoosh merge policy of an update: a segment holding deleted passages is
    written again without them (when small, or a tenth of it deleted), and the
    smallest segments once more than MAX_SEGMENTS would stand.

    Whoosh's statistics (document frequency, field lengths) count a deleted
    passage until its segment is rewritten: an updated index would rank, and
    choose the context terms it searches (``context_max_df``), otherwise than a
    fresh build of the same files.  Rewriting costs about 1 ms a passage, so a
    large segment is rewritten only once its deletions could move a figure by a
    tenth: an edit of one file in a corpus of 300,000 passages stays an update
    of seconds, and answers as a fresh build does within that tenth.

    A segment written again keeps its passages' field lengths as they are, not
    as Whoosh's merge sums them (:class:`_MergedSegment`).
    """

    def stale(seg) -> bool:
        return seg.has_deletions() and (seg.doc_count_all() <= MERGE_DELETIONS_DOCS
                                        or seg.deleted_count() >= MERGE_DELETIONS_SHARE * seg.doc_count_all())

    merged = [seg for seg in segments if stale(seg)]
    kept = sorted((seg for seg in segments if not stale(seg)), key=lambda seg: seg.doc_count_all())
    while kept and len(kept) + 1 > MAX_SEGMENTS:  # + the segment this update writes
        merged.append(kept.pop(0))
    totals = writer.perdocwriter._fieldlengths  # the field-length totals of the segment written
    for seg in merged:
        before = dict(totals)
        reader = _MergedSegment(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
        for name, length in reader.lengths.items():
            totals[name] = before.get(name, 0) + length
    return kept


class _MergedSegment(SegmentReader):
    """A segment an update writes again, read into its new one: counts each
    scorable field's length over its live passages (``lengths``) as the merge
    copies their postings.

    Whoosh's merge (``SegmentWriter.write_per_doc``) adds each passage's length
    to the new segment's total as its one-byte length code gives it back,
    rounded up past 10: an updated index would count more than a fresh build of
    the same files (8,613 bigrams for 8,539 at the shipped corpus) and score every
    passage otherwise.  A passage's length in a field is the sum of its terms'
    frequencies there (``add_document``'s count): the weights of its postings
    (weight = frequency: the analysed fields' format, as bulk._check_formats
    requires).  Relies on Whoosh's ``add_reader`` copying postings through
    ``iter_postings`` and on its per-document writer's ``_fieldlengths``; a test
    compares an updated index's totals with a fresh build's.
    """

    def __init__(self, storage, schema, segment):
        super().__init__(storage, schema, segment)
        self.lengths: dict[str, int] = {}

    def iter_postings(self):
        scorable = {name for name, field in self.schema.items() if field.scorable}
        lengths = self.lengths
        for posting in super().iter_postings():  # (field, term, passage, weight, value): live passages only
            if posting[0] in scorable:
                lengths[posting[0]] = lengths.get(posting[0], 0) + int(posting[3])
            yield posting


def _update(corpus_dir: Path, gen: Path, meta: dict, files: list[Path], progress, notes=((), []), finish=None) -> BuildReport:
    from whoosh import index as whoosh_index

    old: dict[str, dict] = dict(meta.get("files", {}))
    report = BuildReport(mode="update", files_total=len(files))
    manifest: dict[str, dict] = {}
    changed: list[tuple[Path, CorpusFile]] = []
    for path in files:
        rel = path.relative_to(corpus_dir).as_posix()
        entry = old.get(rel)
        fingerprint = _fingerprint(path)
        # unchanged, and still readable: chmod changes neither size nor mtime, and a
        # file a fresh build could not read is skipped (with its warning) here too
        if (entry and entry["size"] == fingerprint["size"] and entry["mtime_ns"] == fingerprint["mtime_ns"]
                and os.access(path, os.R_OK)):
            manifest[rel] = entry
            continue
        read = _read_corpus_file(path, rel, report)
        if read is None:
            continue
        if entry and entry["hash"] == _hash(read.text):  # touched, not changed
            manifest[rel] = {**entry, **fingerprint}
            continue
        changed.append((path, read))
    removed = [rel for rel in old if rel not in manifest and all(p.relative_to(corpus_dir).as_posix() != rel for p, _ in changed)]
    if not changed and not removed:
        report.mode = "unchanged"
        report.passages_total = meta.get("passages", 0)
        noted = _with_files_notes(meta, report, *notes)
        if manifest != old or noted != meta:
            write_meta(gen, {**noted, "files": manifest}, seal=False)
        return report

    if finish:
        finish.prepare()  # the model, before anything is written
    try:
        writer = whoosh_index.open_dir(str(gen)).writer(limitmb=256, codec=CompactCodec())
    except READ_ERRORS as exc:  # Whoosh raises many kinds on a damaged folder
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:  # the disk refused a new file: the write error
            raise
        raise damaged(gen.parent, f"Whoosh cannot open it: {type(exc).__name__}") from exc
    # Until the update is sealed, its files change under the recorded sums: the
    # generation is marked unchecked (Whoosh's commit is still atomic), so an
    # update killed after its commit leaves a searchable index, not a "damaged" one.
    write_meta(gen, {**meta, "sums": None}, seal=False)
    try:
        for rel in removed:
            writer.delete_by_term("file", rel)
        bigrams = _index_files(writer, corpus_dir, changed, report, manifest, progress)
    except BaseException:
        writer.cancel()
        write_meta(gen, meta, seal=False)  # nothing changed: the sums hold again
        raise
    writer.commit(mergetype=merge_segments)
    segmenter = full_segmenter()
    new_words = {
        w
        for _, read in changed
        for p in read.passages
        for text in (p.text, p.heading, p.title)
        for w in segmenter.words_in(fold_text(text))
    }
    _save_lookups(gen, bigrams, new_words)
    report.files_removed = len(removed)
    report.passages_total = sum(entry.get("passages", 0) for entry in manifest.values())
    extra = finish(gen) if finish else {}  # the passage vectors (zhsearch.semantic)
    write_meta(gen, {**_with_files_notes(make_meta(Path(meta.get("corpus", corpus_dir)), manifest, report.passages_total),
                                         report, *notes), **extra})
    return report
