"""Word segmentation: jieba's exact algorithm over a dictionary we can make small.

jieba's default cut without HMM is a shortest-path over a DAG of dictionary
words (``get_DAG`` + ``calc``).  :class:`Segmenter` is that algorithm, line for
line, over any ``{word: freq}`` table and jieba's ``total``, so that:

* at index time it runs over jieba's full dictionary (plus the lexicon);
* a *compact* dictionary — every word the index holds, every dictionary word
  whose bigrams all occur in the corpus, the stop and question words — is
  stored with the index, and a search loads it
  in milliseconds instead of jieba's 350,000-word dictionary (≈0.4 s).

The compact dictionary also holds jieba's 30,000 most frequent words, the
everyday vocabulary of questions.  For any text made of words that occur in the
corpus or among those, the two cut identically (tested against jieba itself); a
rarer query word that occurs nowhere in the corpus could only ever match
through the bigram field anyway.
"""

from __future__ import annotations

import array
import functools
import heapq
import marshal
import re
import sys
from collections.abc import Mapping
from math import log
from pathlib import Path

from zhsearch.storage.layout import damaged, write_bytes_atomic

# jieba 0.42.1's own patterns (jieba/__init__.py): Han runs with Latin and
# digits are cut by the DAG, anything else one character at a time.
_RE_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_RE_SKIP = re.compile("(\r\n|\\s)", re.U)
_RE_ENG = re.compile("[a-zA-Z0-9]", re.U)

COMPACT_FILE = "segdict.marshal"
COMMON_WORDS = 30_000


class Segmenter:
    """jieba's ``tokenize(text, HMM=False)`` over a given frequency table."""

    def __init__(self, freq: dict[str, int], total: int):
        self.freq = freq
        self.total = total
        self._logtotal = log(total)

    def is_word(self, word: str) -> bool:
        return self.freq.get(word, 0) > 0

    def _dag(self, sentence: str) -> dict[int, list[int]]:
        freq, n, dag = self.freq, len(sentence), {}
        for k in range(n):
            ends = []
            i = k
            frag = sentence[k]
            while i < n and frag in freq:
                if freq[frag]:
                    ends.append(i)
                i += 1
                frag = sentence[k : i + 1]
            if not ends:
                ends.append(k)
            dag[k] = ends
        return dag

    def _cut_block(self, sentence: str):
        dag = self._dag(sentence)
        n = len(sentence)
        route = {n: (0, 0)}
        freq, logtotal = self.freq, self._logtotal
        for idx in range(n - 1, -1, -1):
            route[idx] = max(
                (log(freq.get(sentence[idx : x + 1]) or 1) - logtotal + route[x + 1][0], x) for x in dag[idx]
            )
        x, buf = 0, ""
        while x < n:
            y = route[x][1] + 1
            word = sentence[x:y]
            if _RE_ENG.match(word) and len(word) == 1:
                buf += word
            else:
                if buf:
                    yield buf
                    buf = ""
                yield word
            x = y
        if buf:
            yield buf

    def cut(self, sentence: str):
        for block in _RE_HAN.split(sentence):
            if not block:
                continue
            if _RE_HAN.match(block):
                yield from self._cut_block(block)
            else:
                for piece in _RE_SKIP.split(block):
                    if _RE_SKIP.match(piece):
                        yield piece
                    else:
                        yield from piece

    def words_in(self, text: str) -> set[str]:
        """Every dictionary word that occurs in ``text``, chosen by the cut or not."""
        found = set()
        for block in _RE_HAN.findall(text):
            for k, ends in self._dag(block).items():
                found.update(block[k : i + 1] for i in ends if i > k or self.freq.get(block[k]))
        return found

    def tokenize(self, sentence: str) -> list[tuple[str, int, int]]:
        out, start = [], 0
        for word in self.cut(sentence):
            out.append((word, start, start + len(word)))
            start += len(word)
        return out

    # --- the compact dictionary stored with an index ---------------------

    def common_words(self, count: int = COMMON_WORDS) -> frozenset[str]:
        """The ``count`` most frequent dictionary words: the everyday vocabulary of questions
        (worked out once: every build of a process asks the same segmenter)."""
        cache = self.__dict__.setdefault("_common", {})
        key = (count, len(self.freq))
        if key not in cache:
            cache[key] = frozenset(
                heapq.nlargest(count, (w for w, f in self.freq.items() if f), key=self.freq.__getitem__)
            )
        return cache[key]

    def save_compact(self, folder: Path, words: set[str], add_common: bool = True) -> None:
        """Write ``words`` — those met in the corpus — plus (unless they are in
        ``words`` already) the everyday vocabulary, so that 怎么样, 几天, 多少钱 in
        a question are cut as jieba would cut them; with their frequencies and
        jieba's total."""
        if add_common:
            words = words | self.common_words()
        table = {w: self.freq[w] for w in words if self.freq.get(w)}
        write_bytes_atomic(folder / COMPACT_FILE, _pack_compact(table, self.total))

    @classmethod
    def load_compact(cls, folder: Path) -> "Segmenter":
        """The compact dictionary stored in ``folder``; IndexCorruptError when it is damaged."""
        path = folder / COMPACT_FILE
        try:
            freq, total = _unpack_compact(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError) as exc:
            raise damaged(folder.parent, f"{folder.name}/{COMPACT_FILE} is unreadable") from exc
        if isinstance(freq, CompactFrequencies):
            freq._folder = folder
        return cls(freq, total)


