"""Read a corpus folder and split its files into passages.

A passage is a paragraph (consecutive non-blank lines that are not headings).
Short heading lines are not passages: they travel with the paragraphs under
them as their ``heading`` (the path of enclosing headings), so a question that
matches a section heading brings up the paragraphs of that section.  Each
passage keeps its source (relative to the corpus folder), the number of its
first line, and the document title.

>>> [p.heading for p in split_passages("标题\\n\\n一、背景\\n\\n正文。", "a.txt")]
['一、背景']
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from zhsearch.reading.boilerplate import is_boilerplate, is_comment_header
from zhsearch.errors import CorpusError, UnreadableFileError
from zhsearch.reading.encodings import decode_bytes
from zhsearch.reading.formats import DOCUMENT_SUFFIXES, SUPPORTED_SUFFIXES, Document, documents_of
from zhsearch.text.normalize import HAN_CHAR, strip_pinyin_glosses, to_simplified
from zhsearch.storage.stored import join_headings
from zhsearch.reading.structure import (
    LIST_LEVEL,
    MD_HEADING,
    UNNUMBERED_LEVEL,
    heading_level,
    is_admonition_label,
    is_section_number,
    outline_level,
    stray_numbers,
)

# Paragraphs longer than this are cut at sentence ends into pieces of about
# TARGET_CHARS, so that one passage answers one thing and BM25's length
# normalisation compares like with like.
MAX_PASSAGE_CHARS = 420
TARGET_CHARS = 260
MIN_PASSAGE_CHARS = 50
# A document with this many multi-level section numbers declares its
# structure: its unnumbered short lines are table cells, captions and list
# items, not headings.
OUTLINE_MIN_SECTIONS = 3

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
_MD_MARKUP = re.compile(r"(\*\*|__|`+|!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\))")
_METADATA = re.compile(r"^[^:：]{1,4}[:：]")
_CJK = HAN_CHAR
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Passage:
    """One searchable unit of a document, as written (pinyin glosses removed)."""

    source: str  # the file, relative to the corpus folder; ``file.jsonl#id`` for a JSONL record
    line: int
    title: str
    heading: str
    text: str
    kind: str = "body"  # "body", or "comment" for readers' comments under the article
    order: int = 0  # place among the passages under the same heading (0 = first)
    page: int = 0  # the page a PDF passage starts on (1-based); 0: the format has no pages

    @property
    def location(self) -> str:
        """Where to find the passage: ``file.pdf:p12`` on a page, else ``source:line``."""
        return f"{self.source}:p{self.page}" if self.page else f"{self.source}:{self.line}"

    @property
    def file(self) -> str:
        """The corpus file the passage came from."""
        return self.source.split("#", 1)[0]


def content_key(text: str) -> str:
    """Hash of the text with script, width, spaces and punctuation folded away."""
    return folded_key(to_simplified(text))


def folded_key(simplified: str) -> str:
    """:func:`content_key` of a text already in simplified script (e.g. normalised)."""
    folded = "".join(ch for ch in simplified if ch.isalnum()).lower()
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=12).hexdigest()


def read_text(path: Path, warnings: list[str] | None = None, shown: str | None = None) -> str:
    """Decode a text file in whatever encoding it is in (see :mod:`zhsearch.reading.encodings`);
    bad bytes of a UTF-8 file replaced are one warning in ``warnings`` (naming ``shown``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        decoded = decode_bytes(data)
    except UnreadableFileError as exc:
        raise UnreadableFileError(f"{path} {exc}; skipped") from None
    if decoded.replaced and warnings is not None:
        what = "byte sequence that is" if decoded.replaced == 1 else "byte sequences that are"
        warnings.append(f"{shown or path}:{decoded.first_bad_line}: {decoded.replaced} {what} not UTF-8 "
                        "replaced by � (the rest of the file is indexed)")
    return decoded.text


def load_passages(text: str, rel: str) -> tuple[list[Passage], list[str]]:
    """Passages of one file's text (any text format) and warnings about skipped parts."""
    documents, warnings = documents_of(text, rel)
    return document_passages(documents), warnings


def document_passages(documents: list[Document]) -> list[Passage]:
    """The passages of ``documents``, each placed by its document's page and line maps."""
    passages = []
    for doc in documents:
        for p in split_passages(doc.text, doc.source, doc.markdown, title=doc.title):
            if doc.pages is not None or doc.line_numbers is not None:
                i = p.line - 1
                p = dataclasses.replace(
                    p,
                    page=doc.pages[i] if doc.pages is not None else p.page,
                    line=doc.line_numbers[i] if doc.line_numbers is not None else p.line,
                )
            passages.append(p)
    return passages


def read_corpus_file(path: Path, rel: str) -> tuple[str, list[Passage], list[str]]:
    """One corpus file: its text (what its content hash is taken of), passages, warnings.

    Raises UnreadableFileError (``MissingExtraError`` for a PDF or Word file
    without the documents extra) when the file cannot be read.
    """
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        damaged: list[str] = []
        text = read_text(path, damaged, rel)
        passages, warnings = load_passages(text, rel)
        return text, passages, damaged + warnings
    from zhsearch.reading.documents import read_documents  # only a folder with such files pays for it

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    documents, warnings = read_documents(data, rel)
    text = "\f".join(f"{doc.source}\n{doc.text}" for doc in documents)
    return text, document_passages(documents), warnings


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Supported files under ``corpus_dir``, sorted, hidden files and folders skipped."""
    return scan_corpus(corpus_dir)[0]


def shown_name(name: str) -> str:
    """A file name fit for one line of a terminal: bytes that are not UTF-8 and
    control characters (a newline, an escape) shown as ``\\xff``-style escapes."""
    raw = name.encode("utf-8", "surrogateescape")
    return "".join(
        f"\\x{ord(ch):02x}" if ch < " " or ch == "\x7f" else ch
        for ch in raw.decode("utf-8", "backslashreplace")
    )


def scan_corpus(corpus_dir: Path) -> tuple[list[Path], list[str]]:
    """The files :func:`corpus_files` lists, and one warning per file skipped on
    the way: a name that is not UTF-8 (it could not be stored or shown), a
    link to a file outside the corpus folder (not followed, as links to
    folders are not), a folder that cannot be read (its files with it)."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.exists():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist; pass --corpus DIR or set ZHSEARCH_CORPUS")
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus path {corpus_dir} is a file, not a folder; pass the folder that holds your text files")
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    root = corpus_dir.resolve()

    def unreadable(exc: OSError) -> None:
        folder = Path(exc.filename) if exc.filename else corpus_dir
        if folder == corpus_dir:
            raise CorpusError(f"cannot read the corpus folder {corpus_dir}: {exc.strerror or exc}; "
                              "check its permissions") from exc
        rel = folder.relative_to(corpus_dir).as_posix()
        skipped.append((folder, f"{shown_name(rel)}/: the folder cannot be read ({exc.strerror or exc}); "
                                "its files are skipped (check its permissions)"))

    # os.walk, not rglob: rglob passes over a folder it cannot read without a word
    for folder, dirs, names in os.walk(corpus_dir, onerror=unreadable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            path = Path(folder) / name
            if name.startswith(".") or not (path.suffix.lower() in SUPPORTED_SUFFIXES + DOCUMENT_SUFFIXES
                                            and path.is_file()):
                continue
            rel = path.relative_to(corpus_dir).as_posix()
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                skipped.append((path, f"{shown_name(rel)}: the file name is not UTF-8; skipped (rename the file to index it)"))
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                skipped.append((path, f"{shown_name(rel)}: a link to {shown_name(str(path.resolve()))}, "
                                      "outside the corpus folder; not followed"))
                continue
            found.append(path)
    return sorted(found), [message for _, message in sorted(skipped, key=lambda item: item[0])]


def clean_line(line: str, markdown: bool = False) -> str:
    """A line as displayed: glosses removed, outer spaces stripped, markup dropped."""
    line = strip_pinyin_glosses(line).strip()
    if markdown:
        line = _MD_MARKUP.sub(lambda m: m.group(2) or "", line)
        line = re.sub(r"^\s*(?:[-*+>]\s+)+", "", line)
    return line


def document_title(lines: list[str], fallback: str, declared: str = "") -> str:
    """The first heading that names the document, read as the page marks its
    headings (``declared``): a chapter (``章 1. GNU/Linux 教學``) as it stands,
    any other when it is long enough to be more than furniture."""
    for block in _blocks(lines):
        for _, raw, level in _line_roles(block or [], declared):
            line = MD_HEADING.sub("", raw)
            if level is None or _METADATA.match(line):
                continue
            chapter = outline_level(raw) == 1
            if len(_CJK.findall(line)) >= (2 if chapter else 6):
                return line
    return fallback


# A sentence longer than this (a 25,000-character line without a full stop,
# hard-wrapped English without a 。, a minified page) is cut at its clause ends,
# a clause still longer at its spaces, a word still longer every TARGET_CHARS:
# no passage is ever much longer than MAX_PASSAGE_CHARS, so highlighting and
# reranking a hit stay cheap.  (Below the limit, sentences are kept whole: the
# longest in the judged corpora is under 1,000 characters.)
LONG_SENTENCE_CHARS = 1200
_CLAUSE_CUT = re.compile(r"(?<=[，,、：:…])")
_SPACE_CUT = re.compile(r"(?<=\s)")


def _units(text: str) -> Iterator[str]:
    """The sentences of ``text``, an over-long one in pieces no longer than LONG_SENTENCE_CHARS."""
    for sentence in _SENTENCE_END.split(text):
        if len(sentence) <= LONG_SENTENCE_CHARS:
            yield sentence
            continue
        for clause in _CLAUSE_CUT.split(sentence):
            if len(clause) <= LONG_SENTENCE_CHARS:
                yield clause
                continue
            for word in _SPACE_CUT.split(clause):
                for at in range(0, len(word), TARGET_CHARS):
                    yield word[at : at + TARGET_CHARS]


def _split_long(text: str) -> list[tuple[int, str]]:
    """Cut a long paragraph at sentence ends: ``(offset, piece)`` of about TARGET_CHARS."""
    if len(text) <= MAX_PASSAGE_CHARS:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start, current = 0, []
    length = offset = 0
    for sentence in _units(text):
        if length and length + len(sentence) > TARGET_CHARS:
            pieces.append((start, "".join(current)))
            start, current, length = offset, [], 0
        current.append(sentence)
        length += len(sentence)
        offset += len(sentence)
    if current:
        if pieces and length < TARGET_CHARS // 4:
            prev_start, prev = pieces.pop()
            pieces.append((prev_start, prev + "".join(current)))
        else:
            pieces.append((start, "".join(current)))
    return pieces


def _blocks(lines: list[str]) -> Iterator[list[tuple[int, str]] | None]:
    """Blocks of consecutive kept lines, as ``(line_number, text)`` lists.

    Blank lines, rules (``---``, ``***``: no letter or digit) and page
    furniture end a block.  ``None`` stands for a
    comment-section header: everything after it is readers' comments.
    """
    block: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        simplified = to_simplified(line) if line else ""
        if not _is_word(line) or is_boilerplate(simplified) or is_comment_header(simplified):
            if block:
                yield block
                block = []
            if line and is_comment_header(simplified):
                yield None
            continue
        block.append((number, line))
    if block:
        yield block


def _is_word(line: str) -> bool:
    return any(ch.isalnum() for ch in line)


def _line_roles(block: list[tuple[int, str]], declared: str) -> Iterator[tuple[int, str, int | None]]:
    """``(line_number, text, heading_level)`` for each line of a block (None: body).

    ``declared``: how the document marks its headings when it does —
    ``"markup"`` (Markdown, HTML) or ``"outline"`` (section numbers such as
    8.3.) — so that a plain line is never one; ``""`` when it does not.
    """
    for i, (number, line) in enumerate(block):
        if declared == "markup":
            level = len(m.group(1)) if (m := MD_HEADING.match(line)) else None
        else:
            level = heading_level(line, alone=len(block) == 1, first=i == 0)
            # a document that numbers its sections declares its headings:
            # an unnumbered line there is body, unless marked up (## 附录)
            if declared == "outline" and level is not None and outline_level(line) is None and not line.startswith("##"):
                level = None
        yield number, line, level


def _declared_headings(lines: list[str], markdown: bool) -> str:
    """``"markup"`` for a Markdown/HTML document with headings, ``"outline"``
    for one that numbers its sections at two levels or more (1.2., 8.3.1.),
    else ``""`` (headings are then also read from the shape of lines)."""
    if markdown and any(MD_HEADING.match(line) for line in lines):
        return "markup"
    numbered = sum(1 for line in lines if line and is_section_number(line))
    return "outline" if numbered >= OUTLINE_MIN_SECTIONS else ""


def split_passages(
    text: str, source: str, markdown: bool | None = None, title: str | None = None
) -> list[Passage]:
    """Split one document into passages with heading context and line numbers.

    Headings come from evidence (:mod:`zhsearch.reading.structure`); a heading-shaped
    line with nothing under it was body after all and is kept as a passage.
    """
    if markdown is None:
        markdown = source.lower().endswith((".md", ".markdown"))
    # a lone surrogate (a JSON "\\ud800") stands for no character
    text = _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text
    title = _SURROGATE.sub("\ufffd", title) if title and _SURROGATE.search(title) else title
    raw_lines = text.splitlines()
    lines = [clean_line(line, markdown) for line in raw_lines]
    declared = _declared_headings(lines, markdown)
    title = title or document_title(lines, Path(source.split("#")[0]).stem, declared)
    title_key = content_key(title)

    passages: list[Passage] = []
    # (level, heading text, line number, numbered or marked up, has passages under it)
    stack: list[list] = []
    kind = "body"
    paragraph: list[str] = []
    paragraph_lines: list[int] = []
    label: list[tuple[int, str]] = []  # an admonition label waiting for its paragraph
    per_section: dict[tuple[str, str], int] = {}  # passages so far under each (kind, heading)
    title_seen = False
    stray = stray_numbers(lines)

    def emit(body: str, first_line: int, line_starts: list[int], lines_of: list[int]) -> None:
        heading = join_headings(tuple(entry[1] for entry in stack))
        for entry in stack:
            entry[4] = True
        for start, piece in _split_long(body):
            line = lines_of[bisect.bisect_right(line_starts, start) - 1] if line_starts else first_line
            order = per_section.get((kind, heading), 0)
            per_section[(kind, heading)] = order + 1
            passages.append(Passage(source, line, title, heading, piece.strip(), kind, order))

    def flush() -> None:
        if not paragraph:
            return
        body, line_starts = "", []  # where each joined line begins in ``body``
        for line in paragraph:
            if body and (body[-1].isascii() or line[0].isascii()):
                body += " "  # Chinese lines join as they are; Latin words keep a space
            line_starts.append(len(body))
            body += line
        emit(body, paragraph_lines[0], line_starts, list(paragraph_lines))
        paragraph.clear()
        paragraph_lines.clear()

    def take_label() -> None:
        """A label with no paragraph of its own after it (a heading or the end came) is kept as body."""
        nonlocal label
        if label:
            paragraph.append(label[0][1])
            paragraph_lines.append(label[0][0])
            label = []

    def pop_to(floor: int) -> None:
        while stack and stack[-1][0] >= floor:
            level, heading, number, marked, used = stack.pop()
            if not used and not marked:
                emit(heading, number, [], [])  # an unnumbered "heading" with no body: body after all

    for block in _blocks(lines):
        # A short paragraph (a lead-in, a table title, a list item, a table
        # cell) is read with the paragraphs after it under the same heading.
        if sum(map(len, paragraph)) >= MIN_PASSAGE_CHARS:
            flush()
        if block is None:
            take_label()
            flush()
            pop_to(0)
            kind, stack = "comment", []
            continue
        if len(block) == 1 and is_admonition_label(block[0][1]):
            flush()
            label = [block[0]]
            continue
        for number, line, level in _line_roles(block, declared):
            if level is not None and number in stray:
                level = None  # 3.0 (quilt) in a table after 2.5.8: body, not a section
            if level is None:
                if label:
                    paragraph.append(label[0][1])
                    paragraph_lines.append(label[0][0])
                    label = []
                paragraph.append(line)
                paragraph_lines.append(number)
                continue
            take_label()
            flush()
            heading = MD_HEADING.sub("", line)
            if content_key(heading) == title_key:
                # The title line is no section, but it ends the ones before it
                # (a line above a chapter line that is the title); the title
                # repeated further down the page (a list of related articles)
                # is furniture and ends nothing.
                if not title_seen:
                    pop_to(level)
                    title_seen = True
                continue
            # An unnumbered heading ends any numbered list it follows (1. 2. 3. → 小结).
            pop_to(min(level, LIST_LEVEL) if level == UNNUMBERED_LEVEL else level)
            stack.append([level, heading, number, level != UNNUMBERED_LEVEL or bool(MD_HEADING.match(line)), False])
    take_label()
    flush()
    pop_to(0)

    if not passages:
        # A file of short lines only (a list, a poem without punctuation): its
        # lines are its content.
        passages = [
            Passage(source, n, title, "", line) for block in _blocks(lines) if block for n, line in block
        ]
    return passages
