"""The stored-fields column: each passage's record pickled and deflated against a
preset dictionary.

Whoosh deflates each stored record on its own (``STORED_COLUMN``), so each one
pays again for what all share: the field names, pickle's framing, the usual
values ("body", ``.jsonl#``).  Records are read one by one (the candidates of a
query), so they cannot be deflated together; zlib's preset dictionary (``zdict``)
gives each the shared part for free: a fifth less stored text at 10,000 poems,
and reading one costs no more.  The dictionary is part of the index format:
change it only with ``layout.SCHEMA_VERSION``.
"""

from __future__ import annotations

import pickle
import zlib

import zhsearch.whoosh_without_asyncio  # noqa: F401  (first: whoosh without asyncio)
from whoosh import columns

# A record as a build writes it (fields in Whoosh's order), with typical values.
_SKELETON = {
    "column": 1, "file": "", "heading": "", "heading_norm": "", "key": "", "kind": "body", "line": 1,
    "norm": "", "order": 0, "page": 0, "source": ".jsonl#", "text": "", "title": "", "title_norm": "",
}
DICTIONARY = pickle.dumps(_SKELETON, protocol=4) + ".txt.md.html，。comment".encode("utf-8")
LEVEL = 6


def encode_record(fields: dict) -> bytes:
    """A record as the column holds it.

    >>> decode_record(encode_record({"text": "上门"}))
    {'text': '上门'}
    """
    deflate = zlib.compressobj(LEVEL, zdict=DICTIONARY)
    return deflate.compress(pickle.dumps(fields, protocol=4)) + deflate.flush()


def decode_record(data: bytes) -> dict | None:
    if not data:
        return None
    inflate = zlib.decompressobj(zdict=DICTIONARY)
    return pickle.loads(inflate.decompress(data) + inflate.flush())


class RecordColumn(columns.VarBytesColumn):
    """Stored records, each :func:`encode_record`'s bytes in a variable-bytes column."""

    class Writer(columns.VarBytesColumn.Writer):
        def add(self, docnum, v):
            columns.VarBytesColumn.Writer.add(self, docnum, encode_record(v))

        def add_encoded(self, docnum: int, data: bytes) -> None:
            """A record a worker encoded already (a bulk build)."""
            columns.VarBytesColumn.Writer.add(self, docnum, data)

    class Reader(columns.VarBytesColumn.Reader):
        def __getitem__(self, docnum):
            return decode_record(columns.VarBytesColumn.Reader.__getitem__(self, docnum))

        def __iter__(self):
            for data in columns.VarBytesColumn.Reader.__iter__(self):
                yield decode_record(data)

        def load(self):
            return list(self)


RECORDS = RecordColumn()
