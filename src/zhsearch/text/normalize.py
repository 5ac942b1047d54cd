"""Character normalisation with an offset map (Lucene's CharFilter idea).

Every stage turns ``text`` into a new string and keeps, for each new character,
the span ``(start, end)`` of the characters of the *original* text it came from.
Tokens cut from the normalised text can therefore be highlighted on the text as
written, in the script it was written in.

Stages, in order (``normalize_text`` runs them all):

1. pinyin glosses removed: ``網(wǎng)貸`` → ``網貸``
2. NFKC width folding and case folding: ``ＡＰＰ９０００`` → ``app9000``
3. traditional → simplified (OpenCC ``t2s``); a traditional text also gets
   its regional wording converted to the Mainland's (``tw2sp``: 軟體 → 软件,
   程式 → 程序, 記憶體 → 内存; ``hk2s`` for Hong Kong text) — see
   :func:`to_mainland`
4. Chinese numerals → digits: ``九千`` → ``9000``, ``第六百七十五条`` → ``第675条``
   (``chinese_numeral_value``; cn2an's results, checked in the tests)
"""

from __future__ import annotations

import contextlib
import functools
import operator
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# A Han character (CJK Unified Ideographs, Extension A, Compatibility Ideographs):
# the one definition every stage uses.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_CHAR = re.compile(f"[{HAN}]")
HAN_RUN = re.compile(f"[{HAN}]+")
# A line or sentence that ends as a question does (？, 吗, 呢, 什么/怎么 …):
# a question heading when it heads a block, an echo of the query in a passage.
_QUESTION_END = re.compile(r"(?:[?？]|[吗呢么嗎][?？。！!]?)\s*$")


def is_question_line(text: str) -> bool:
    return bool(_QUESTION_END.search(text))


# A pinyin reading written after a Han character, with a tone mark or tone digit:
# 網(wǎng)貸, 應（yīng）該, 网(wang3)贷.  A tone is required so that ordinary
# parentheses such as 网贷(P2P) or 平台(app) are left alone.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
PINYIN_GLOSS = re.compile(
    rf"(?<=[{HAN}])"
    r"[(（]\s*(?:[a-zü]*[" + _TONED + r"][a-zü" + _TONED + r"]*|[a-zü]+[1-5])\s*[)）]"
)

_CJK_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
_NUMERAL_CHARS = frozenset(_CJK_NUMERAL)  # a text holding none has no numeral to convert
_NUMERAL_UNIT = "十百千万亿"
# Measure words after which a bare numeral is a quantity (三个月, 五天, 一百元).
_MEASURE = "个元块次条天日月年岁号人家项件笔期周倍"
# What an ordinal counts (第三条, 第六章): 第 + numeral is a number only before one
# of these, so that words such as 第三方 and 第一时间 stay words.
_ORDINAL_OF = _MEASURE + "章节款篇部回页届批轮集名位层级审"
_NUMERAL_RUN = re.compile(
    r"(?P<prefix>第)?(?P<num>[" + _CJK_NUMERAL + r"]+)"
    r"(?=(?P<measure>[" + _MEASURE + r"])?)(?=(?P<ordinal>[" + _ORDINAL_OF + r"]|[^\u4e00-\u9fff]|$)?)"
)
_DIGIT_UNIT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)([十百千万亿])(?![" + _CJK_NUMERAL + r"])")
_UNIT_VALUE = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, per character, the span it came from in the original."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of normalised characters ``start:end``."""
        if start >= end:
            return (self.starts[start], self.starts[start]) if start < len(self.starts) else (0, 0)
        return self.starts[start], self.ends[end - 1]


def _identity(text: str) -> Normalized:
    n = len(text)
    return Normalized(text, tuple(range(n)), tuple(range(1, n + 1)))


