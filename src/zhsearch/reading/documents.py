"""Binary document formats: PDF, Word (``.docx``) and EPUB files as documents.

* ``.pdf``  — the text layer, by page (:mod:`zhsearch.reading.pdf`, pypdf); a passage
  carries its page, shown as ``file.pdf:p12``;
* ``.docx`` — paragraphs in body order (python-docx); ``Heading 1…`` styles
  (or ``标题 1…``) are the heading path, ``Title`` the title, a table is read
  row by row (``header：cell；…``); a passage's line is its paragraph's number
  (a table row counts as one paragraph);
* ``.epub`` — each chapter of the spine is a document ``book.epub#chapter.xhtml``,
  read by the HTML reader (``h1``–``h6`` are headings); the book's title is the
  title.  The zip and OPF are read with the standard library.

pypdf and python-docx come with the ``documents`` extra
(``pip install 'zhsearch[documents]'``); without it such files are skipped with
one warning.  Each is imported only when a file needs it.
"""

from __future__ import annotations

import io
import posixpath
import re

from zhsearch.reading.encodings import decode_bytes
from zhsearch.errors import MissingExtraError, UnreadableFileError
from zhsearch.reading.formats import Document, html_document, table_lines

EXTRA = "documents"

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)


def read_documents(data: bytes, source: str) -> tuple[list[Document], list[str]]:
    """The documents of one PDF, DOCX or EPUB file's bytes, and warnings about skipped parts.

    Raises UnreadableFileError (one line naming ``source``) when the file cannot be read.
    """
    lowered = source.lower()
    if lowered.endswith(".epub"):
        return epub_documents(data, source)
    if lowered.endswith(".pdf"):
        try:
            from zhsearch.reading.pdf import pdf_document
            import pypdf  # noqa: F401
        except ImportError:
            raise MissingExtraError(f"{source}: reading PDF needs the {EXTRA} extra") from None
        return [pdf_document(data, source)], []
    if lowered.endswith(".docx"):
        return [docx_document(data, source)], []
    raise UnreadableFileError(f"{source}: not a document format zhsearch reads; skipped")


def docx_document(data: bytes, source: str) -> Document:
    """A Word file's paragraphs and table rows, headings from their styles."""
    try:
        import docx
    except ImportError:
        raise MissingExtraError(f"{source}: reading Word files needs the {EXTRA} extra") from None
    try:
        return _docx_lines(docx.Document(io.BytesIO(data)), source)
    except Exception as exc:  # python-docx and lxml raise many kinds on a damaged file
        raise UnreadableFileError(f"{source}: not a readable Word file ({type(exc).__name__}); skipped") from None


def _docx_lines(document, source: str) -> Document:
    from docx.table import Table

    title = (document.core_properties.title or "").strip() or None
    lines: list[str] = []
    numbers: list[int] = []  # the paragraph number of each line
    number = 0
    for block in document.iter_inner_content():
        rows = _table_rows(block) if isinstance(block, Table) else [None]
        for row in rows:
            number += 1
            if row is None:  # a paragraph
                text = _paragraph_text(block.text)
                style = (block.style.name if block.style is not None else "") or ""
                if text and style.lower() == "title":
                    title = title or text
                    continue
                if text and (match := _HEADING_STYLE.match(style.strip())):
                    text = "#" * min(int(match.group(1)), 6) + " " + text
            else:
                text = row
            if text:
                lines.extend([text, ""])
                numbers.extend([number, number])
    return Document(source, "\n".join(lines), title, markdown=True, line_numbers=tuple(numbers))


def _paragraph_text(text: str) -> str:
    """One line: a soft line break between Chinese characters closed up, other white space one space."""
    return " ".join(re.sub(r"(?<=[^\x00-\x7f])\s*\n\s*(?=[^\x00-\x7f])", "", text).split())


def _table_rows(table) -> list[str]:
    """Each row as one line (``""`` for the header row or an empty one); under a
    header row, ``header：cell；header：cell``, so that a row answers on its own."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = _paragraph_text(cell.text)
            if not cells or text != cells[-1]:  # a merged cell repeats in each column it spans
                cells.append(text)
        rows.append(cells)
    return table_lines(rows)


_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"


def epub_documents(data: bytes, source: str) -> tuple[list[Document], list[str]]:
    """One document per chapter of an EPUB's spine, in reading order."""
    import zipfile  # here, not at the top: importing zhsearch for a search need not pay for them
    from xml.etree import ElementTree

    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        container = ElementTree.fromstring(book.read("META-INF/container.xml"))
        opf_path = container.find(f".//{_CONTAINER}rootfile").get("full-path")
        opf = ElementTree.fromstring(book.read(opf_path))
        manifest = {
            item.get("id"): item for item in opf.iter(f"{_OPF}item")
        }
        spine = [ref.get("idref") for ref in opf.iter(f"{_OPF}itemref")]
        title_node = opf.find(f".//{_DC}title")
    except (zipfile.BadZipFile, KeyError, AttributeError, ElementTree.ParseError, OSError) as exc:
        raise UnreadableFileError(f"{source}: not a readable EPUB ({type(exc).__name__}); skipped") from None
    book_title = " ".join((title_node.text or "").split()) if title_node is not None else ""
    base = posixpath.dirname(opf_path)
    documents, warnings = [], []
    for idref in spine:
        item = manifest.get(idref)
        if item is None or "nav" in (item.get("properties") or "").split():
            continue  # the table of contents repeats the headings
        if item.get("media-type") not in ("application/xhtml+xml", "text/html"):
            continue
        href = item.get("href") or ""
        try:
            text = decode_bytes(book.read(posixpath.normpath(posixpath.join(base, href))))[0]
        except (KeyError, UnreadableFileError, zipfile.BadZipFile, OSError) as exc:
            warnings.append(f"{source}#{href}: chapter unreadable ({type(exc).__name__}); skipped")
            continue
        chapter = html_document(text, f"{source}#{href}")
        if chapter.text.strip():
            documents.append(Document(chapter.source, chapter.text, book_title or chapter.title, markdown=True))
    return documents, warnings
