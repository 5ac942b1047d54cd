"""PDF text layers as documents of paragraphs, headings and page numbers (pypdf).

pypdf reads the text layer; this module puts the visual lines it reports back
into paragraphs:

* lines are grouped by the position and size pypdf reports for each run of text;
* running headers and footers (a line at the top or bottom of the page that
  stands on at least half the pages, digits aside) and page numbers
  (``12``, ``- 12 -``, ``第 12 页``, ``12 / 40``) are page furniture and dropped;
* a line set in a clearly larger size than the body, or named by the outline,
  is a heading (``#`` … by size rank or outline depth);
* a line ends its paragraph when it is short of the page's full line width or
  the next line is indented; otherwise the two are joined, without a space
  between Chinese characters (Chinese wraps without hyphens) and with one
  between Latin words (a hyphen at a Latin line end is dropped);
* every line of the result knows its page.

Why pypdf rather than pdfminer.six: ``bench/pdf_readers.py`` — pypdf reads all
four kinds of Chinese text layer written there (CID fonts GB1 and CNS1, vertical
writing, Identity-H with ToUnicode) exactly; pdfminer.six loses the CNS1 font and
breaks vertical text into one character per line; pypdf is also pure Python with
no dependencies (4.4 MB installed against 28.5 MB).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from zhsearch.errors import UnreadableFileError
from zhsearch.reading.formats import Document
from zhsearch.text.normalize import HAN, HAN_CHAR

HEADING_SIZE_RATIO = 1.15  # a line this much larger than the body text is a heading
HEADING_MAX_CHARS = 40
FULL_LINE = 0.85  # a line at least this share of the page's widest line runs on
NO_TEXT_MIN_CHARS = 1  # fewer visible characters than this on every page: no text layer
NOISE_MAX_SHARE = 0.1  # more control or private-use characters than this: an unreadable text layer

_PAGE_NUMBER = re.compile(
    r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:[/／]\s*(?:共\s*)?\d{1,4}\s*页?)?[-—–\s]*$"
    r"|^(?:page\s*)?\d{1,4}(?:\s*of\s*\d{1,4})?$",
    re.IGNORECASE,
)
_LATIN_END = re.compile(r"[A-Za-z0-9]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9]")


@dataclass
class _Line:
    page: int
    x: float
    y: float
    size: float
    text: str = ""

    @property
    def width(self) -> float:
        """Length in points, estimated: a Han character or full-width mark is one em, ASCII half."""
        return self.size * sum(0.5 if ord(ch) < 128 else 1.0 for ch in self.text.strip())


def _multiply(m, n):
    return [
        m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5],
    ]


def _page_lines(page, number: int, counts: Counter) -> list[_Line]:
    """The visual lines of one page in pypdf's reading order, with position and size;
    ``counts`` adds up its characters and those that are no text (see :func:`_noise`)."""
    lines: list[_Line] = []
    current: _Line | None = None

    def visit(text, cm, tm, font_dict, font_size):
        nonlocal current
        if not text:
            return
        m = _multiply(tm, cm)
        size = abs(font_size * math.hypot(m[2], m[3])) or font_size
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            if piece:
                if current is None:
                    current = _Line(number, m[4], m[5], size)
                if not current.text.strip() and piece.strip():
                    current.x, current.y = m[4], m[5]
                current.text += piece
                current.size = max(current.size, size) if piece.strip() else current.size
            if i < len(pieces) - 1 and current is not None:
                lines.append(current)
                current = None

    page.extract_text(visitor_text=visit)
    if current is not None:
        lines.append(current)
    for line in lines:
        counts["chars"] += sum(1 for ch in line.text if ch not in " \t")
        counts["noise"] += _noise(line.text)
        line.text = _squash_cjk(line.text)
    return [line for line in lines if line.text]


_VERTICAL_FORMS = re.compile(r"[\ufe10-\ufe19\ufe30-\ufe4f]")


def _horizontal(match: re.Match) -> str:
    """︐ → ，, ︒ → 。, ﹁ → 「: NFKC, kept full-width (NFKC makes ︐ an ASCII comma)."""
    form = unicodedata.normalize("NFKC", match.group())
    return chr(ord(form) + 0xFEE0) if len(form) == 1 and "!" <= form <= "~" else form


def _noise(text: str) -> int:
    """Characters no text has: control codes, private-use code points, U+FFFD. A font
    that maps its glyphs to no Unicode (Identity-H without ToUnicode) comes out as these."""
    return sum(1 for ch in text if ch not in "\n\t " and unicodedata.category(ch) in ("Cc", "Co", "Cs")
               or ch == "\ufffd")


def _squash_cjk(text: str) -> str:
    """White space collapsed; vertical punctuation (︒ ︐ ﹁) as its horizontal form;
    a letter-spaced line (a space between most Han characters, as justified or
    spaced-out titles come out) closed up."""
    text = _VERTICAL_FORMS.sub(_horizontal, text)
    text = " ".join(text.split())
    gaps = len(re.findall(f"(?<=[{HAN}]) (?=[{HAN}])", text))
    if gaps >= 2 and gaps * 2 >= len(HAN_CHAR.findall(text)) - 1:
        text = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)
    return text


EDGE_BAND = 0.08  # the top and bottom 8 % of a page is where running heads and page numbers sit


def _edge(lines: list[_Line], height: float) -> list[_Line]:
    """The top and bottom line of a page, and any other in its outer bands."""
    if not lines:
        return []
    ys = sorted(line.y for line in lines)
    low, high = ys[0], ys[-1]
    return [line for line in lines
            if line.y in (low, high) or line.y <= height * EDGE_BAND or line.y >= height * (1 - EDGE_BAND)]


def _furniture(pages: list[list[_Line]], heights: list[float]) -> set[int]:
    """ids of header, footer and page-number lines."""
    edges = [_edge(lines, height) for lines, height in zip(pages, heights)]
    shape = lambda line: re.sub(r"\d+", "#", line.text)  # noqa: E731
    counts = Counter(s for lines in edges for s in {shape(line) for line in lines})
    repeated = {s for s, n in counts.items() if len(pages) >= 2 and n >= max(2, len(pages) / 2)}
    return {id(line) for lines in edges for line in lines if _PAGE_NUMBER.match(line.text) or shape(line) in repeated}


def _outline_titles(reader) -> dict[str, int]:
    """Outline entries: their text (spaces removed) and depth (1 = top)."""
    titles: dict[str, int] = {}

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                title = "".join(str(getattr(item, "title", "") or "").split())
                if title:
                    titles.setdefault(title, depth)

    try:
        walk(reader.outline, 1)
    except Exception:  # a damaged outline costs the headings it would give, nothing more
        return {}
    return titles


def join_lines(left: str, right: str) -> str:
    """Two lines of one paragraph as one: no space where Chinese wraps, one between
    Latin words, a Latin word's hyphen at the break dropped.

    >>> join_lines("将押金", "全额退还。"), join_lines("written no-", "tice")
    ('将押金全额退还。', 'written notice')
    """
    if left.endswith("-") and _LATIN_START.match(right) and len(left) > 1 and left[-2].isalpha():
        return left[:-1] + right
    return left + (" " if _LATIN_END.search(left) and _LATIN_START.match(right) else "") + right


def pdf_document(data: bytes, source: str) -> Document:
    """The text layer of a PDF as one document: paragraphs, ``#`` headings, a page per line.

    Raises UnreadableFileError when the file is not a PDF pypdf can open, or has
    no text layer (a scan: OCR it first).
    """
    import io
    import logging

    import pypdf

    # pypdf logs what it repairs ("EOF marker not found") on stderr; the one line a
    # user sees about a file is ours
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.CRITICAL)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError(f"{source}: the PDF is locked with a password; skipped")
        counts: Counter = Counter()
        pages = [_page_lines(page, number, counts) for number, page in enumerate(reader.pages, start=1)]
        heights = [float(page.mediabox.height) for page in reader.pages]
        outline = _outline_titles(reader)
        meta_title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    except UnreadableFileError:
        raise
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise UnreadableFileError(f"{source}: not a readable PDF ({type(exc).__name__}); skipped") from None
    finally:
        pypdf_log.setLevel(level)
    if not pages or all(sum(len(line.text.strip()) for line in lines) < NO_TEXT_MIN_CHARS for lines in pages):
        raise UnreadableFileError(f"{source}: no text layer; OCR it first; skipped")
    if counts["noise"] > NOISE_MAX_SHARE * counts["chars"]:
        raise UnreadableFileError(f"{source}: its text layer is unreadable (fonts without a Unicode map); "
                                  "OCR it first; skipped")

    drop = _furniture(pages, heights)
    body = [line for lines in pages for line in lines if id(line) not in drop]
    sizes = Counter()
    for line in body:
        sizes[round(line.size, 1)] += len(line.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 0.0
    heading_sizes = sorted({round(line.size, 1) for line in body
                            if line.size >= body_size * HEADING_SIZE_RATIO and len(line.text) <= HEADING_MAX_CHARS},
                           reverse=True)
    def heading(line: _Line) -> int:
        key = "".join(line.text.split())
        if key in outline:
            return min(outline[key], 6)
        if round(line.size, 1) in heading_sizes and len(line.text) <= HEADING_MAX_CHARS:
            return min(heading_sizes.index(round(line.size, 1)) + 1, 6)
        return 0

    levels = {id(line): heading(line) for line in body}
    title = str(meta_title).strip() if meta_title and HAN_CHAR.search(str(meta_title)) else None
    set_large = [line for line in body if levels[id(line)]]
    if len(set_large) == 1 and not outline:
        # One line in large type is the document's title, not a structure of
        # headings: marking it would tell the splitter the document marks its
        # headings, and numbered ones set in body type (一、总则) would be lost.
        levels[id(set_large[0])] = 0
        title = title or set_large[0].text
    widest: dict[int, float] = {}  # the page's full line width: its widest body line
    left: dict[int, float] = {}
    for line in body:
        if not levels[id(line)]:
            widest[line.page] = max(widest.get(line.page, 0.0), line.width)
        left[line.page] = min(left.get(line.page, line.x), line.x)

    def indented(line: _Line) -> bool:
        return line.x > left[line.page] + 0.8 * max(line.size, 1.0)

    out_lines: list[str] = []
    out_pages: list[int] = []

    def emit(text: str, page: int) -> None:
        out_lines.extend([text, ""])
        out_pages.extend([page, page])

    paragraph, start_page, previous = "", 0, None
    for line in body:
        level = levels[id(line)]
        continues = (
            paragraph
            and previous is not None
            and not level
            and not indented(line)
            and previous.width >= FULL_LINE * widest[previous.page]
        )
        if continues:
            paragraph = join_lines(paragraph, line.text)
        else:
            if paragraph:
                emit(paragraph, start_page)
            paragraph, start_page = line.text, line.page
        if level:
            emit("#" * level + " " + paragraph, start_page)
            paragraph, previous = "", None
        else:
            previous = line
    if paragraph:
        emit(paragraph, start_page)
    return Document(source, "\n".join(out_lines), title, markdown=True, pages=tuple(out_pages))
