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
from typing import Iterator, NamedTuple

from zhsearch.reading.boilerplate import COMMENT_HEADER_MAX, is_comment_header
from zhsearch.errors import CorpusError, UnreadableFileError
from zhsearch.reading.encodings import decode_bytes
from zhsearch.reading.formats import DOCUMENT_SUFFIXES, SUPPORTED_SUFFIXES, Document, documents_of
from zhsearch.text.normalize import HAN_CHAR, strip_pinyin_glosses, to_simplified
from zhsearch.storage.stored import join_headings, location
from zhsearch.reading.structure import (
    LIST_LEVEL,
    MD_HEADING,
    UNNUMBERED_LEVEL,
    _heading_shaped,
    heading_level,
    is_admonition_label,
    is_caption,
    is_section_number,
    lone_headings,
    outline_level,
    section_number,
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
    column: int = 1  # where in its line the passage starts (1-based characters): >1 for a long line's later pieces

    @property
    def location(self) -> str:
        """Where to find the passage (:func:`location`)."""
        return location(self.source, self.line, self.page, self.column)

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


class CorpusFile(NamedTuple):
    """One corpus file read: its text (what its content hash is taken of), its
    passages, warnings, and the text left out as page furniture (characters by
    why, e.g. ``{"html <nav>": 120}``: counted, never silently dropped)."""

    text: str
    passages: list[Passage]
    warnings: list[str]
    left_out: dict[str, int]


def read_corpus_file(path: Path, rel: str) -> CorpusFile:
    """Read one corpus file (any format) into passages.

    Raises UnreadableFileError (``MissingExtraError`` for a PDF or Word file
    without the documents extra) when the file cannot be read.
    """
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        damaged: list[str] = []
        text = read_text(path, damaged, rel)
        documents, warnings = documents_of(text, rel)
        return CorpusFile(text, document_passages(documents), damaged + warnings, _left_out(documents))
    from zhsearch.reading.documents import read_documents  # only a folder with such files pays for it

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    documents, warnings = read_documents(data, rel)
    text = "\f".join(f"{doc.source}\n{doc.text}" for doc in documents)
    return CorpusFile(text, document_passages(documents), warnings, _left_out(documents))


def _left_out(documents: list[Document]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for doc in documents:
        for why, chars in doc.left_out:
            counts[why] = counts.get(why, 0) + chars
    return counts


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


# Files and folders of the corpus to leave out, in gitignore syntax (read with
# pathspec, a small pure-Python library that implements git's own rules).
IGNORE_FILE = ".zhsearchignore"


def ignore_rules(corpus_dir: Path) -> list[str]:
    """The lines of the corpus's ``.zhsearchignore`` ([] when it has none)."""
    path = Path(corpus_dir) / IGNORE_FILE
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read {path} ({getattr(exc, 'strerror', None) or exc}); "
                          "save it as UTF-8 text or remove it") from exc


def ignore_matcher(rules: list[str]):
    """A test ``(relative posix path) -> bool`` for gitignore-style ``rules``; None for no rules.

    As git: a file in a folder the rules leave out is left out, whatever a later
    rule says of the file (``drafts/`` then ``!drafts/b.txt``: git does not look
    inside ``drafts/``, so no rule can take ``b.txt`` back).  A folder is left out
    by the last rule that names it (``drafts/``, ``drafts``, ``*`` — but not
    ``drafts/**``, which names what is inside; ``!*/`` takes every folder back).
    """
    if not any(line.strip() and not line.lstrip().startswith("#") for line in rules):
        return None
    import pathspec

    try:
        # a rule ending in / names folders only: a file is left out by one only through its folder (below)
        spec = pathspec.GitIgnoreSpec.from_lines([line for line in rules if not line.strip().endswith("/")])
        # the rules as they read a folder's path (no trailing slash): drafts/ as drafts
        folder_spec = pathspec.GitIgnoreSpec.from_lines([_without_slash(line) for line in rules])
    except ValueError:  # pathspec's GitIgnorePatternError: find the line, to name it
        for number, line in enumerate(rules, start=1):
            try:
                pathspec.GitIgnoreSpec.from_lines([line, _without_slash(line)])
            except ValueError as exc:
                raise CorpusError(f"line {number} of {IGNORE_FILE}, {line.strip()!r}, is not a gitignore rule "
                                  f"({exc}); correct or remove it") from None
        raise
    folders: dict[str, bool] = {}

    def folder_ignored(folder: str) -> bool:
        if folder not in folders:
            folders[folder] = folder_spec.match_file(folder)
        return folders[folder]

    def ignored(rel: str) -> bool:
        at = rel.find("/")
        while at != -1:
            if folder_ignored(rel[:at]):
                return True
            at = rel.find("/", at + 1)
        return spec.match_file(rel)

    return ignored


def _without_slash(rule: str) -> str:
    """A folder-only rule as a rule for the folder's own path (``drafts/`` → ``drafts``); any other as it is."""
    stripped = rule.rstrip()
    return stripped.rstrip("/") if stripped.endswith("/") and stripped.strip("!/") else rule


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

    ignored = ignore_matcher(ignore_rules(corpus_dir))  # .zhsearchignore
    for path, rel in _readable_files(corpus_dir, unreadable):
        if ignored is not None and ignored(rel):
            continue
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


def _readable_files(corpus_dir: Path, onerror=None) -> Iterator[tuple[Path, str]]:
    """``(path, relative path)`` of every file of a format zhsearch reads, hidden
    files and folders aside (not entered).  os.walk, not rglob: rglob passes
    over a folder it cannot read without a word (``onerror`` hears of it)."""
    for folder, dirs, names in os.walk(corpus_dir, onerror=onerror):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            path = Path(folder) / name
            if not name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES + DOCUMENT_SUFFIXES and path.is_file():
                yield path, path.relative_to(corpus_dir).as_posix()


def ignored_files(corpus_dir: Path, rules: list[str]) -> list[str]:
    """The files of the corpus that ``rules`` (gitignore syntax) leave out, as
    relative paths: what ``zhsearch files --skipped`` lists as ignored."""
    matcher = ignore_matcher(rules)
    if matcher is None or not Path(corpus_dir).is_dir():
        return []
    return [rel for path, rel in sorted(_readable_files(Path(corpus_dir))) if matcher(rel)]


def clean_line(line: str, markdown: bool = False) -> str:
    """A line as displayed: glosses removed, outer spaces stripped, markup dropped."""
    line = strip_pinyin_glosses(line).strip()
    if markdown:
        line = _MD_MARKUP.sub(lambda m: m.group(2) or "", line)
        line = re.sub(r"^\s*(?:[-*+>]\s+)+", "", line)
    return line


def document_title(blocks: Blocks, fallback: str, declared: str = "") -> str:
    """The first heading that names the document, read as the page marks its
    headings (``declared``): a chapter (``章 1. GNU/Linux 教學``) as it stands,
    any other when it is long enough to be more than furniture.  A title
    stands above the text: once a paragraph has begun, a heading further down
    names a section (an option of a man page, ``-C 逐列列出项目``), and the
    document is named by ``fallback`` (its file name).  A paragraph is a block
    of body text of MIN_PASSAGE_CHARS or more, however it is wrapped; a byline
    (``作者：张三 发布时间：…``) and a page header padded with spaces
    (``LS(1)    用户命令    LS(1)``) are not one.  Nor is a heading with no
    text after it a title (a novel's last line, 第一卷完结感谢各位读者支持):
    the title names the text below it and is no passage, and that line would
    be lost."""
    last_body = None  # where the document's last body line stands: found at the first candidate
    for b, block in enumerate(blocks):
        body = 0
        for i, (_, raw, level) in enumerate(_line_roles(block or [], declared)):
            line = MD_HEADING.sub("", raw)
            if level is None:
                body += 0 if _METADATA.match(line) else len(" ".join(line.split()))
                continue
            if _METADATA.match(line) or section_number(raw):
                continue  # a numbered section (1.2 配置网络代理, in a contents list too) names no document
            chapter = outline_level(raw) == 1
            if len(_CJK.findall(line)) >= (2 if chapter else 6):
                if last_body is None:
                    last_body = _last_body_line(blocks, declared)
                if (b, i) < last_body:  # text stands below it
                    return line
        if body >= MIN_PASSAGE_CHARS:
            return fallback
    return fallback


def _last_body_line(blocks: Blocks, declared: str) -> tuple[int, int]:
    """``(block, line)`` of the document's last body line; ``(-1, -1)`` when it has none."""
    for b in range(len(blocks) - 1, -1, -1):
        roles = list(_line_roles(blocks[b] or [], declared))
        for i in range(len(roles) - 1, -1, -1):
            if roles[i][2] is None:
                return b, i
    return -1, -1


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


Blocks = list[list[tuple[int, str]] | None]  # a document's blocks, as _blocks gives them


def _blocks(lines: list[str]) -> Iterator[list[tuple[int, str]] | None]:
    """Blocks of consecutive lines, as ``(line_number, text)`` lists.

    Blank lines and rules (``---``, ``***``: no letter or digit) end a block;
    every other line is in one: no line is left out for what it says.
    ``None`` stands before a comment-section header: it and everything after
    it are readers' comments.
    """
    block: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        header = _is_word(line) and len(line) <= COMMENT_HEADER_MAX and is_comment_header(to_simplified(line))
        if not _is_word(line) or header:
            if block:
                yield block
                block = []
            if header:
                yield None
                block = [(number, line)]  # the header itself is text of the comment section
            continue
        block.append((number, line))
    if block:
        yield block


def _is_word(line: str) -> bool:
    return any(ch.isalnum() for ch in line)


def _line_roles(block: list[tuple[int, str]], declared: str, title_key: str = "") -> Iterator[tuple[int, str, int | None]]:
    """``(line_number, text, heading_level)`` for each line of a block (None: body).

    ``declared``: how the document marks its headings when it does —
    ``"markup"`` (Markdown, HTML) or ``"outline"`` (section numbers such as
    8.3.) — so that a plain line is never one; ``"lone"`` when it does not
    but has a pattern of short lines alone (:func:`lone_headings`), which are
    then headings too; ``""`` when it has neither.  A lone line that is the
    title (``title_key``, its :func:`content_key`) stays a heading: the title.
    """
    for i, (number, line) in enumerate(block):
        if declared == "markup":
            level = len(m.group(1)) if (m := MD_HEADING.match(line)) else None
        else:
            level = heading_level(line, alone=len(block) == 1, first=i == 0)
            # a document that numbers its sections declares its headings:
            # an unnumbered line there is body, unless marked up (## 附录);
            # one without a pattern of lone lines has no unnumbered headings
            if (level == UNNUMBERED_LEVEL and declared != "lone" and not line.startswith("##")
                    and content_key(line) != title_key) or (
                    declared == "outline" and level is not None and outline_level(line) is None and not line.startswith("##")):
                level = None
        yield number, line, level


def _opening_title(blocks: Blocks, declared: str) -> str | None:
    """A plain text's first line, when it stands alone, reads as a heading (short,
    no sentence; Latin words too: ``MIT OpenCourseWare``) and a paragraph follows
    it: 泡泡战士 over the article about it. Page furniture at the top of a saved
    web page (2025行业资讯, then 逾期平台 alone) is followed by more short lines."""
    if declared == "markup":
        return None
    blocks = iter(blocks)
    first, following = next(blocks, None), next(blocks, None)
    if not first or not following or len(first) != 1:
        return None
    line = first[0][1]
    if (MD_HEADING.match(line) or _METADATA.match(line) or is_caption(line) or is_admonition_label(line)
            or outline_level(line) is not None):  # a numbered line is a section (or, 第 1 章, the chapter title below)
        return None
    if not (_heading_shaped(line) and any(ch.isalpha() for ch in line)):
        return None
    body = [level for _, _, level in _line_roles(following, declared)]
    return line if body[0] is None else None


def _first_top_heading(lines: list[str]) -> int | None:
    """The line number of a Markdown document's first ``# `` heading, or None."""
    for number, line in enumerate(lines, start=1):
        m = MD_HEADING.match(line)
        if m and len(m.group(1)) == 1 and _is_word(line[m.end():]):
            return number
    return None


def _lone_lines(blocks: Blocks) -> list[str]:
    """The content keys of the short lines that stand alone between blank lines
    and read as headings: headings when a document has a pattern of them."""
    return [content_key(block[0][1]) for block in blocks
            if block and len(block) == 1 and heading_level(block[0][1]) == UNNUMBERED_LEVEL]


def _declared_headings(lines: list[str], markdown: bool, lone: list[str]) -> str:
    """``"markup"`` for a Markdown/HTML document with headings, ``"outline"``
    for one that numbers its sections at two levels or more (1.2., 8.3.1.),
    ``"lone"`` for one with a pattern of short lines alone between blank lines
    (``lone``: :func:`_lone_lines`), else ``""``."""
    if markdown and any(MD_HEADING.match(line) for line in lines):
        return "markup"
    numbered = sum(1 for line in lines if line and is_section_number(line))
    if numbered >= OUTLINE_MIN_SECTIONS:
        return "outline"
    return "lone" if lone_headings(len(lone)) else ""


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
    blocks = list(_blocks(lines))  # read once: the title, the lone lines and the passages all walk them
    lone = _lone_lines(blocks)
    declared = _declared_headings(lines, markdown, lone)
    # A marked-up document's first level-1 heading names the document, not a
    # section: # 安装指南 / ## 下载安装程序 gives the title 安装指南 and the heading
    # 下载安装程序. It is the title when the document has none of its own (Markdown,
    # HTML without <title>), and no section either when the title says it (<title>
    # 安装指南 - 某站 over <h1>安装指南; an EPUB chapter's <h1> under the book's title stays).
    title_line = _first_top_heading(lines) if declared == "markup" else None
    if title_line is not None:
        top = MD_HEADING.sub("", lines[title_line - 1])
        if not title:
            title = top
        elif to_simplified(top).lower() not in to_simplified(title).lower():
            title_line = None
    # a lone line may be the title even where lone lines are not headings
    title = (title or _opening_title(blocks, declared)
             or document_title(blocks, Path(source.split("#")[0]).stem, declared or "lone"))
    title_key = content_key(title)
    if declared == "lone" and not lone_headings(sum(key != title_key for key in lone)):
        declared = ""  # the title is no heading, and the other lone lines make no pattern

    passages: list[Passage] = []
    # (level, heading text, line number, has passages under it)
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
            entry[3] = True
        for start, piece in _split_long(body):
            start += len(piece) - len(piece.lstrip())  # where its first character stands
            at = bisect.bisect_right(line_starts, start) - 1 if line_starts else -1
            line = lines_of[at] if at >= 0 else first_line
            column = start - line_starts[at] + 1 if at >= 0 else 1
            order = per_section.get((kind, heading), 0)
            per_section[(kind, heading)] = order + 1
            passages.append(Passage(source, line, title, heading, piece.strip(), kind, order, column=column))

    def flush() -> None:
        if not paragraph:
            return
        body, line_starts = "", []  # where each joined line begins in ``body``
        previous = ""
        for line in paragraph:
            # Chinese lines join as they are; Latin words keep a space, and so do
            # the rows of a table (a line holding a tab): 单价 | 苹果, not 单价苹果
            if body and (body[-1].isascii() or line[0].isascii() or "\t" in line or "\t" in previous):
                body += " "
            line_starts.append(len(body))
            body += line
            previous = line
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

    last_orphan = (-1, 0)  # the last heading kept as text: its passage's index, its line

    def pop_to(floor: int) -> None:
        """End the sections at ``floor`` and below.  A heading with nothing under
        it (an unnumbered line that was body after all, a numbered line of a table
        or a contents list) is passage text, never lost; such lines one after
        another (a contents list) are one passage."""
        nonlocal last_orphan
        while stack and stack[-1][0] >= floor:
            level, heading, number, used = stack.pop()
            if used:
                continue
            at, line = last_orphan
            last = passages[-1] if passages and at == len(passages) - 1 and number == line + 1 else None
            if (last is not None and last.heading == join_headings(tuple(entry[1] for entry in stack))
                    and len(last.text) + len(heading) < MAX_PASSAGE_CHARS):
                passages[-1] = dataclasses.replace(last, text=f"{last.text} {heading}")
            else:
                emit(heading, number, [], [])
            last_orphan = (len(passages) - 1, number)

    for block in blocks:
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
        for number, line, level in _line_roles(block, declared, title_key):
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
            if number == title_line or content_key(heading) == title_key:
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
            stack.append([level, heading, number, False])
    take_label()
    flush()
    pop_to(0)

    if not passages:
        # A file of short lines only (a list, a poem without punctuation): its
        # lines are its content.
        passages = [
            Passage(source, n, title, "", MD_HEADING.sub("", line) if markdown else line)
            for block in blocks if block for n, line in block
        ]
    return passages
