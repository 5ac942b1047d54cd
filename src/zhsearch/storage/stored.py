"""The typed record of one indexed passage, made once from Whoosh's stored fields.

Code after :meth:`StoredPassage.from_fields` reads attributes, never the
stored-field dict: a field renamed in the schema (``storage.build.make_schema``) fails
here, loudly, instead of silently switching a ranking factor off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# How a heading path is held on disk (one string): 第一章 › 第二节 › 问答.
HEADING_SEPARATOR = " › "


def location(source: str, line: int, page: int = 0, column: int = 1) -> str:
    """Where to find a passage: ``file.pdf:p12`` on a page, else ``source:line``
    (``source:line:column`` for a passage that starts inside its line)."""
    if page:
        return f"{source}:p{page}"
    return f"{source}:{line}" + (f":{column}" if column > 1 else "")


def join_headings(headings: tuple[str, ...]) -> str:
    """``("第一章", "问答")`` → ``"第一章 › 问答"``, the stored form of a heading path."""
    return HEADING_SEPARATOR.join(headings)


def split_headings(heading: str) -> tuple[str, ...]:
    """The stored heading string as its path; ``""`` is no heading at all.

    >>> split_headings("第一章 › 问答"), split_headings("")
    (('第一章', '问答'), ())
    """
    return tuple(heading.split(HEADING_SEPARATOR)) if heading else ()


# Every stored field of the schema (storage.build.make_schema), by name.
STORED_FIELDS = frozenset(
    ("source", "file", "line", "column", "page", "title", "heading", "title_norm", "heading_norm", "text", "norm", "key",
     "kind", "order")
)


def stored_fields_reader(searcher):
    """``docnum -> stored fields`` (``searcher.stored_fields``), read straight
    from the segment's column.  Whoosh's segment reader rebuilds each record
    keeping only the fields its schema still has — a schema lookup a field,
    about a third of reading a record — which matters only for a field removed
    from a schema; an index's schema never changes (``SCHEMA_VERSION``).  For
    the many passages one query reads (its candidates), the segment's column is
    found once, not once a record."""
    from whoosh.codec.whoosh3 import W3PerDocReader
    from whoosh.reading import ReaderClosed

    reader = searcher.reader()

    def read(docnum: int) -> Mapping:
        segment, local = reader, docnum
        if hasattr(reader, "_segment_and_docnum"):  # a MultiReader: the segment holding docnum
            number, local = reader._segment_and_docnum(docnum)
            segment = reader.readers[number]
        perdoc = getattr(segment, "_perdoc", None)
        if not isinstance(perdoc, W3PerDocReader) or local < 0:
            return segment.stored_fields(local)
        if segment.is_closed:
            raise ReaderClosed
        return perdoc.stored_fields(local)

    perdoc = getattr(reader, "_perdoc", None)
    if hasattr(reader, "_segment_and_docnum") or not isinstance(perdoc, W3PerDocReader):
        return read  # several segments (an updated index), or another codec
    stored_fields = perdoc.stored_fields

    def read_one_segment(docnum: int) -> Mapping:
        if docnum < 0:
            return read(docnum)
        if reader.is_closed:
            raise ReaderClosed
        return stored_fields(docnum)

    return read_one_segment


class DamagedRecord(ValueError):
    """A stored record that lacks fields of the schema: the index is damaged."""


def read_record(fields: Mapping) -> Mapping:
    """``fields`` as read from the index, checked whole: a record a damaged
    segment decodes short raises DamagedRecord (one of the read errors), so
    that :meth:`StoredPassage.from_fields` only ever fails on our own slip."""
    if not STORED_FIELDS <= fields.keys():
        raise DamagedRecord(f"a stored record lacks {sorted(STORED_FIELDS - fields.keys())}")
    return fields


@dataclass(frozen=True)
class StoredPassage:
    """One passage as the index stores it (every stored field of the schema)."""

    source: str  # the document: a corpus file, or ``file.jsonl#id``
    file: str  # the corpus file (what an update deletes by)
    line: int
    page: int  # a PDF passage's page (1-based), else 0
    title: str  # the document's title
    headings: tuple[str, ...]  # the heading path above the passage, outermost first
    title_norm: str  # the title normalised (fold_text): what the rerank compares
    heading_norm: str  # the heading path normalised, both readings of Taiwan text (both_readings)
    text: str  # as written
    norm: str  # normalised (fold_text), with Taiwan readings on a line of their own
    key: str  # content key: equal texts collapse into one hit
    kind: str  # "body", "comment" …
    order: int  # its place among the passages under the same heading (0: the first)
    column: int = 1  # where in its line it starts (1-based characters; >1 for a long line's later pieces)

    @property
    def heading(self) -> str:
        """The heading path as one string, as stored and as ``Hit.heading`` shows it."""
        return join_headings(self.headings)

    @classmethod
    def from_fields(cls, fields: Mapping) -> StoredPassage:
        """The record of Whoosh's stored fields.  No defaults: every field has been
        stored since schema 10, and an older index is refused before it is read."""
        # Every attribute at once: a frozen dataclass's __init__ sets each one
        # through object.__setattr__, which was a third of reading a record (a
        # query reads ~75).  The same attributes as ``cls(...)`` (tested).
        passage = object.__new__(cls)
        passage.__dict__.update(
            source=fields["source"],
            file=fields["file"],
            line=fields["line"],
            page=fields["page"],
            title=fields["title"],
            headings=split_headings(fields["heading"]),
            title_norm=fields["title_norm"],
            heading_norm=fields["heading_norm"],
            text=fields["text"],
            norm=fields["norm"],
            key=fields["key"],
            kind=fields["kind"],
            order=fields["order"],
            column=fields["column"],
        )
        return passage