def _compose(prev: Normalized, text: str, pieces: list[tuple[int, int]]) -> Normalized:
    """Chain a stage: ``pieces[i]`` is the span in ``prev.text`` of new char i."""
    starts = tuple(prev.starts[s] if s < len(prev.starts) else prev.ends[-1] for s, _ in pieces)
    ends = tuple(prev.ends[e - 1] if e > 0 else 0 for _, e in pieces)
    return Normalized(text, starts, ends)


def _replace_matches(prev: Normalized, pattern: re.Pattern, replace) -> Normalized:
    """Apply ``replace(match) -> str`` to every match; new chars map to the match span.

    The map is built as :func:`_compose` would build it from one piece a
    character — ``(i, i + 1)`` for a kept character, the match's span for each
    character replacing it — a stretch of kept characters at a time."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    text = prev.text
    prev_starts, prev_ends = prev.starts, prev.ends
    for m in pattern.finditer(text):
        new = replace(m)
        if new is None:
            continue
        start, end = m.span()
        out.append(text[last:start])
        starts.extend(prev_starts[last:start])
        ends.extend(prev_ends[last:start])
        out.append(new)
        # (every pattern given here matches one character or more: the span is in the text)
        starts.extend([prev_starts[start]] * len(new))
        ends.extend([prev_ends[end - 1]] * len(new))
        last = end
    if not out:
        return prev
    out.append(text[last:])
    starts.extend(prev_starts[last:])
    ends.extend(prev_ends[last:])
    return Normalized("".join(out), tuple(starts), tuple(ends))


def strip_pinyin_glosses(text: str) -> str:
    """Remove pinyin readings written inside words.

    >>> strip_pinyin_glosses("網(wǎng)貸逾期")
    '網貸逾期'
    """
    return PINYIN_GLOSS.sub("", text)


def _fold_width(prev: Normalized) -> Normalized:
    text = prev.text
    if text.isascii():
        lowered = text.lower()
        return prev if lowered == text else Normalized(lowered, prev.starts, prev.ends)
    folded = unicodedata.normalize("NFKC", text).lower()
    if folded == text:
        return prev
    if len(folded) == len(text):  # the usual case: full-width forms fold one to one
        return Normalized(folded, prev.starts, prev.ends)
    out: list[str] = []
    pieces: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        one = unicodedata.normalize("NFKC", ch).lower() if not ch.isascii() else ch.lower()
        out.append(one)
        pieces.extend((i, i + 1) for _ in one)
    return _compose(prev, "".join(out), pieces)


_LOADED: set[str] = set()  # the configs _opencc has loaded in this process


@functools.lru_cache(maxsize=4)
def _opencc(config: str = "t2s"):
    import opencc

    converter = _Converter(opencc.OpenCC(config))
    _LOADED.add(config)
    return converter


# What OpenCC cannot take: a lone surrogate (it reads UTF-8), and NUL, where the
# conversions that segment (tw2sp, hk2s, s2twp) end their output, dropping the rest.
_OPENCC_UNSAFE = re.compile("[\x00\ud800-\udfff]")


class _Converter:
    """An OpenCC converter given text it can take: a lone surrogate or NUL, which
    stands for no character, goes in (and comes out) as U+FFFD, one for one."""

    def __init__(self, converter):
        self._converter = converter

    def convert(self, text: str) -> str:
        return self._converter.convert(_OPENCC_UNSAFE.sub("\ufffd", text) if _OPENCC_UNSAFE.search(text) else text)


def _convert(config: str, text: str) -> str:
    """OpenCC's ``config`` applied to ``text``; without loading it when it could
    not change ``text`` (:func:`_skips`)."""
    return text if _skips(config, text) else _opencc(config).convert(text)


# Checking a text against a table (_may_change) costs several times what OpenCC,
# once loaded, takes to convert it (36 µs against 8 µs for a paragraph of CMRC):
# it pays only while the texts checked cost less than loading OpenCC (~10 ms).
# A cold search checks its question and a page of hits; a build or a server soon
# checks this many characters, and from then on loads OpenCC and asks it.
_CHECK_BUDGET = 50_000  # characters
_checked = 0


def _skips(config: str, text: str) -> bool:
    """``text`` need not go to OpenCC's ``config``: it is not loaded, the budget
    of checks is not spent, and the conversion could not change ``text``."""
    global _checked
    if config in _LOADED or _checked > _CHECK_BUDGET:
        return False
    _checked += len(text)
    return not _may_change(text, config)


def to_simplified(text: str) -> str:
    """Traditional → simplified with OpenCC ``t2s`` (length-preserving).

    >>> to_simplified("網貸逾期上門取證怎麼辦")
    '网贷逾期上门取证怎么办'
    """
    if text.isascii():
        return text
    converted = _convert("t2s", text)  # (a lone surrogate or NUL as U+FFFD)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: fall back to one character at a time so
    # that every output character still maps to exactly one input character.
    convert = _opencc().convert
    return "".join(c if len(c := convert(ch)) == 1 else ch for ch in text)


_MADE_FROM = "# made from: "


@functools.lru_cache(maxsize=4)
def _changes(config: str) -> tuple[frozenset[str], dict[str, tuple[str, ...]]] | None:
    """What OpenCC's ``config`` can change (``{config}_changes.txt``, made from
    its tables by tools/opencc_changes.py): the characters it converts, and by
    their first character the phrases of other characters it converts; None
    when the installed OpenCC's files are not those the table was made from
    (an upgrade): then OpenCC is asked."""
    lines = Path(__file__).with_name(f"{config}_changes.txt").read_text(encoding="utf-8").splitlines()
    made_from = next((line for line in lines if line.startswith(_MADE_FROM)), "")
    if not made_from or not _opencc_files_are(dict(entry.split("=") for entry in made_from[len(_MADE_FROM):].split())):
        return None
    lines = [line for line in lines if not line.startswith("#")]
    phrases: dict[str, list[str]] = {}
    for phrase in lines[1:]:
        phrases.setdefault(phrase[0], []).append(phrase)
    return frozenset(lines[0]), {first: tuple(group) for first, group in phrases.items()}


def _opencc_files_are(crcs: dict[str, str]) -> bool:
    """The installed OpenCC's data files have these CRC-32s (found without loading its library)."""
    import importlib.util
    import zlib

    spec = importlib.util.find_spec("opencc")
    if spec is None or not spec.submodule_search_locations:
        return False
    share = Path(spec.submodule_search_locations[0]) / "clib" / "share" / "opencc"
    try:
        return all(f"{zlib.crc32((share / name).read_bytes()):08x}" == crc for name, crc in crcs.items())
    except OSError:
        return False


