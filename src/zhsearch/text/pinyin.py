"""Pinyin: a question typed in pinyin finds the characters.

The index keeps no pinyin field.  At index time every distinct Han bigram of the
bigram field is read in pinyin — every reading of a character that has several
(行: hang, xing) — and the map ``shang_men → [上门, 尚门, …]`` is stored with the
index.  A pinyin query becomes its syllable pairs, and each pair the bigrams that
sound so; they are searched in the bigram field like any bigram.  Only Latin
input is read as pinyin, so an ordinary question is never flooded with
homophones.

The map is stored as a sorted table (``storage.terms``' front-coded blocks,
bigrams in UTF-16): a lookup reads one block through a memory map, so a search
that asks for a few pairs (did-you-mean, a pinyin query) no longer decodes the
whole map — 25 MiB of Python strings at 50,000 poems.  An index written before
keeps ``pinyin.marshal``, read whole as it was.
"""

from __future__ import annotations

import functools
import marshal
import re
import struct
import unicodedata
import zlib
from pathlib import Path

from zhsearch.text.normalize import HAN_CHAR

from zhsearch.storage.layout import damaged

PINYIN_FILE = "pinyin.marshal"  # indexes written before the table: the whole map, marshalled and compressed
PINYIN_TABLE = "pinyin.table"
_VALUE_ENCODING = "utf-16-le"  # two bytes a Han character of the BMP, where UTF-8 takes three
_LATIN_WORD = re.compile(r"[a-zü]+[1-5]?(?:[a-zü]+[1-5]?)*")


def _table_path() -> Path:
    import importlib.util

    return Path(importlib.util.find_spec("pypinyin").origin).parent / "pinyin_dict.json"


@functools.lru_cache(maxsize=1)
def _pinyin_dict() -> dict[str, str]:
    """pypinyin's reading table, ``{"19968": "yī", …}`` (code point as text).

    Read from its JSON file directly: importing ``pypinyin`` also loads its
    phrase dictionary and turns every key into an int (0.42 s in all; this, ≈20 ms).
    """
    import json

    path = _table_path()
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    from pypinyin.pinyin_dict import pinyin_dict  # older pypinyin: a Python module

    return {str(code): readings for code, readings in pinyin_dict.items()}


@functools.lru_cache(maxsize=1)
def _table_bytes() -> bytes:
    path = _table_path()
    return path.read_bytes() if path.exists() else b""


_TABLE_LINE = re.compile(rb'\s*"(\d+)": "([^"]*)"')
_looked_up = [0]  # readings found by bisecting the file, before the whole table is read
BISECT_LOOKUPS = 256


def _bisect_readings(code: int) -> str | None:
    """One character's readings, found by bisecting pypinyin's JSON file (one
    line a character, in code point order), or None when the file is not so."""
    data = _table_bytes()
    lo, hi = 0, len(data)
    while lo < hi:
        mid = (lo + hi) // 2
        start = data.rfind(b"\n", 0, mid) + 1
        end = data.find(b"\n", mid)
        end = len(data) if end == -1 else end
        m = _TABLE_LINE.match(data, start, end)
        if m is None:  # the "{" and "}" lines
            if start == 0:
                lo = end + 1
                continue
            hi = start
            continue
        key = int(m.group(1))
        if key == code:
            return m.group(2).decode("utf-8")
        if key < code:
            lo = end + 1
        else:
            hi = start
    return "" if data else None


def _readings_text(ch: str) -> str:
    """A few lookups bisect the file (a search that needs the readings of a
    handful of characters pays no 20 ms); past ``BISECT_LOOKUPS`` the table is read."""
    if _pinyin_dict.cache_info().currsize == 0 and _looked_up[0] < BISECT_LOOKUPS:
        _looked_up[0] += 1
        found = _bisect_readings(ord(ch))
        if found is not None:
            return found
    return _pinyin_dict().get(str(ord(ch)), "")


