"""Other wordings of a query word across the strait, beyond what OpenCC converts.

OpenCC's phrase tables (``tw2sp``) make 軟體 meet 软件, but translators on
each side also choose different words that both sides use: a Mainland manual
says 命令 and 账户 where a Taiwan one says 指令 and 帳號.  ``wording_pairs.tsv``
holds such pairs, learnt from software translated both ways
(``tools/wording_pairs.py`` says from what and by which rule); a query word
is also searched in its other wording, a word holding one in that wording
too (文本编辑器 → 文字编辑器).

>>> other_wordings("命令")
('指令',)
>>> "文字编辑器" in other_wordings("文本编辑器")
True
"""

from __future__ import annotations

import functools
from pathlib import Path

PAIRS_FILE = Path(__file__).resolve().with_name("wording_pairs.tsv")


@functools.lru_cache(maxsize=1)
def _pairs() -> dict[str, tuple[str, ...]]:
    """word → its other wordings, both ways (Mainland → Taiwan and back)."""
    others: dict[str, list[str]] = {}
    for line in PAIRS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        mainland, taiwan = line.split("\t")[:2]
        others.setdefault(mainland, []).append(taiwan)
        others.setdefault(taiwan, []).append(mainland)
    return {word: tuple(dict.fromkeys(ws)) for word, ws in others.items()}


@functools.lru_cache(maxsize=4096)
def other_wordings(word: str) -> tuple[str, ...]:
    """``word`` in the other side's wording: the word itself (命令 → 指令), or
    ``word`` with a known word inside it reworded (命令行 → 指令行)."""
    if len(word) < 2 or word.isascii():
        return ()
    pairs = _pairs()
    found = list(pairs.get(word, ()))
    for known, others in pairs.items():
        if known != word and known in word:
            found.extend(word.replace(known, other) for other in others)
    return tuple(w for w in dict.fromkeys(found) if w != word)
