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

A Word file or EPUB is a zip: what it unpacks to is checked against
``MAX_UNPACKED_BYTES`` before anything is unpacked (a 200 KB file can hold a
200 MB chapter), and an EPUB chapter above ``MAX_CHAPTER_BYTES`` is skipped
with a warning.  A member the zip cannot give (encrypted, an unknown
compression method, a corrupt stream) is an unreadable file or chapter, never
a traceback.
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
# What a Word file or EPUB may unpack to, and one EPUB chapter: a book of
# several thousand pages is ~20 MB of XHTML; past this, a zip bomb or an archive
# that is not a document (memory grows about 4x the text while reading).
MAX_UNPACKED_BYTES = 128 * 1024 * 1024
MAX_CHAPTER_BYTES = 32 * 1024 * 1024


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
    _check_unpacked_size(data, source, "Word file")
    try:
        return _docx_lines(docx.Document(io.BytesIO(data)), source)
    except Exception as exc:  # python-docx, lxml and zipfile raise many kinds on a damaged file
        raise UnreadableFileError(f"{source}: not a readable Word file ({type(exc).__name__}); skipped") from None


def _check_unpacked_size(data: bytes, source: str, kind: str) -> None:
    """UnreadableFileError when the zip ``data`` would unpack to more than MAX_UNPACKED_BYTES
    (the sizes its directory declares; zipfile never unpacks more than that)."""
    import zipfile

    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except Exception:  # not a zip, or a damaged one: the reader says so in its own words
        return
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableFileError(f"{source}: the {kind} unpacks to {unpacked // 2**20} MB, over the "
                                  f"{MAX_UNPACKED_BYTES // 2**20} MB zhsearch reads; skipped")


def _docx_lines(document, source: str) -> Document:
    from docx.table import Table

    title = (document.core_properties.title or "").strip() or None
    # Style names by id, read once: python-docx's paragraph.style looks the id
    # up through the whole style sheet at every paragraph (about 1 ms each).
    style_names = {style.style_id: style.name or "" for style in document.styles}
    lines: list[str] = []
    numbers: list[int] = []  # the paragraph number of each line
    number = 0
    for block in document.iter_inner_content():
        rows = _table_rows(block) if isinstance(block, Table) else [None]
        for row in rows:
            number += 1
            if row is None:  # a paragraph
                text = _paragraph_text(block.text)
                style = style_names.get(block._p.style, "")  # no style: the default, never a heading
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

    _check_unpacked_size(data, source, "EPUB")
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        container = ElementTree.fromstring(_member(book, "META-INF/container.xml"))
        opf_path = container.find(f".//{_CONTAINER}rootfile").get("full-path")
        opf = ElementTree.fromstring(_member(book, opf_path))
        manifest = {
            item.get("id"): item for item in opf.iter(f"{_OPF}item")
        }
        spine = [ref.get("idref") for ref in opf.iter(f"{_OPF}itemref")]
        title_node = opf.find(f".//{_DC}title")
    except (zipfile.BadZipFile, _MemberError, KeyError, AttributeError, TypeError, ElementTree.ParseError,
            OSError) as exc:
        raise UnreadableFileError(f"{source}: not a readable EPUB ({_reason(exc)}); skipped") from None
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
            text = decode_bytes(_member(book, posixpath.normpath(posixpath.join(base, href)), MAX_CHAPTER_BYTES))[0]
        except (KeyError, UnreadableFileError, zipfile.BadZipFile, _MemberError, OSError) as exc:
            warnings.append(f"{source}#{href}: chapter unreadable ({_reason(exc)}); skipped")
            continue
        chapter = html_document(text, f"{source}#{href}")
        if chapter.text.strip():
            documents.append(Document(chapter.source, chapter.text, book_title or chapter.title, markdown=True))
    return documents, warnings


class _MemberError(Exception):
    """A zip member that cannot be unpacked: encrypted, an unknown compression
    method, a corrupt stream, or larger than zhsearch reads."""


def _member(book, name: str, max_bytes: int = MAX_CHAPTER_BYTES) -> bytes:
    """The bytes of one member of ``book`` (KeyError when it is not there)."""
    info = book.getinfo(name)
    if info.file_size > max_bytes:
        raise _MemberError(f"{info.file_size // 2**20} MB, over the {max_bytes // 2**20} MB zhsearch reads")
    if info.flag_bits & 0x1:
        raise _MemberError("encrypted")
    try:
        return book.read(info)
    except Exception as exc:  # RuntimeError, NotImplementedError, zlib.error, BadZipFile (CRC), lzma's …
        raise _MemberError(f"cannot unpack it: {type(exc).__name__}") from None


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, _MemberError) else type(exc).__name__
