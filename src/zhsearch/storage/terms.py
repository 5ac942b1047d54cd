"""A Whoosh codec whose term dictionary is a compact sorted table.

Whoosh's own codec (W3) keeps its term dictionary in an on-disk hash: per term,
8 bytes of lengths, a 2-slot hash entry (24 bytes), an index entry, the key and
a fixed 23-byte term record, postings of rare terms inlined after it with
4-byte ids and weights.  About 90 bytes a term.  Chinese text indexed by
character bigram has hundreds of thousands of distinct terms, most met once
(50,000 classical poems: 570,000 terms a segment), so that dictionary was three
quarters of the index.

This codec changes only the dictionary; postings, columns and stored fields are
W3's.  Terms are written in order in blocks of :data:`BLOCK` entries, each key
front-coded against the previous one, each term record in varints (an integral
weight — every weight here is a count — takes one byte).  A small index of
every block's first key is read when the segment opens; a lookup bisects it
and scans one block.  About 20 bytes a term.  Everything Whoosh asks of a terms
reader (lookup, frequencies, ordered iteration from a prefix, cursors,
matchers) is answered; the term records decode to Whoosh's own
``W3TermInfo``, so its matchers read them unchanged.
"""

from __future__ import annotations

import bisect
import marshal
import struct

import zhsearch.whoosh_without_asyncio  # noqa: F401  (first: whoosh without asyncio)
from whoosh.codec import base
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PerDocReader, W3PerDocWriter, W3TermInfo
from whoosh.reading import TermNotFound
from whoosh.system import pack_ushort, unpack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from zhsearch.storage.records import RECORDS

MAGIC = b"ZHT2"  # the record format: a table of another version is refused, not misread
BLOCK = 32  # entries a block: the scan a lookup pays, against the index kept in memory
RECENT_LOOKUPS = 4096
_TRAILER = struct.Struct("!Q")
_FLOAT = struct.Struct("!f")
_UINT = struct.Struct("!I")


# --- varints ------------------------------------------------------------------


