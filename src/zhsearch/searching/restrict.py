"""What the operators of a query (:mod:`zhsearch.searching.syntax`) let through in an index.

A *run* (a quoted phrase, an OR alternative, an excluded word) is held by a
passage when its normalised text holds the run's normalised text — both
scripts, width and numerals folded, so ``"九千元"`` is held by ``逾期9000元``
and ``上門`` by ``上门`` — whatever jieba made of the word boundaries.  Where
the run has a space, the passage may have one or not (``上门 取证``); a run
that starts or ends with a Latin word or a number must start or end there in
the passage too (``"app"`` is not held by ``apple``, ``900`` not by ``9000``).

The passages that can hold a run are found through the bigram field (every
character bigram and Latin/digit run of the passage is indexed), then each
is checked on its stored normalised text.  A run with neither (one Han
character, ``"元"``) is checked on every passage.
"""

from __future__ import annotations

import fnmatch
import functools
import re

from zhsearch.text.analyzer import analyze
from zhsearch.text.normalize import HAN as _CJK
from zhsearch.text.normalize import HAN_CHAR as _HAN
from zhsearch.text.normalize import fold_text, normalize_text
from zhsearch.storage.stored import StoredPassage
from zhsearch.searching.syntax import ParsedQuery

_LETTER = f"[^\\W\\d_{_CJK}]"


def _kind(ch: str) -> str:
    if ch.isdigit() and ch.isascii():
        return "digit"
    if re.match(_LETTER, ch):
        return "letter"
    return "other"


@functools.lru_cache(maxsize=256)
def run_pattern(run: str) -> re.Pattern:
    """The regular expression a run is looked for with, in normalised text.

    >>> bool(run_pattern("九千元").search(fold_text("逾期9000元会不会上门")))
    True
    >>> bool(run_pattern("900").search("9000"))
    False
    """
    chunks = fold_text(run).split()
    body = ""
    for k, chunk in enumerate(chunks):
        if k:
            before, after = _kind(chunks[k - 1][-1]), _kind(chunk[0])
            body += r"\s+" if before == after != "other" else r"\s*"
        body += re.escape(chunk)
    if not chunks:
        return re.compile(r"(?!)")  # nothing to find
    first, last = _kind(chunks[0][0]), _kind(chunks[-1][-1])
    if first == "digit":
        body = r"(?<!\d)(?<!\d\.)" + body
    elif first == "letter":
        body = f"(?<!{_LETTER})" + body
    if last == "digit":
        body += r"(?!\.?\d)"
    elif last == "letter":
        body += f"(?!{_LETTER})"
    return re.compile(body)


def lookup_terms(run: str) -> tuple[str, ...]:
    """Bigram-field terms every passage holding ``run`` has: its Han bigrams and
    Latin/digit runs (a lone Han character may sit inside a longer run)."""
    terms = []
    for chunk in fold_text(run).split():
        for token in analyze(chunk, "bigrams", normalized=True):
            if not (len(token.text) == 1 and _HAN.match(token.text)):
                terms.append(token.text)
    return tuple(dict.fromkeys(terms))


def run_spans(text: str, runs) -> list[tuple[int, int]]:
    """Spans of ``text`` (as written) where each of ``runs`` stands."""
    norm = normalize_text(text)
    return [norm.span(*m.span()) for run in runs for m in run_pattern(run).finditer(norm.text) if m.end() > m.start()]


def file_matches(path: str, pattern: str) -> bool:
    """A glob (``*``, ``?``, ``[…]``; ``*`` crosses folders) matches the whole
    path; anything else is a prefix of it (``法规/`` a folder).  A name that is
    itself the path, or a folder of it, matches as written even when it holds
    glob characters (``报告[2024].txt``).  Case is ignored.

    >>> file_matches("法规/民法典.txt", "法规/"), file_matches("004_x.txt", "004*")
    (True, True)
    >>> file_matches("报告[2024].txt", "报告[2024].txt"), file_matches("报告2.txt", "报告[2024].txt")
    (True, True)
    """
    path, pattern = path.casefold(), pattern.replace("\\", "/").removeprefix("./").casefold()
    if any(c in pattern for c in "*?["):
        return path == pattern or (pattern.endswith("/") and path.startswith(pattern)) or \
            fnmatch.fnmatchcase(path, pattern)
    return path.startswith(pattern)


