"""File formats: each turns a file's text into documents of plain lines.

* ``.txt`` — as it is;
* ``.md`` / ``.markdown`` — markup stripped by the passage splitter;
* ``.html`` / ``.htm`` — visible text only (no script, style, nav, header,
  footer, forms), headings kept as headings, ``<title>`` as the title;
* ``.jsonl`` — one document per line, ``{"text": …, "id": …, "title": …}``;
  the document's source is ``file.jsonl#id`` (or ``#line``).

PDF, Word (``.docx``) and EPUB files are read by :mod:`zhsearch.reading.documents`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")
DOCUMENT_SUFFIXES = (".pdf", ".docx", ".epub")  # binary formats: zhsearch.reading.documents


@dataclass(frozen=True)
class Document:
    source: str  # relative path, or path#id for a JSONL record
    text: str
    title: str | None = None  # None: taken from the text
    markdown: bool = False
    # Where each line of ``text`` stands in the original, for formats whose lines
    # are not the file's lines: its page (PDF), its own number (DOCX paragraphs).
    # None: the text's own line numbers, no page.
    pages: tuple[int, ...] | None = None
    line_numbers: tuple[int, ...] | None = None
    # Text the reader left out as page furniture, by why: characters of
    # ``html <nav>`` and the like (what ``zhsearch files`` and ``stats`` count).
    left_out: tuple[tuple[str, int], ...] = ()


_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg",
         "iframe", "button", "select", "template", "head"}
_BLOCK = {"p", "div", "li", "br", "tr", "section", "article", "blockquote", "pre", "table",
          "dd", "dt", "ul", "ol", "main", "figure", "figcaption", "hr", "td", "th"}
_HEADING = re.compile(r"^h([1-6])$")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.heading_level = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.skipping = ""  # the outermost furniture tag being skipped
        self.left_out: dict[str, int] = {}  # characters left out, by that tag
        # the outermost table being read: its rows of cells, written out as lines at </table>
        self.table_depth = 0
        self.rows: list[list[str]] = []

    def _break(self):
        if self.table_depth:  # inside a table a block only separates words of its cell
            self.current.append(" ")
            return
        text = " ".join("".join(self.current).split())
        if text:
            prefix = "#" * self.heading_level + " " if self.heading_level else ""
            self.lines.extend([prefix + text, ""])
        self.current = []

    def _end_cell(self):
        if self.table_depth == 1 and self.rows:
            self.rows[-1].append(" ".join("".join(self.current).split()))
        self.current = []

    def _table_tag(self, tag: str, start: bool) -> bool:
        """A table read row by row (each row one line, as a Word table is); True when handled."""
        if tag == "table":
            if start:
                if not self.table_depth:
                    self._break()
                    self.rows = []
                self.table_depth += 1
            elif self.table_depth:
                self.table_depth -= 1
                if not self.table_depth:
                    self.current = []
                    rows = [[c for c in row] for row in self.rows if any(row)]
                    for line in table_lines(rows):
                        if line:
                            self.lines.extend([line, ""])
            return True
        if self.table_depth != 1:
            return False
        if tag == "tr":
            stray = " ".join("".join(self.current).split())
            if start and stray and not any(self.rows):  # a caption: its own line, above the rows
                self.lines.extend([stray, ""])
            if start:
                self.rows.append([])
            self.current = []
            return True
        if tag in ("td", "th"):
            if start:
                self.current = []
                if not self.rows:
                    self.rows.append([])
            else:
                self._end_cell()
            return True
        return False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        if tag in _SKIP:
            if self.skip_depth == 0:
                self.skipping = tag
            self.skip_depth += 1
        elif self.skip_depth == 0 and self._table_tag(tag, True):
            return
        elif self.skip_depth == 0:
            m = _HEADING.match(tag)
            if m or tag in _BLOCK:
                self._break()
            if m:
                self.heading_level = int(m.group(1))

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif self.skip_depth == 0 and self._table_tag(tag, False):
            return
        elif self.skip_depth == 0:
            if _HEADING.match(tag):
                self._break()
                self.heading_level = 0
            elif tag in _BLOCK:
                self._break()

    def handle_data(self, data):
        if self.in_title:
            self.title_parts.append(data)
        elif self.skip_depth == 0:
            self.current.append(data)
        elif self.skipping not in ("head", "script", "style", "svg", "template") and (chars := len("".join(data.split()))):
            # visible furniture (nav, header, footer, aside, forms): counted, not indexed
            reason = f"html <{self.skipping}>"
            self.left_out[reason] = self.left_out.get(reason, 0) + chars


_ROW_END = "。！？!?；;.…"


def table_lines(rows: list[list[str]]) -> list[str]:
    """A table's rows, each one line (``""`` for a header row or an empty one): under
    a header row ``header：cell；header：cell``, so that a row answers on its own,
    else ``cell | cell``. A row ends as a sentence (``。``): short rows read together
    stay apart (``…3天。假期类型：产假；…``, not ``3天假期类型``) and none heads a section.

    >>> table_lines([["假期类型", "天数"], ["婚假", "3天"], ["产假", "158天"]])
    ['', '假期类型：婚假；天数：3天。', '假期类型：产假；天数：158天。']
    """
    header = rows[0] if len(rows) > 1 and len(rows[0]) >= 2 and all(rows[0]) else None
    out = []
    for i, cells in enumerate(rows):
        if header and i == 0:
            out.append("")  # each row below names its columns
            continue
        if header and len(cells) == len(header):
            line = "；".join(f"{h}：{c}" for h, c in zip(header, cells) if c)
        else:
            line = " | ".join(c for c in cells if c)
        if line and line[-1] not in _ROW_END:
            line += "。"
        out.append(line)
    return out


def html_document(text: str, source: str) -> Document:
    """Visible text of an HTML page, headings as Markdown headings, ``<title>`` as the title."""
    parser = _VisibleText()
    parser.feed(text)
    parser.close()
    parser._break()
    title = " ".join("".join(parser.title_parts).split()) or None
    return Document(source, "\n".join(parser.lines), title, markdown=True, left_out=tuple(sorted(parser.left_out.items())))


def jsonl_documents(text: str, source: str) -> tuple[list[Document], list[str]]:
    """Documents of a JSONL file and one warning per bad line (with its number)."""
    documents, warnings = [], []
    seen: dict[str, tuple[int, bool]] = {}  # source -> the line that took it, and whether by its id
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            # exc.msg alone can end mid-sentence ("Invalid control character at"): say where
            warnings.append(f"{source}:{number}: not JSON ({exc.msg.removesuffix(' at')} at column {exc.colno}); "
                            "line skipped")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            warnings.append(f'{source}:{number}: needs an object with a "text" string; line skipped')
            continue
        given = record.get("id")
        has_id = isinstance(given, (str, int)) and bool(str(given).strip())
        ident = str(given) if has_id else str(number)
        if f"{source}#{ident}" in seen:  # a repeated id (or 1 beside "1"): the records stay apart
            first, by_id = seen[f"{source}#{ident}"]
            # a record without an id is named by its line number, which another's id may hold
            named = f"id {json.dumps(given, ensure_ascii=False)}" if has_id else f"its line number, {number},"
            taken = f"line {first}'s id" if by_id else f"the name of line {first}, which has no id,"
            base, ident = ident, f"{ident}~{number}"
            extra = 1
            while f"{source}#{ident}" in seen:  # an id that is itself such a name (1~3)
                extra += 1
                ident = f"{base}~{number}~{extra}"
            warnings.append(f"{source}:{number}: {named} is {taken} too; this record is {source}#{ident}")
        seen[f"{source}#{ident}"] = (number, has_id)
        title = record.get("title") if isinstance(record.get("title"), str) else None
        documents.append(Document(f"{source}#{ident}", record["text"], title or None))
    return documents, warnings


def documents_of(text: str, source: str) -> tuple[list[Document], list[str]]:
    """The documents in one file's text, by its suffix, and warnings about skipped parts."""
    lowered = source.lower()
    if lowered.endswith((".html", ".htm")):
        return [html_document(text, source)], []
    if lowered.endswith(".jsonl"):
        return jsonl_documents(text, source)
    return [Document(source, text, None, markdown=lowered.endswith((".md", ".markdown")))], []
