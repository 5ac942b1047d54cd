"""Turn a file's bytes into text: BOMs, UTF-8, GB18030/GBK, Big5, and what else a detector knows.

Chinese files are where detectors guess wrong: Big5 bytes are also valid
GB18030, and a short file gives a statistical detector little to go on.  So the
Chinese candidates are decoded both ways and the reading whose Han characters
are *common* characters wins — a misread gives rare characters and stray
symbols.  charset-normalizer (a maintained detector) is asked only when neither
reading is plausible, for files in other languages and encodings.

A UTF-8 file with a few bad bytes (a stray 0xFF, a last character cut in
half) is UTF-8 still: those bytes become U+FFFD and the caller warns.

>>> decode_bytes("網貸逾期後催收人員會上門嗎".encode("big5"))
Decoded(text='網貸逾期後催收人員會上門嗎', encoding='big5', replaced=0, first_bad_line=0)
"""

from __future__ import annotations

import codecs
import functools
from typing import NamedTuple

from zhsearch.errors import UnreadableFileError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
MIN_PLAUSIBILITY = 0.6
# A file that is UTF-8 but for this many bad bytes (at most one in this many
# bytes, or 4 in a short file) is read as UTF-8 with them replaced: a byte damaged or cut, not another encoding.
MAX_BAD_UTF8_SHARE = 1000
MAX_BAD_UTF8 = 16


class Decoded(NamedTuple):
    text: str
    encoding: str
    replaced: int = 0  # bad byte sequences replaced by U+FFFD (UTF-8 only)
    first_bad_line: int = 0  # the line of the first of them (1-based)


@functools.lru_cache(maxsize=65536)
def _in_gb2312(ch: str) -> bool:
    """A Han character of GB2312, the 6763 characters of everyday simplified text."""
    try:
        gb = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(gb) == 2 and 0xB0 <= gb[0] <= 0xF7


@functools.lru_cache(maxsize=65536)
def _in_big5_common(ch: str) -> bool:
    """A Han character of Big5's frequent set (常用字, 5401), everyday traditional text."""
    try:
        big5 = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return len(big5) == 2 and 0xA4 <= big5[0] <= 0xC6


def plausibility(text: str, common=None) -> float:
    """0..1: how much ``text`` reads like real text: common Han characters (by
    ``common``, default either set), ASCII, CJK punctuation; rare characters and
    control bytes count against it."""
    if common is None:
        common = lambda ch: _in_gb2312(ch) or _in_big5_common(ch)  # noqa: E731
    sample = text[:20000]
    good = 0.0
    counted = 0
    for ch in sample:
        if ch.isspace():
            continue
        counted += 1
        code = ord(ch)
        if code < 0x80:
            good += ch.isprintable()
        elif 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF:
            good += common(ch)
        elif 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF or 0x2010 <= code <= 0x206F:
            good += 1  # CJK and full-width punctuation
        elif ch.isprintable() and not 0xE000 <= code <= 0xF8FF:
            good += 0.5  # other letters: accents, kana, Greek — possible, not typical
    return good / counted if counted else 1.0


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 0x09 or 0x0E <= b < 0x20)
    return bool(head) and controls / len(head) > 0.05


def decode_bytes(data: bytes) -> Decoded:
    """``(text, encoding, replaced, first_bad_line)`` of a file's bytes; UnreadableFileError if it is not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableFileError(f"has a {encoding} byte-order mark but does not decode ({exc.reason})") from exc
    if looks_binary(data):
        raise UnreadableFileError("looks binary (NUL or control bytes), not text")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # The reading with more everyday characters (either script) wins; on a tie,
    # the one whose characters are everyday in its own encoding: Big5 bytes read
    # as GB18030 land on GBK's traditional extension characters.
    readings = []
    for encoding, common in (("gb18030", _in_gb2312), ("big5hkscs", _in_big5_common)):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        general = plausibility(text)
        readings.append((round(general, 2), plausibility(text, common), general, encoding, text))
    if readings:
        _, _, general, encoding, text = max(readings)
        if general >= MIN_PLAUSIBILITY:
            return Decoded(text, "big5" if encoding == "big5hkscs" else encoding)
    damaged = _damaged_utf8(data, first_bad)
    return damaged if damaged is not None else Decoded(*_detect(data))


def _damaged_utf8(data: bytes, first_bad: int) -> Decoded | None:
    """UTF-8 with its few bad bytes replaced, when few are bad and the rest reads as text."""
    text = data.decode("utf-8", "replace")
    replaced = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    if not 0 < replaced <= min(MAX_BAD_UTF8, max(4, len(data) // MAX_BAD_UTF8_SHARE)):  # 4: one byte inside a character
        return None
    if plausibility(text.replace("\ufffd", "")) < MIN_PLAUSIBILITY:
        return None
    return Decoded(text, "utf-8", replaced, data.count(b"\n", 0, first_bad) + 1)


def _detect(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise UnreadableFileError("is not text in any encoding zhsearch recognises")
    text = str(best)
    if plausibility(text) < MIN_PLAUSIBILITY / 2:
        raise UnreadableFileError(f"does not decode to readable text (best guess {best.encoding})")
    return text, best.encoding