def _may_change(text: str, config: str) -> bool:
    """OpenCC's ``config`` could change ``text``: it holds a character or a
    phrase the conversion converts (or a lone surrogate or NUL, which the
    converter writes as U+FFFD), or the table is not the installed OpenCC's."""
    table = _changes(config)
    if table is None:
        return True
    characters, phrases = table
    if not characters.isdisjoint(text) or _OPENCC_UNSAFE.search(text):
        return True  # (a lone surrogate or NUL: OpenCC's converter writes it as U+FFFD)
    return any(phrase in text for first in phrases.keys() & set(text) for phrase in phrases[first])


# A text is traditional when at least this share of its Han characters
# changes under t2s.  Simplified pages carry a stray traditional character
# now and then (a name, a quotation); a traditional sentence changes a
# quarter to a third of its characters.  Phrase tables are only for the
# latter: on simplified text tw2sp would turn 程序 into 进程 and 文件 into 文档.
TRADITIONAL_SHARE = 0.1
# Characters of written Cantonese: Hong Kong text, never Taiwan's.  (Variants
# such as 裏 衞 綫 着 are not evidence: OpenCC's own traditional output, and so
# many a Taiwan page, writes them too; a Taiwan manual with one 裏 would lose
# tw2sp's wording — 檔案 → 文件 — to hk2s.)
_HONG_KONG = frozenset("喺嘅咗冇佢哋嚟啲噉乜嘢")  # not 唔: also a Mandarin interjection (「唔……」)