# The compact dictionary on disk (marshal): one string of its entries in
# order, a line each, "word<TAB>count" — jieba's prefix entries (every proper
# prefix of a word that is not a word) with count 0, worked out at build time.
# A search looks a word up by bisecting the string (CompactFrequencies) and
# never builds the table whole: at all poems, 256,000 entries took 63 ms and
# 11-21 MiB to make into a dict, most of a cold search's start-up.  An index
# written before keeps the earlier record (its words one string, their counts
# an array), read whole as it was.
def _pack_compact(table: dict[str, int], total: int) -> bytes:
    words = sorted(table)
    if any("\n" in w for w in words):
        raise ValueError("a dictionary word holds a line break")
    known = set(words)
    prefixes = {w[:i] for w in words for i in range(1, len(w))} - known
    entries = sorted([*((w, table[w]) for w in words), *((p, 0) for p in prefixes)])
    return marshal.dumps({"total": total, "entries": "".join(f"{w}\t{c}\n" for w, c in entries)})


def _unpack_compact(data: bytes) -> tuple[Mapping[str, int], int]:
    record = marshal.loads(data)
    total = record["total"]
    if not (isinstance(total, int) and total > 0):
        raise ValueError(f"total {total!r}")
    if "entries" in record:
        if not isinstance(record["entries"], str) or record["entries"][-1:] not in ("", "\n"):
            raise ValueError("the entries are not lines of text")
        return CompactFrequencies(record["entries"]), total
    counts = array.array("q")
    words = record["words"].split("\n") if record["words"] else []
    counts.frombytes(record["counts"])
    if sys.byteorder != "little":
        counts.byteswap()
    if len(words) != len(counts) or (counts and min(counts) <= 0):
        raise ValueError(f"total {total!r}, {len(words)} words, {len(counts)} counts")  # every count is positive
    freq = dict.fromkeys(record["prefixes"].split("\n"), 0) if record["prefixes"] else {}
    freq.update(zip(words, counts))
    return freq, total


class CompactFrequencies(Mapping):
    """``{word: count}`` over the packed entries, a word looked up by bisecting
    them (its answer kept); iterating reads them all once.  A count that is not
    a whole number of at least 0, or a prefix entry's that is not 0 … is the
    damaged-file ValueError where it is met."""

    KEEP = 200_000  # answers kept (a server meets ever more fragments)

    def __init__(self, entries: str, folder: Path | None = None):
        self._entries = entries
        self._folder = folder  # the generation it was read from: a damaged line is that index's error
        self._known: dict[str, int | None] = {}
        self._whole: dict[str, int] | None = None

    def _damaged(self, exc: ValueError) -> Exception:
        if self._folder is None:
            return exc
        return damaged(self._folder.parent, f"{self._folder.name}/{COMPACT_FILE} is unreadable")

    def _find(self, word: str) -> int | None:
        entries, lo, hi = self._entries, 0, len(self._entries)
        while lo < hi:  # lo and hi are line starts
            mid = (lo + hi) // 2
            start = entries.rfind("\n", lo, mid) + 1 or lo
            end = entries.index("\n", start)
            key, tab, count = entries[start:end].rpartition("\t")
            if not tab:
                raise ValueError(f"a dictionary line without its count: {entries[start:end]!r}")
            if key == word:
                value = int(count)
                if value < 0:
                    raise ValueError(f"a negative count for {word!r}")
                return value
            if key < word:
                lo = end + 1
            else:
                hi = start
        return None

    def __getitem__(self, word: str) -> int:
        if self._whole is not None:
            return self._whole[word]
        try:
            value = self._known[word]
        except KeyError:
            if len(self._known) >= self.KEEP:
                self._known.clear()
            try:
                value = self._known[word] = self._find(word)
            except ValueError as exc:
                raise self._damaged(exc) from exc
        if value is None:
            raise KeyError(word)
        return value

    def __contains__(self, word) -> bool:
        try:
            self[word]
        except KeyError:
            return False
        return True

    def _all(self) -> dict[str, int]:
        if self._whole is None:
            whole = {}
            for line in self._entries.split("\n")[:-1]:
                key, tab, count = line.rpartition("\t")
                if not tab or int(count) < 0:
                    raise ValueError(f"a damaged dictionary line: {line!r}")
                whole[key] = int(count)
            self._whole = whole
        return self._whole

    def _read_all(self) -> dict[str, int]:
        try:
            return self._all()
        except ValueError as exc:
            raise self._damaged(exc) from exc

    def __iter__(self):
        return iter(self._read_all())

    def __len__(self) -> int:
        return len(self._read_all())


def full_segmenter() -> Segmenter:
    """jieba's whole dictionary plus the active lexicon's user words (what indexing uses)."""
    from zhsearch.text.lexicon import active_lexicon

    return _segmenter_with(active_lexicon().user_words)


@functools.lru_cache(maxsize=2)
def _segmenter_with(user_words: tuple[tuple[str, int, str], ...]) -> Segmenter:
    import logging  # (here: a search never loads jieba, and needs no logging)

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word, freq, tag in user_words:
        tokenizer.add_word(word, freq, tag or None)
    return Segmenter(tokenizer.FREQ, tokenizer.total)