def docs_holding(reads, runs) -> dict[str, set[int]]:
    """For each of ``runs``, the document numbers of the passages that hold it.

    Runs without lookup terms share one pass over the stored passages.
    """
    found: dict[str, set[int]] = {}
    unindexed = []
    norms: dict[int, str] = {}  # each passage read once, however many runs it is checked for

    def norm_of(docnum: int) -> str:
        if docnum not in norms:
            norms[docnum] = StoredPassage.from_fields(reads.stored_fields(docnum)).norm
        return norms[docnum]

    for run in dict.fromkeys(runs):
        terms, pattern = lookup_terms(run), run_pattern(run)
        if terms:
            candidates = reads.holding_all("bigrams", terms)
            found[run] = {d for d in candidates if pattern.search(norm_of(d))}
        else:
            found[run] = set()
            unindexed.append((run, pattern))
    if unindexed:
        for d, fields in reads.iter_docs():
            norm = StoredPassage.from_fields(fields).norm
            for run, pattern in unindexed:
                if pattern.search(norm):
                    found[run].add(d)
    return found


def docs_in_files(reads, patterns) -> set[int]:
    """Document numbers of the passages of every file matching one of ``patterns``."""
    from whoosh.query import Term

    names = [name for name in reads.field_terms("file") if any(file_matches(name, p) for p in patterns)]
    return {d for name in names for d in reads.docs_for_query(Term("file", name))}


def doc_filters(reads, reading: ParsedQuery) -> tuple[set[int] | None, set[int]]:
    """``(allowed, left_out)``: the passages the query allows (None: any) and those it leaves out."""
    holding = docs_holding(reads, [run for group in reading.required for run in group] + list(reading.excluded))
    allowed: set[int] | None = None
    if reading.files:
        allowed = docs_in_files(reads, reading.files)
    for group in reading.required:
        held = set().union(*(holding[run] for run in group))
        allowed = held if allowed is None else allowed & held
    left_out: set[int] = set()
    for run in reading.excluded:
        left_out |= holding[run]
    if reading.excluded_files:
        left_out |= docs_in_files(reads, reading.excluded_files)
    return allowed, left_out


# A query of only filters reads at most this many passages it leaves out for
# one page: the cost of a page, whatever the corpus holds.
LISTING_MAX_SKIPPED = 2000


def listing(reads, reading: ParsedQuery, want: int) -> tuple[list[tuple[int, dict]], int]:
    """``(docnum, stored fields)`` of the passages a query with nothing to rank
    lets through, by file name and then in document order: the first ``want``
    at least, and how many passages of the files not reached remain (counted
    apiece, their exclusions unchecked).

    A page of such a query reads that page, not the corpus: files are taken
    from the term table one at a time and their passages from their postings;
    an excluded run is checked on each passage read, never looked up over the
    whole index, and at most ``LISTING_MAX_SKIPPED`` passages are read and left
    out for one page (fewer than ``want`` come back then).  Required runs
    narrow through their own lookups first.
    """
    from whoosh.query import Term

    excluded = [run_pattern(run) for run in reading.excluded]

    def wanted_file(name: str) -> bool:
        return ((not reading.files or any(file_matches(name, p) for p in reading.files))
                and not any(file_matches(name, p) for p in reading.excluded_files))

    def kept(fields: dict) -> bool:
        passage = StoredPassage.from_fields(fields)
        return wanted_file(passage.file) and not any(p.search(passage.norm) for p in excluded)

    if reading.required:
        holding = docs_holding(reads, [run for group in reading.required for run in group])
        allowed: set[int] | None = None
        for group in reading.required:
            held = set().union(*(holding[run] for run in group))
            allowed = held if allowed is None else allowed & held
        found = [(d, reads.stored_fields(d)) for d in sorted(allowed or ())]
        found = [(d, fields) for d, fields in found if kept(fields)]
        found.sort(key=lambda item: StoredPassage.from_fields(item[1]).file)  # stable: document order within
        return found, 0
    found, unread, skipped = [], 0, 0
    for name in reads.field_terms("file"):  # the term table's order: by name
        if not wanted_file(name):
            continue
        if len(found) >= want or skipped >= LISTING_MAX_SKIPPED:
            unread += reads.live_count("file", name)
            continue
        for d in reads.docs_for_query(Term("file", name)):
            if len(found) >= want or skipped >= LISTING_MAX_SKIPPED:
                unread += 1
                continue
            fields = reads.stored_fields(d)
            if kept(fields):
                found.append((d, fields))
            else:
                skipped += 1
    return found, unread