def _put_uint(out: bytearray, n: int) -> None:
    if n < 0x80:
        out.append(n)
        return
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _get_uint(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return n, pos
        shift += 7


def _put_float(out: bytearray, x: float) -> None:
    """A whole number as a varint (low bit 0); anything else as a float32 (tag 1)."""
    if x == int(x) and 0 <= x < (1 << 40):
        _put_uint(out, int(x) << 1)
    else:
        out.append(1)
        out += _FLOAT.pack(x)


def _get_float(data: bytes, pos: int) -> tuple[float, int]:
    if data[pos] == 1:
        return _FLOAT.unpack_from(data, pos + 1)[0], pos + 5
    n, pos = _get_uint(data, pos)
    return float(n >> 1), pos


# --- term records ----------------------------------------------------------------


_EXTENT, _INLINE, _SINGLE = 0, 1, 2  # record kinds


def _put_value(out: bytearray, value: bytes | None, weight: float) -> None:
    """A posting's value: 0 for none, 1 for the usual frequency (the weight as a
    4-byte count, which W3's frequency format stores), else its length + 2."""
    if value is None:
        out.append(0)
    elif weight == int(weight) and 0 <= weight < (1 << 32) and value == _UINT.pack(int(weight)):
        out.append(1)
    else:
        _put_uint(out, len(value) + 2)
        out += value


def _get_value(data: bytes, pos: int, weight: float) -> tuple[bytes | None, int]:
    code, pos = _get_uint(data, pos)
    if code == 0:
        return None, pos
    if code == 1:
        return _UINT.pack(int(weight)), pos
    return data[pos : pos + code - 2], pos + code - 2


def encode_terminfo(ti: W3TermInfo) -> bytes:
    out = bytearray()
    minlength = 0 if ti._minlength is None else length_to_byte(ti._minlength)
    maxlength = length_to_byte(ti._maxlength)
    if ti.is_inlined():
        ids, weights, values = ti.inlined_postings()
        if (
            len(ids) == 1 and ti._df == 1 and ti._minid == ti._maxid == ids[0]
            and ti._weight == ti._maxweight == weights[0]
        ):
            # one posting: the commonest term of all (a bigram met once)
            out.append(_SINGLE)
            _put_float(out, ti._weight)
            out.append(minlength)
            out.append(maxlength)
            _put_uint(out, ids[0])
            _put_value(out, values[0], weights[0])
            return bytes(out)
    out.append(_INLINE if ti.is_inlined() else _EXTENT)
    _put_float(out, ti._weight)
    _put_uint(out, ti._df)
    out.append(minlength)
    out.append(maxlength)
    _put_float(out, ti._maxweight)
    minid = ti._minid
    _put_uint(out, 0 if minid is None else minid + 1)
    _put_uint(out, 0 if ti._maxid is None else ti._maxid - (minid or 0) + 1)
    if ti.is_inlined():
        _put_uint(out, len(ids))
        _put_postings(out, ids, weights, values, minid or 0)
    else:
        offset, length = ti.extent()
        _put_uint(out, offset)
        _put_uint(out, length)
    return bytes(out)


# Whoosh's W3 postings writer keeps up to this many postings of a term inline in
# its term record (W3PostingsWriter.finish_postings), and so does encode_short.
SHORT_POSTINGS = 8


def encode_short(ids, weights, values, lengths) -> bytes:
    """The record :func:`encode_terminfo` writes for a term of at most
    SHORT_POSTINGS postings (``ids`` increasing; ``lengths`` the field lengths
    as the length column gives them back, 0 for none), without building the
    Whoosh writer's term info first: what a bulk build writes for most terms."""
    count = len(ids)
    weight = 0.0
    for w in weights:
        weight += w
    maxweight = max(0, max(weights))
    found = [n for n in lengths if n]
    minlength = length_to_byte(min(found)) if found else 0
    maxlength = length_to_byte(max(lengths) if found else 0)
    out = bytearray()
    if count == 1:
        out.append(_SINGLE)
        _put_float(out, weight)
        out.append(minlength)
        out.append(maxlength)
        _put_uint(out, ids[0])
        _put_value(out, values[0], weights[0])
        return bytes(out)
    out.append(_INLINE)
    _put_float(out, weight)
    _put_uint(out, count)
    out.append(minlength)
    out.append(maxlength)
    _put_float(out, maxweight)
    minid = ids[0]
    _put_uint(out, minid + 1)
    _put_uint(out, ids[-1] - minid + 1)
    _put_uint(out, count)
    _put_postings(out, ids, weights, values, minid)
    return bytes(out)


def _put_postings(out: bytearray, ids, weights, values, previous: int) -> None:
    """An inlined posting list: document ids as gaps from ``previous``, then the weights, then the values."""
    for docid in ids:
        _put_uint(out, docid - previous)
        previous = docid
    for weight in weights:
        _put_float(out, weight)
    for value, weight in zip(values, weights):
        _put_value(out, value, weight)


def decode_terminfo(data: bytes) -> W3TermInfo:
    ti = W3TermInfo()
    kind = data[0]
    if kind == _SINGLE:
        weight, pos = _get_float(data, 1)
        ti._weight = ti._maxweight = weight
        ti._df = 1
        ti._minlength = byte_to_length(data[pos])
        ti._maxlength = byte_to_length(data[pos + 1])
        docid, pos = _get_uint(data, pos + 2)
        ti._minid = ti._maxid = docid
        value, pos = _get_value(data, pos, weight)
        ti._inlined = ((docid,), (weight,), (value,))
        return ti
    ti._weight, pos = _get_float(data, 1)
    ti._df, pos = _get_uint(data, pos)
    ti._minlength = byte_to_length(data[pos])
    ti._maxlength = byte_to_length(data[pos + 1])
    ti._maxweight, pos = _get_float(data, pos + 2)
    minid, pos = _get_uint(data, pos)
    maxid, pos = _get_uint(data, pos)
    ti._minid = None if minid == 0 else minid - 1
    ti._maxid = None if maxid == 0 else maxid - 1 + (ti._minid or 0)
    if kind == _INLINE:
        count, pos = _get_uint(data, pos)
        ids, weights, values = [], [], []
        docid = ti._minid or 0
        for _ in range(count):
            delta, pos = _get_uint(data, pos)
            docid += delta
            ids.append(docid)
        for _ in range(count):
            weight, pos = _get_float(data, pos)
            weights.append(weight)
        for weight in weights:
            value, pos = _get_value(data, pos, weight)
            values.append(value)
        ti._inlined = (tuple(ids), tuple(weights), tuple(values))
    else:
        offset, pos = _get_uint(data, pos)
        length, pos = _get_uint(data, pos)
        ti.set_extent(offset, length)
    return ti


# --- the sorted table ------------------------------------------------------------


class TermTableWriter:
    """Ordered ``key → value`` pairs, front-coded in blocks, with an index of blocks."""

    def __init__(self, dbfile):
        self.dbfile = dbfile
        self.extras: dict = {}
        self._first_keys: list[bytes] = []
        self._offsets: list[int] = []
        self._count = 0
        self._previous = b""
        dbfile.write(MAGIC)
        self._out = bytearray()  # written to the file a block at a time
        self._at = dbfile.tell()  # where self._out starts in the file

    def add(self, key: bytes, value: bytes) -> None:
        if self._count and key <= self._previous:
            raise ValueError(f"keys must increase: {self._previous!r} then {key!r}")
        out = self._out
        if self._count % BLOCK == 0:
            if len(out) >= 1 << 16:
                self._flush()
            self._first_keys.append(key)
            self._offsets.append(self._at + len(out))
            shared = 0
        else:
            shared, limit, previous = 0, min(len(key), len(self._previous)), self._previous
            while shared < limit and key[shared] == previous[shared]:
                shared += 1
        _put_uint(out, shared)
        _put_uint(out, len(key) - shared)
        out += key[shared:]
        _put_uint(out, len(value))
        out += value
        self._previous = key
        self._count += 1

    def _flush(self) -> None:
        self.dbfile.write(bytes(self._out))
        self._at += len(self._out)
        self._out.clear()

    def close(self) -> None:
        self._flush()
        index_at = self.dbfile.tell()
        self.dbfile.write(marshal.dumps((self._first_keys, self._offsets, self._count, self.extras)))
        self.dbfile.write(_TRAILER.pack(index_at))
        self.dbfile.close()


class TermTable:
    """Reads a :class:`TermTableWriter` file."""

    def __init__(self, dbfile, length: int):
        self.dbfile = dbfile
        if dbfile.get(0, len(MAGIC)) != MAGIC:
            raise ValueError("not a zhsearch term table")
        (index_at,) = _TRAILER.unpack(dbfile.get(length - _TRAILER.size, _TRAILER.size))
        self._first_keys, self._offsets, self.count, self.extras = marshal.loads(
            dbfile.get(index_at, length - _TRAILER.size - index_at)
        )
        self._end = index_at
        self._recent: dict[bytes, bytes | None] = {}

    def _entries(self, i: int):
        """The ``(key, value)`` pairs of block ``i``, decoded as they are read."""
        start = self._offsets[i]
        end = self._offsets[i + 1] if i + 1 < len(self._offsets) else self._end
        data = self.dbfile.get(start, end - start)
        pos, key = 0, b""
        while pos < len(data):
            shared, pos = _get_uint(data, pos)
            size, pos = _get_uint(data, pos)
            key = key[:shared] + data[pos : pos + size]
            pos += size
            size, pos = _get_uint(data, pos)
            yield key, data[pos : pos + size]
            pos += size

    def get(self, key: bytes) -> bytes | None:
        # A query asks for the same term several times (is it there, its
        # frequency, its postings, per segment): recent answers are kept.
        try:
            return self._recent[key]
        except KeyError:
            pass
        value = self._lookup(key)
        if len(self._recent) >= RECENT_LOOKUPS:
            self._recent.clear()
        self._recent[key] = value
        return value

    def _lookup(self, key: bytes) -> bytes | None:
        i = bisect.bisect_right(self._first_keys, key) - 1
        if i < 0:
            return None
        for current, value in self._entries(i):
            if current >= key:
                return value if current == key else None
        return None

    def items_from(self, key: bytes = b""):
        """Every ``(key, value)`` from the first key ≥ ``key``, in order."""
        i = max(0, bisect.bisect_right(self._first_keys, key) - 1)
        for block in range(i, len(self._offsets)):
            for k, value in self._entries(block):
                if k >= key:
                    yield k, value

    def close(self) -> None:
        self.dbfile.close()


# --- the codec ----------------------------------------------------------------------


class CompactCodec(W3Codec):
    """W3 with the compact term dictionary (see the module docstring) and stored
    records deflated against a preset dictionary (:mod:`zhsearch.storage.records`)."""

    def per_document_writer(self, storage, segment):
        return RecordsPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return RecordsPerDocReader(storage, segment)

    def field_writer(self, storage, segment):
        return CompactFieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        name = segment.make_filename(self.TERMS_EXT)
        length = storage.file_length(name)
        return CompactTermsReader(self, storage.open_file(name), length, segment.open_file(storage, self.POSTS_EXT))


class RecordsPerDocWriter(W3PerDocWriter):
    """W3's per-passage writer with the stored records in a :class:`RecordColumn`."""

    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, RECORDS if fieldname == "_stored" else column)