@functools.lru_cache(maxsize=65536)
def char_readings(ch: str) -> tuple[str, ...]:
    """Toneless readings of one character: 行 → ('xing', 'hang', …)."""
    readings = _readings_text(ch)
    return tuple(dict.fromkeys(strip_tones(r) for r in readings.split(",") if r))


def bigram_keys(bigram: str) -> set[str]:
    """Every ``a_b`` reading of a two-character Han term."""
    if len(bigram) != 2 or not (HAN_CHAR.match(bigram[0]) and HAN_CHAR.match(bigram[1])):
        return set()
    return {f"{a}_{b}" for a in typed_readings(bigram[0]) for b in typed_readings(bigram[1])}


@functools.lru_cache(maxsize=65536)
def typed_readings(ch: str) -> tuple[str, ...]:
    """A character's readings as typed: ü as v, or as u (绿 lv, lu; 女 nv, nu)."""
    readings = char_readings(ch)
    return tuple(dict.fromkeys(readings + tuple(r.replace("v", "u") for r in readings)))


def build_pinyin_map(bigrams) -> dict[str, str]:
    """``{"shang_men": "上门尚门…"}`` over the given bigram terms: each pair's
    bigrams as one string (a third of the size of lists when stored)."""
    table: dict[str, list[str]] = {}
    for term in bigrams:
        for key in bigram_keys(term):
            table.setdefault(key, []).append(term)
    return {key: "".join(terms) for key, terms in table.items()}


def extend_pinyin_map(table: dict[str, str], bigrams) -> None:
    """Add ``bigrams`` the map does not hold yet (an incremental update)."""
    for term in bigrams:
        for key in bigram_keys(term):
            joined = table.get(key, "")
            if not _holds(joined, term):
                table[key] = joined + term


def _holds(joined: str, term: str) -> bool:
    """``term`` is one of the bigrams of ``joined`` (found at an even offset)."""
    at = joined.find(term)
    while at != -1 and at % 2:
        at = joined.find(term, at + 1)
    return at != -1


def pinyin_bigrams(joined: str) -> list[str]:
    """The bigrams of one map entry."""
    return [joined[i : i + 2] for i in range(0, len(joined), 2)]


def save_pinyin_map(folder: Path, table: dict[str, str]) -> None:
    """Write the map as a sorted table (replacing a marshalled map of an older index)."""
    import os

    from zhsearch.storage.terms import TermTableWriter

    tmp = folder / (PINYIN_TABLE + ".tmp")
    writer = TermTableWriter(open(tmp, "wb"))
    for key in sorted(table):
        writer.add(key.encode("utf-8"), table[key].encode(_VALUE_ENCODING))
    writer.close()
    os.replace(tmp, folder / PINYIN_TABLE)
    (folder / PINYIN_FILE).unlink(missing_ok=True)


class PinyinTable:
    """The stored map, looked up a block at a time: ``get(pair, default)`` as a dict's."""

    def __init__(self, folder: Path):
        from zhsearch.storage.mapped import MappedStorage
        from zhsearch.storage.terms import TermTable

        self._folder = folder
        try:
            storage = MappedStorage(str(folder))
            self._table = TermTable(storage.open_file(PINYIN_TABLE), storage.file_length(PINYIN_TABLE))
        except (OSError, ValueError, EOFError, TypeError, IndexError, KeyError, struct.error) as exc:
            raise damaged(folder.parent, f"{folder.name}/{PINYIN_TABLE} is unreadable") from exc

    def get(self, pair: str, default: str = "") -> str:
        try:
            value = self._table.get(pair.encode("utf-8"))
            return default if value is None else value.decode(_VALUE_ENCODING)
        except (ValueError, IndexError, TypeError) as exc:  # a damaged block (UnicodeDecodeError is a ValueError)
            raise damaged(self._folder.parent, f"{self._folder.name}/{PINYIN_TABLE} is unreadable") from exc

    def with_prefix(self, prefix: str) -> list[tuple[str, str]]:
        """Every ``(pair, bigrams)`` whose pair starts with ``prefix``, in order."""
        start = prefix.encode("utf-8")
        try:
            found = []
            for k, v in self._table.items_from(start):
                if not k.startswith(start):
                    break
                found.append((k.decode("utf-8"), v.decode(_VALUE_ENCODING)))
            return found
        except (ValueError, IndexError, TypeError) as exc:
            raise damaged(self._folder.parent, f"{self._folder.name}/{PINYIN_TABLE} is unreadable") from exc

    def items(self):
        try:
            return [(k.decode("utf-8"), v.decode(_VALUE_ENCODING)) for k, v in self._table.items_from()]
        except (ValueError, IndexError, TypeError) as exc:
            raise damaged(self._folder.parent, f"{self._folder.name}/{PINYIN_TABLE} is unreadable") from exc


