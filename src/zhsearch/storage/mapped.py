"""Whoosh storage read through a memory map, without copying a segment into the heap.

Whoosh keeps each segment in one compound file.  Its ``CompoundStorage`` maps
that file and hands out every sub-file (postings, term table, columns, stored
fields) as a ``BufferFile``, which wraps the map's slice in ``BytesIO``:
``BytesIO`` copies a memoryview it is given, so the first query read the whole
index into memory (647 MiB peak at 311k poems for a search that reads a few
dozen postings lists).  Here every file is a read-only view of the map: a read
copies only the bytes it asks for, and the pages a query never touches are
never read from disk.

Only reading goes through this storage; index builds and updates use Whoosh's
own (``storage.build``).
"""

from __future__ import annotations

import mmap
from array import array

import zhsearch.whoosh_without_asyncio  # noqa: F401  (first: whoosh without asyncio)
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.system import IS_LITTLE

_ITEM_SIZE = {code: array(code).itemsize for code in "bBhHiIlLqQfd"}


class ViewReader:
    """A read-only binary file over a memoryview: ``read`` copies only what it returns.

    >>> f = ViewReader(memoryview(b"abc\\ndef"))
    >>> f.readline(), f.read(2), f.tell()
    (b'abc\\n', b'de', 6)
    """

    def __init__(self, view: memoryview):
        self._view = view
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._pos = max(start, end)
        return bytes(self._view[start:end])

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes:
        view, start = self._view, self._pos
        limit = len(view) if size is None or size < 0 else min(len(view), start + size)
        # memoryview has no find(): look for the newline in bounded chunks
        end = start
        while end < limit:
            chunk_end = min(limit, end + 4096)
            found = bytes(view[end:chunk_end]).find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end = chunk_end
        self._pos = end
        return bytes(view[start:end])

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += len(self._view)
        if offset < 0:
            raise ValueError("negative seek position")
        self._pos = offset
        return offset

    def tell(self) -> int:
        return self._pos

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._view.release()


class MappedFile(BufferFile):
    """Whoosh's ``BufferFile`` over a view of a memory map, without its ``BytesIO`` copy.

    ``subset`` (how ``CompoundStorage`` opens a segment's sub-files when the
    storage does not map them itself) is a narrower view of the same map.
    """

    def __init__(self, view: memoryview, name=None, onclose=None, owner: mmap.mmap | None = None):
        self._buf = view
        self._name = name
        self.file = ViewReader(view)
        self.onclose = onclose
        self._owner = owner  # the map this file opened, closed with it when no view is left
        self.is_real = False
        self.is_closed = False

    def subset(self, position, length, name=None):
        return MappedFile(self._buf[position : position + length], name=name or self._name)

    def with_own_position(self) -> MappedFile:
        """The same bytes with a read position of its own (``seek``/``read``), for one
        reader of a file that many share: threads searching one open index.  It shares
        the view, so it is never closed (closing it would release the view for all)."""
        return MappedFile(self._buf, name=self._name)

    def get_array(self, position, typecode, length):
        values = array(typecode)
        values.frombytes(self._buf[position : position + length * _ITEM_SIZE[typecode]])
        if IS_LITTLE:
            values.byteswap()
        return values

    def close(self):
        super().close()
        if self._owner is not None:
            try:
                self._owner.close()
            except BufferError:
                pass  # sub-files still read it: the map is released with the last of them


class MappedStorage(FileStorage):
    """A ``FileStorage`` for reading an index whose files are memory-mapped views.

    ``supports_mmap`` is False only so that Whoosh's ``CompoundStorage`` does
    not map the file a second time (and copy it): it calls ``subset`` instead.
    """

    def __init__(self, path: str):
        super().__init__(path, supports_mmap=False, readonly=True)

    def open_file(self, name, **kwargs):
        with open(self._fpath(name), "rb") as handle:
            try:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                return MappedFile(memoryview(b""), name=name, **kwargs)
        return MappedFile(memoryview(mapped), name=name, owner=mapped, **kwargs)