def script_variety(text: str) -> str:
    """``"simplified"``, ``"taiwan"`` or ``"hongkong"``: which conversion a text needs.

    >>> script_variety("编译并安装程序"), script_variety("編譯並安裝程式"), script_variety("呢個程序喺電腦裏面")
    ('simplified', 'taiwan', 'hongkong')
    """
    return _conversions(text)[1]


def _variety(text: str, simplified: str) -> str:
    if simplified == text:
        return "simplified"
    changed = sum(map(operator.ne, text, simplified))  # (operator.ne: str.__ne__'s wrapper is slower)
    if changed < TRADITIONAL_SHARE * len(text) and changed < TRADITIONAL_SHARE * len(HAN_CHAR.findall(text)):
        return "simplified"
    return "taiwan" if _HONG_KONG.isdisjoint(text) else "hongkong"


def to_mainland(text: str) -> str:
    """Simplified script, and for a traditional text the Mainland's wording.

    >>> to_mainland("編譯並安裝程式"), to_mainland("記憶體不足"), to_mainland("编译并安装程序")
    ('编译并安装程序', '内存不足', '编译并安装程序')
    """
    return _conversions(text)[2]


@functools.lru_cache(maxsize=64)  # indexing asks for one passage's conversions twice in a row
def _conversions(text: str) -> tuple[str, str, str]:
    """``(t2s text, variety, Mainland-worded text)`` of ``text``."""
    if text.isascii():
        return text, "simplified", text
    simplified = to_simplified(text)
    variety = _variety(text, simplified)
    if variety == "simplified":
        return simplified, variety, simplified
    converted = _opencc("tw2sp" if variety == "taiwan" else "hk2s").convert(text)
    # a phrase table writes Latin capitals (隨身碟 → U盘): fold them as the text was
    return simplified, variety, converted.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def character_readings(text: str) -> str:
    """The words a phrase conversion rewrote, in character conversion only
    (``"文件 软体"`` for 文件 → 文档, 軟體 → 软件), or ``""``.

    A phrase table guesses: the Taiwan 文件 of a translated manual may mean a
    file, not a document.  The index holds both readings, so that neither
    wording is lost.
    """
    text = _width_folded(text)  # what fold_text converted just before: its conversions are cached
    simplified, variety, converted = _conversions(text)
    if converted == simplified:  # simplified text, or no word rewritten
        return ""
    _, changes = wording_changes(text)
    return " ".join(dict.fromkeys(to_simplified(original) for original, _ in changes))


@functools.lru_cache(maxsize=4096)
def both_readings(text: str) -> str:
    """``fold_text(text)``, and for Taiwan / Hong Kong text a second line with
    the characters alone read (文档管理 and 文件管理): what a heading is compared by."""
    folded = fold_text(text)
    if text.isascii() or _variety(text, to_simplified(text)) == "simplified":
        return folded
    characters = _fold_characters(text)
    return folded if characters == folded else f"{folded}\n{characters}"


def _fold_characters(text: str) -> str:
    """fold_text's width, case and script folding, with no phrase conversion."""
    return to_simplified(unicodedata.normalize("NFKC", text).lower())


def regional_readings(word: str) -> tuple[str, ...]:
    """The other forms ``word`` takes in an index of Taiwan text: read as
    Taiwan wording (程式 → 程序, for a word in characters both scripts share,
    where the script cannot tell), and as a Taiwan writer puts it, normalised as
    that writer's text was (视图 → 檢視 → 查看, 默认 → 預設 → 预设: the Mainland
    word meets the form the index holds).  Empty when there is none."""
    if word.isascii():
        return ()
    as_taiwan = _convert("tw2sp", word)
    as_written = _convert("tw2sp", _convert("s2twp", word))
    return tuple(r for r in dict.fromkeys((as_taiwan, as_written)) if r != word)