def load_pinyin_map(folder: Path, whole: bool = False):
    """The pinyin map stored in ``folder`` ({} if it has none), as a lookup table
    read on demand, or with ``whole`` a dict (an update extends it);
    IndexCorruptError when it is damaged."""
    if (folder / PINYIN_TABLE).exists():
        table = PinyinTable(folder)
        return dict(table.items()) if whole else table
    path = folder / PINYIN_FILE
    if not path.exists():
        return {}
    try:
        table = marshal.loads(zlib.decompress(path.read_bytes()))
        if not (isinstance(table, dict) and all(isinstance(v, str) for v in table.values())):
            raise ValueError("not a map of strings")
    except (OSError, ValueError, EOFError, TypeError, zlib.error) as exc:
        raise damaged(folder.parent, f"{folder.name}/{PINYIN_FILE} is unreadable") from exc
    return table


@functools.lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (ü written v)."""
    toned = {reading for readings in set(_pinyin_dict().values()) for reading in readings.split(",")}
    syllables = {strip_tones(reading) for reading in toned}  # a few thousand, not one per character
    syllables.discard("")
    return frozenset(s for s in syllables if s.isalpha() and s.isascii())


def strip_tones(word: str) -> str:
    """``shàngmén`` / ``shang4men2`` → ``shangmen`` (ü → v, toned too: ``lǜ`` → ``lv``).

    >>> strip_tones("lǜchá"), strip_tones("lu:4")
    ('lvcha', 'lv')
    """
    # ü with a tone mark (ǜ) is one code point: decomposed first, its diaeresis read as v
    decomposed = unicodedata.normalize("NFD", word.replace("u:", "v")).replace("u\u0308", "v").replace("U\u0308", "v")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"(?<=[a-z])[1-5]", "", plain.lower()).replace("ü", "v")


def split_syllables(word: str) -> list[str] | None:
    """Fewest-syllable split of toneless pinyin, or None if it is not pinyin.

    >>> split_syllables("shangmencuishou")
    ['shang', 'men', 'cui', 'shou']
    """
    valid = pinyin_syllables()
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            if best[start] is not None and word[start:end] in valid:
                candidate = best[start] + [word[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[len(word)]


def pinyin_terms(norm: str, is_word=None) -> list[str]:
    """Syllable-pair terms for a query typed in pinyin; [] for an ordinary query.

    Latin words are read as pinyin only when the query has no Han characters
    (whoever types Han types Latin words as words: ``Debian 提供了哪些…`` is
    not ``de bian``), and a word the index holds (``is_word(word)``) is that
    word, not pinyin.
    """
    if HAN_CHAR.search(norm):
        return []
    latin = [m.group() for m in _LATIN_WORD.finditer(strip_tones(norm))]
    syllables: list[str] = []
    for word in latin:
        split = split_syllables(strip_tones(word))
        if split is None or (is_word is not None and is_word(word)):
            if syllables:
                break
            continue
        syllables.extend(split)
    if len(syllables) == 1:
        return syllables
    return [f"{a}_{b}" for a, b in zip(syllables, syllables[1:])]