class RecordsPerDocReader(W3PerDocReader):
    def _cached_reader(self, fieldname, column):
        return super()._cached_reader(fieldname, RECORDS if fieldname == "_stored" else column)


class CompactFieldWriter(W3FieldWriter):
    # W3FieldWriter.__init__ with the term table in place of its hash writer
    # (calling it would create the terms file twice).
    def __init__(self, codec, storage, segment):
        self._codec = codec
        self._storage = storage
        self._segment = segment
        self._fieldname = self._fieldid = self._btext = self._fieldobj = self._format = None
        self._tindex = TermTableWriter(self._create_file(W3Codec.TERMS_EXT))
        self._fieldmap = self._tindex.extras["fieldmap"] = {}
        self._postfile = self._create_file(W3Codec.POSTS_EXT)
        self._postwriter = None
        self._infield = False
        self.is_closed = False

    def finish_term(self):
        terminfo = self._postwriter.finish_postings()
        self._tindex.add(pack_ushort(self._fieldid) + self._btext, encode_terminfo(terminfo))

    def add_short_term(self, btext: bytes, record: bytes) -> None:
        """A term whose postings :func:`encode_short` put in ``record`` (a bulk build)."""
        self._tindex.add(pack_ushort(self._fieldid) + btext, record)


class CompactTermsReader(base.TermsReader):
    def __init__(self, codec, dbfile, length, postfile):
        self._codec = codec
        self._table = TermTable(dbfile, length)
        self._fieldmap = self._table.extras["fieldmap"]
        self._postfile = postfile
        self._fieldunmap = {num: name for name, num in self._fieldmap.items()}

    def _key(self, fieldname: str, tbytes: bytes) -> bytes:
        return pack_ushort(self._fieldmap.get(fieldname, 65535)) + tbytes

    def _decode_key(self, key: bytes) -> tuple[str, bytes]:
        return self._fieldunmap[unpack_ushort(key[:2])[0]], key[2:]

    def __contains__(self, term) -> bool:
        return self._table.get(self._key(*term)) is not None

    def indexed_field_names(self):
        return self._fieldmap.keys()

    def cursor(self, fieldname, fieldobj):
        return CompactCursor(self, fieldname, fieldobj)

    def terms(self):
        return (self._decode_key(k) for k, _ in self._table.items_from())

    def terms_from(self, fieldname, prefix):
        return (self._decode_key(k) for k, _ in self._table.items_from(self._key(fieldname, prefix)))

    def items(self):
        return ((self._decode_key(k), decode_terminfo(v)) for k, v in self._table.items_from())

    def items_from(self, fieldname, prefix):
        return (
            (self._decode_key(k), decode_terminfo(v))
            for k, v in self._table.items_from(self._key(fieldname, prefix))
        )

    def term_info(self, fieldname, tbytes):
        value = self._table.get(self._key(fieldname, tbytes))
        if value is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return decode_terminfo(value)

    def _known(self, fieldname, tbytes) -> W3TermInfo:
        value = self._table.get(self._key(fieldname, tbytes))
        if value is None:
            raise KeyError((fieldname, tbytes))
        return decode_terminfo(value)

    def frequency(self, fieldname, tbytes):
        return self._known(fieldname, tbytes).weight()

    def doc_frequency(self, fieldname, tbytes):
        return self._known(fieldname, tbytes).doc_frequency()

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        terminfo = self.term_info(fieldname, tbytes)
        postfile = self._postfile
        if not terminfo.is_inlined() and hasattr(postfile, "with_own_position"):
            # Whoosh's matcher seeks and reads the segment's postings file, which every
            # search of an open index shares: each matcher reads at a position of its own.
            # A search's files are always MappedFile; Whoosh's own file (an update's
            # merge reads through one) has no such method, and only one thread reads it.
            postfile = postfile.with_own_position()
        try:
            return self._codec.postings_reader(postfile, terminfo, format_, term=(fieldname, tbytes), scorer=scorer)
        except Exception as exc:
            # Whoosh's matcher checks the tag its postings start with, and raises
            # a bare Exception when a damaged term record points elsewhere: made
            # one of the read errors (layout.READ_ERRORS), as any damaged read is.
            if str(exc).startswith("Block tag error"):
                raise ValueError(f"the postings of {fieldname}:{tbytes!r} are damaged ({exc})") from exc
            raise

    def close(self):
        self._table.close()
        self._postfile.close()


class CompactCursor(base.FieldCursor):
    """Walks one field's terms in order (Whoosh's lexicon and prefix expansion)."""

    def __init__(self, reader: CompactTermsReader, fieldname: str, fieldobj):
        self._reader, self._fieldname, self._fieldobj = reader, fieldname, fieldobj
        self.first()

    def _start(self, tbytes: bytes):
        self._items = self._reader.items_from(self._fieldname, tbytes)
        return self.next()

    def first(self):
        return self._start(b"")

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        return self._start(term)

    def next(self):
        for (fieldname, tbytes), terminfo in self._items:
            if fieldname == self._fieldname:
                self._text, self._info = self._fieldobj.from_bytes(tbytes), terminfo
                return self._text
            break
        self._text = self._info = None
        return None

    def text(self):
        return self._text

    def term_info(self):
        return self._info

    def is_valid(self):
        return self._text is not None