# OpenCC's s2twp without its 0.9 MB table of Mainland → traditional phrases
# (60 ms to load, 6 ms without): characters, then Taiwan's phrases and variants —
# enough to say how a Taiwan writer words a term (命令行 → 命令列).
_TAIWAN_PHRASING = ("STCharacters.ocd2", ("TWPhrases.ocd2", "TWVariantsPhrases.ocd2", "TWVariants.ocd2"))


@functools.lru_cache(maxsize=1)
def _taiwan_phrasing():
    """An OpenCC converter of simplified text to Taiwan wording (see above).
    OpenCC names a dictionary in a config file by path, so the config is written
    to a temporary file, read and removed; when that cannot be done (no writable
    temporary folder, an opencc package keeping its dictionaries elsewhere or
    reading configs otherwise), ``s2twp`` itself, slower to load, says nearly
    the same (its Mainland phrase table changes about 0.1% of words: 打印机 →
    印表机 there, 列印机 here)."""
    import json
    import tempfile

    import opencc

    share = Path(opencc.__file__).resolve().parent / "clib" / "share" / "opencc"
    characters, phrases = _TAIWAN_PHRASING
    ocd2 = lambda name: {"type": "ocd2", "file": str(share / name)}  # noqa: E731
    config = {
        "name": "Simplified Chinese to Taiwan wording, without the Mainland phrase table",
        "segmentation": {"type": "mmseg", "dict": ocd2(phrases[0])},
        "conversion_chain": [
            {"dict": ocd2(characters)},
            {"dict": {"type": "group", "match_policy": "short_circuit", "dicts": [ocd2(n) for n in phrases]}},
        ],
    }
    if all((share / name).is_file() for name in (characters, *phrases)):
        path = None
        try:
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as file:
                path = file.name
                json.dump(config, file)
            return _Converter(opencc.OpenCC(path))
        except Exception:  # OSError writing it, or OpenCC refusing it: the full table below
            pass
        finally:
            if path:
                with contextlib.suppress(OSError):
                    os.unlink(path)
    return _opencc("s2twp")


def as_taiwan_writes(word: str) -> str:
    """``word`` as a Taiwan writer words it, in simplified characters (命令行 →
    命令列): the form a term of Taiwan text keeps in the index when OpenCC's
    phrase table does not read it back (指令列 stays 指令列).  Not
    :func:`regional_readings`' second reading, which is that form read back by
    the phrase table (命令列 → 命令行), and uses s2twp's Mainland phrase table
    too, for the variant characters of words such as 坐标 → 座標."""
    return word if word.isascii() else to_simplified(_taiwan_phrasing().convert(word))


def wording_changes(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The script variety of ``text`` and the words its conversion rewrote
    beyond the script (``[("程式", "程序"), ("記憶體", "内存")]``), as written → as indexed.

    >>> wording_changes("記憶體不足，請關閉程式")
    ('taiwan', [('記憶體', '内存'), ('程式', '程序')])
    """
    simplified, variety, converted = _conversions(text)
    if converted == simplified:
        return variety, []
    import difflib

    matcher = difflib.SequenceMatcher(None, simplified, converted, autojunk=False)
    changes = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 - i1 == 1 and j2 - j1 == 1 and i1 and HAN_CHAR.match(text[i1 - 1]):
            i1, j1 = i1 - 1, j1 - 1  # 式 → 序 reads better as the word: 程式 → 程序
        changes.append((text[i1:i2], converted[j1:j2]))
    return variety, changes


def _simplify(prev: Normalized) -> Normalized:
    converted = to_mainland(prev.text)
    if converted == prev.text:
        return prev
    simplified, variety, _ = _conversions(prev.text)
    if converted == simplified:
        return Normalized(converted, prev.starts, prev.ends)  # t2s: one character for one
    convert = _opencc("tw2sp" if variety == "taiwan" else "hk2s").convert
    return _compose(prev, converted, _align(prev.text, simplified, converted, convert))


_CONTEXT = 3  # characters either side of a replaced run that may belong to its phrase (程|式)
_PHRASE_MAX = 8


_CLAUSE = re.compile(r"(?<=[，。！？；：、,.!?;:\s])")  # no phrase spans punctuation or a space
_RUN_MAX = 200  # a longer clause (rare: no punctuation at all) maps in proportion


def _align(text: str, simplified: str, converted: str, convert) -> list[tuple[int, int]]:
    """For each character of ``converted``, the span of ``text`` it came from,
    clause by clause (a phrase never spans punctuation), so the work stays
    linear in the text: see :func:`_align_run`."""
    clauses = [c for c in _CLAUSE.split(text) if c]
    converted_clauses = [c.translate(_ASCII_LOWER) for c in convert_each(convert, clauses)]
    if "".join(converted_clauses) != converted:  # the clauses do not convert alone: the whole as one run
        clauses, converted_clauses = [text], [converted]
    pieces: list[tuple[int, int]] = []
    start = 0
    for clause, target in zip(clauses, converted_clauses):
        if len(clause) > _RUN_MAX:
            spans = _proportional(0, len(clause), len(target))
        else:
            spans = _align_run(clause, simplified[start : start + len(clause)], target, convert)
        pieces.extend((a + start, b + start) for a, b in spans)
        start += len(clause)
    return pieces


# Joins the texts OpenCC converts in one call.  No dictionary key or value of
# OpenCC holds it, so no phrase matches across it and it comes back as it went:
# its segmentation (the longest key at each place, left to right) and each
# conversion of the chain find in "a<sep>b" what they find in "a" and in "b" alone.
_BATCH_SEPARATOR = "\x1f"


def convert_each(convert, texts: list[str]) -> list[str]:
    """``[convert(t) for t in texts]`` in one call of OpenCC (a call costs
    ~4 µs before its first character; the alignment converts many short
    phrases), or one call a text if a text holds the separator or the
    conversion does not give back one text each."""
    if len(texts) > 1 and not any(_BATCH_SEPARATOR in t for t in texts):
        converted = convert(_BATCH_SEPARATOR.join(texts)).split(_BATCH_SEPARATOR)
        if len(converted) == len(texts):
            return converted
    return [convert(t) for t in texts]


def _proportional(start: int, end: int, count: int) -> list[tuple[int, int]]:
    """``count`` characters spread evenly over ``text[start:end]``."""
    size = end - start
    return [(start + k * size // count, max(start + (k + 1) * size // count, start + k * size // count + 1))
            for k in range(count)]


def _align_run(text: str, simplified: str, converted: str, convert) -> list[tuple[int, int]]:
    """For each character of ``converted``, the span of ``text`` it came from.

    ``simplified`` is ``text`` character for character (t2s); the phrase
    conversion ``convert`` replaced some runs of it (记忆体 → 内存).  Each
    replaced run, with a few characters around it (程式 → 程序 differs only in
    its second character), is cut into the phrases it was made of, and every
    character of a phrase's replacement maps to that phrase as written: a
    highlight of 内存 covers 記憶體, and only that one.
    """
    import difflib

    # Only the part between the common beginning and end is compared (difflib
    # is quadratic at worst); opcodes are shifted back by the beginning.
    head = 0
    limit = min(len(simplified), len(converted))
    while head < limit and simplified[head] == converted[head]:
        head += 1
    tail = 0
    while tail < limit - head and simplified[-1 - tail] == converted[-1 - tail]:
        tail += 1
    matcher = difflib.SequenceMatcher(
        None, simplified[head : len(simplified) - tail], converted[head : len(converted) - tail], autojunk=False
    )
    regions: list[list[int]] = []  # [start, end) in text, [start, end) in converted
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        i1, i2, j1, j2 = i1 + head, i2 + head, j1 + head, j2 + head
        if regions and i1 - regions[-1][1] <= 2 * _CONTEXT:
            regions[-1][1], regions[-1][3] = i2, j2
        else:
            regions.append([i1, i2, j1, j2])
    pieces: list[tuple[int, int]] = []
    mapped = 0  # characters of ``text`` mapped so far
    for number, (i1, i2, j1, j2) in enumerate(regions):
        following = regions[number + 1][0] if number + 1 < len(regions) else len(text)
        left, right = min(_CONTEXT, i1 - mapped), min(_CONTEXT, following - i2)
        i1, j1, i2, j2 = i1 - left, j1 - left, i2 + right, j2 + right
        pieces.extend((k, k + 1) for k in range(mapped, i1))  # unchanged: one for one
        pieces.extend(_phrase_spans(text, i1, i2, converted[j1:j2], convert))
        mapped = i2
    pieces.extend((k, k + 1) for k in range(mapped, len(text)))
    return pieces


def _phrase_spans(text: str, start: int, end: int, target: str, convert) -> list[tuple[int, int]]:
    """Spans for ``target``, the conversion of ``text[start:end]``, cut into
    phrases whose own conversions spell it (the finest such cut, found by a
    walk over the reachable cuts: no recursion, at most _PHRASE_MAX tries a
    character); if none does, every character maps to the whole run."""
    # parent[(at, done)]: the cut before it, text[start:at] having spelled target[:done];
    # pieces[...]: how many phrases that took (the most wins: the finest cut)
    parent: dict[tuple[int, int], tuple[int, int] | None] = {(start, 0): None}
    pieces = {(start, 0): 0}
    for at in range(start, end):
        reached = sorted(d for a, d in list(parent) if a == at)
        if not reached:
            continue
        stops = range(at + 1, min(end, at + _PHRASE_MAX) + 1)
        phrases = list(zip(stops, (p.translate(_ASCII_LOWER) for p in convert_each(convert, [text[at:stop] for stop in stops]))))
        for done in reached:
            for stop, piece in phrases:
                state = (stop, done + len(piece))
                if target.startswith(piece, done) and pieces.get(state, -1) < pieces[(at, done)] + 1:
                    parent[state], pieces[state] = (at, done), pieces[(at, done)] + 1
    state = (end, len(target))
    if state not in parent:
        return [(start, end)] * len(target)
    spans: list[tuple[int, int]] = []
    while parent[state] is not None:
        before = parent[state]
        spans[:0] = [(before[0], state[0])] * (state[1] - before[1])
        state = before
    return spans


_DIGIT_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG_UNIT = {"万": 10_000, "亿": 100_000_000}


def chinese_numeral_value(numeral: str) -> int | None:
    """Value of a Chinese numeral: 九千 9000, 六百七十五 675, 一百零七 107, 十五 15,
    三万五千 35000, 两万三 23000, 一二三 123; None if it is not one.

    Written here rather than taken from cn2an: the rules are few, and importing
    cn2an costs a command-line search about 65 ms (tests check the two agree).
    """
    if not numeral or any(c not in _DIGIT_VALUE and c not in _SMALL_UNIT and c not in _BIG_UNIT for c in numeral):
        return None
    if all(c in _DIGIT_VALUE for c in numeral):  # 一二三: digit by digit
        return int("".join(str(_DIGIT_VALUE[c]) for c in numeral)) if len(numeral) > 1 else _DIGIT_VALUE[numeral]
    total = section = digit = 0
    last_unit = 1
    section_unit = 10_000  # the last small unit of this section: each must be smaller
    previous = ""
    for ch in numeral:
        if ch in _DIGIT_VALUE:
            if previous in _DIGIT_VALUE and previous not in "零〇":
                return None  # 三四千, 一两万, 十二三, 一五一十: a range or an idiom, not a number
            digit = _DIGIT_VALUE[ch]
            last_unit = 1 if ch in "零〇" else last_unit
        elif ch in _SMALL_UNIT:
            unit = _SMALL_UNIT[ch]
            if digit == 0 and ch != "十":
                return None  # 百 or 千 with no digit before it (十五 alone is fine)
            if unit >= section_unit:
                return None  # 十一十二: two numbers side by side
            section += (digit or 1) * unit
            digit, last_unit, section_unit = 0, unit, unit
        else:
            unit = _BIG_UNIT[ch]
            section += digit
            if section == 0:
                return None
            total = (total + section) * unit if unit > 10_000 else total + section * unit
            section = digit = 0
            last_unit, section_unit = unit, 10_000
        previous = ch
    if digit and last_unit > 10 and numeral[-1] in _DIGIT_VALUE and numeral[-2] not in "零〇":
        digit *= last_unit // 10  # 两万三 = 23000, 三百五 = 350
    return total + section + digit


def _numeral_replacement(m: re.Match) -> str | None:
    num = m.group("num")
    has_unit = any(c in _NUMERAL_UNIT for c in num)
    # Only what reads as a number: a numeral with a unit (九千, 一百零七), or a
    # numeral counted by 第 or a measure word (第三, 三个月).  Words built on 一,
    # such as 一些 / 一般 / 之一, stay words.  Numerals led by a large unit
    # (万一, 千万) are idioms more often than numbers.
    if num[0] in "百千万亿" or num[0] in "零〇":
        return None
    if m.group("prefix") and m.group("ordinal") is None:
        return None  # 第三方, 第一时间: a word, not an ordinal
    if not (has_unit and len(num) >= 2) and not m.group("prefix") and not m.group("measure"):
        return None
    if not has_unit and len(num) > 1 and not m.group("prefix"):
        return None  # 一二 / 三四 (a range or a list) — leave it
    value = chinese_numeral_value(num)
    if value is None:
        return None
    return (m.group("prefix") or "") + str(value)


def _digit_unit_replacement(m: re.Match) -> str | None:
    number = float(m.group(1)) * _UNIT_VALUE[m.group(2)]
    if not number.is_integer():
        return None
    return str(int(number))


def _numbers(prev: Normalized) -> Normalized:
    if _NUMERAL_CHARS.isdisjoint(prev.text):
        return prev
    step = _replace_matches(prev, _DIGIT_UNIT, _digit_unit_replacement)
    return _replace_matches(step, _NUMERAL_RUN, _numeral_replacement)


def _strip_glosses(prev: Normalized) -> Normalized:
    if "(" not in prev.text and "（" not in prev.text:
        return prev
    return _replace_matches(prev, PINYIN_GLOSS, lambda m: "")


_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=4096)  # a query rescores ~100 passages, their headings and titles
def normalize_text(text: str) -> Normalized:
    """Run every character stage; the result knows where each character came from.

    >>> n = normalize_text("網(wǎng)貸九千")
    >>> n.text
    '网贷9000'
    >>> n.span(2, 6)
    (9, 11)
    """
    # A lone surrogate cannot be encoded for OpenCC; it stands for no character.
    step = _identity(_SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text)
    step = _strip_glosses(step)
    step = _fold_width(step)
    step = _simplify(step)
    step = _numbers(step)
    return step


@functools.lru_cache(maxsize=4096)
def fold_text(text: str) -> str:
    """``normalize_text(text).text``, without the offset map.

    For text that is only compared, never highlighted (the rerank's headings
    and titles, what the index stores and analyses): the same stages, a
    third of the cost.  Tested equal to :func:`normalize_text`.
    """
    text = _width_folded(text)
    if not text.isascii():
        text = to_mainland(text)
    if not _NUMERAL_CHARS.isdisjoint(text):
        text = _DIGIT_UNIT.sub(lambda m: _keep(m, _digit_unit_replacement), text)
        text = _NUMERAL_RUN.sub(lambda m: _keep(m, _numeral_replacement), text)
    return text


def _width_folded(text: str) -> str:
    """The stages before the script's: glosses removed, NFKC width and case folding."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    if "(" in text or "（" in text:
        text = PINYIN_GLOSS.sub("", text)
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) != len(text):  # as _fold_width: one character at a time
        folded = "".join(unicodedata.normalize("NFKC", ch).lower() if not ch.isascii() else ch.lower() for ch in text)
    return folded


def _keep(m: re.Match, replace) -> str:
    new = replace(m)
    return m.group(0) if new is None else new
