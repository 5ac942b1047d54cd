"""The analysis chain: normalise characters → segment → token filters.

One chain serves documents and queries alike, so a query always meets the index
on equal terms.  It yields two token streams from the same normalised text:

* ``words``   — jieba words, with stop and question words removed (positions keep
  counting across them, as Lucene's position increments do);
* ``bigrams`` — overlapping CJK character bigrams, so that recall does not depend
  on jieba's word boundaries (``会上/门`` still meets ``上门``);
(A query typed in pinyin meets the bigram field through :mod:`zhsearch.text.pinyin`.)

Every token carries its position and its character offsets in the text *as
written* (via :mod:`zhsearch.text.normalize`'s offset map).

>>> [(t.text, t.start, t.end) for t in analyze("網貸九千", "words")]
[('网贷', 0, 2), ('9000', 2, 4)]
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterator

from zhsearch.errors import BadQueryError
from zhsearch.text.normalize import HAN, HAN_RUN, Normalized, normalize_text
from zhsearch.text.segment import Segmenter, full_segmenter

FIELDS = ("words", "bigrams")

_ALNUM_RUN = re.compile(f"[^\\W_{HAN}]+")
# Letters and digits glued together are two tokens (app9000 → app, 9000;
# 5g → 5, g): each is what a person would search for alone.
_LETTERS_OR_DIGITS = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+")

# Function and question words: they say how a thing is asked, not what it is
# about, so they neither match nor rank.  Kept short on purpose: a word here can
# never be searched for on its own.
STOP_WORDS = frozenset(
    """
    吗 呢 吧 啊 呀 么 嘛 哦 哈 啦 哪 的 地 得 了 着 过 之 其 而 及 与 和 或 且 并
    是 在 有 就 都 也 还 又 再 才 把 被 让 给 对 从 向 于 以 为 将 会 能 要 可 该
    想 去 来 这 那 此 该 些 一个 这个 那个 这些 那些 我 你 他 她 它 我们 你们 他们
    请问 请 一下 会不会 能不能 要不要 是不是 可不可以 有没有 是否 可否 能否
    怎么办 怎么 怎样 怎么样 如何 什么 为什么 为何 哪些 哪个 哪里 多少 几 吗 么
    呢 可以 应该 时 后 下 中 里 是什么 有什么 怎么回事 咋办 咋 啥 么样
    """.split()
)

# A modal or function character that jieba glues onto the next character
# (会上/门, 能上/门): when that character plus the next word is a dictionary
# word, the cut is moved (会/上门).
_GLUE_HEADS = frozenset("会能要将可就都也还不没在已才再")


@dataclass(frozen=True)
class Token:
    """One analysed token: text, position, and offsets into the original text."""

    text: str
    position: int
    start: int
    end: int
    field: str


# HMM new-word discovery off: measured on the dev judgments it invents words such
# as 元会 (逾期9000元会不会上门) that then never meet the index; the dictionary
# plus the bigram field does better (docs/benchmarks.md, "Relevance").  zhsearch.text.segment
# is jieba's no-HMM cut.


def segment(text: str, segmenter: Segmenter | None = None) -> list[tuple[str, int, int]]:
    """Words of normalised ``text`` as ``(word, start, end)``, with glue repair.

    >>> [w for w, _, _ in segment("9000会上门吗")]
    ['9000', '会', '上门', '吗']
    """
    segmenter = segmenter or full_segmenter()
    pieces = []
    for w, s, e in segmenter.tokenize(text):
        if w.isascii() and len(w) > 1 and w.isalnum() and not (w.isalpha() or w.isdigit()):
            pieces.extend((m.group(), s + m.start(), s + m.end()) for m in _LETTERS_OR_DIGITS.finditer(w))
        else:
            pieces.append((w, s, e))
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(pieces):
        word, start, end = pieces[i]
        if (
            len(word) == 2
            and word[0] in _GLUE_HEADS
            and i + 1 < len(pieces)
            and segmenter.is_word(word[1] + pieces[i + 1][0])
        ):
            nxt, _, nxt_end = pieces[i + 1]
            out.append((word[0], start, start + 1))
            out.append((word[1] + nxt, start + 1, nxt_end))
            i += 2
            continue
        out.append((word, start, end))
        i += 1
    return out


def _is_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def word_tokens(norm: Normalized) -> Iterator[Token]:
    """jieba words of a normalised text; punctuation and spaces dropped."""
    position = 0
    for word, start, end in segment(norm.text):
        if not _is_word(word):
            continue
        word = word.strip()
        if word not in STOP_WORDS:
            o_start, o_end = norm.span(start, end)
            yield Token(word, position, o_start, o_end, "words")
        position += 1


def bigram_tokens(norm: Normalized) -> Iterator[Token]:
    """Overlapping CJK bigrams (a lone character stands alone); Latin/digit runs whole."""
    text = norm.text
    spans: list[tuple[int, int]] = []
    for m in HAN_RUN.finditer(text):
        s, e = m.span()
        if e - s == 1:
            spans.append((s, e))
        else:
            spans.extend((i, i + 2) for i in range(s, e - 1))
    for run in _ALNUM_RUN.finditer(text):
        spans.extend((run.start() + m.start(), run.start() + m.end()) for m in _LETTERS_OR_DIGITS.finditer(run.group()))
    spans.sort()
    for position, (s, e) in enumerate(spans):
        o_start, o_end = norm.span(s, e)
        yield Token(text[s:e], position, o_start, o_end, "bigrams")


def term_counts(text: str, field: str) -> Counter:
    """How often each term of normalised ``text`` occurs in the index's ``field``:
    the texts of :class:`ChainTokenizer`'s tokens, without their offsets (a build
    needs the counts only).

    >>> sorted(term_counts("上门上门", "bigrams").items())
    [('上门', 2), ('门上', 1)]
    """
    if field == "words":
        words = (word.strip() for word, _, _ in segment(text) if _is_word(word))
        return Counter(w for w in words if w not in STOP_WORDS and not is_bigram_word(w))
    if field != "bigrams":
        raise BadQueryError(f"unknown field {field!r}; expected one of {', '.join(FIELDS)}")
    counts: Counter = Counter()
    for run in HAN_RUN.findall(text):
        counts.update(char_bigrams(run) if len(run) > 1 else (run,))
    for run in _ALNUM_RUN.findall(text):
        counts.update(_LETTERS_OR_DIGITS.findall(run))
    return counts


def char_bigrams(run: str) -> list[str]:
    """Overlapping character bigrams: 上门取证 → 上门, 门取, 取证 (one character: none).

    The one way a run of Han characters becomes bigram terms, for documents
    (:func:`bigram_tokens` keeps their offsets too), queries and lookups.
    """
    return [run[i : i + 2] for i in range(len(run) - 1)]


def is_bigram_word(word: str) -> bool:
    """A two-character Han word: the bigram field holds it already."""
    return len(word) == 2 and bool(HAN_RUN.fullmatch(word))


def analyze(text: str, field: str = "words", normalized: bool = False) -> list[Token]:
    """Tokens of ``text`` for one field (``words`` or ``bigrams``).

    ``normalized``: ``text`` is already the output of :func:`normalize_text`
    (the index feeds what it stores for the rerank, rather than normalise twice);
    offsets are then into it.  The index leaves out of the word field the
    two-character Han words (:func:`is_bigram_word`): each is also a bigram,
    and is searched there.
    """
    norm = Normalized(text, range(len(text)), range(1, len(text) + 1)) if normalized else normalize_text(text)
    if field == "words":
        return list(word_tokens(norm))
    if field == "bigrams":
        return list(bigram_tokens(norm))
    raise BadQueryError(f"unknown field {field!r}; expected one of {', '.join(FIELDS)}")


# --- Whoosh adapters -------------------------------------------------------

import zhsearch.whoosh_without_asyncio  # noqa: E402, F401  (first: whoosh without asyncio)
from whoosh.analysis import Token as WhooshToken  # noqa: E402
from whoosh.analysis import Tokenizer  # noqa: E402


class ChainTokenizer(Tokenizer):
    """Feeds one of this module's token streams to Whoosh, honouring its flags."""

    def __init__(self, field: str, normalized: bool = False):
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}")
        self.field = field
        self.normalized = normalized  # values come already normalised

    def __eq__(self, other):
        return isinstance(other, ChainTokenizer) and (other.field, other.normalized) == (self.field, self.normalized)

    def term_counts(self, value: str) -> Counter:
        """The terms this tokenizer gives ``value`` and how often each, for a bulk
        build (:mod:`zhsearch.storage.bulk`): what ``__call__`` yields, counted."""
        if not self.normalized:
            value = normalize_text(value).text
        return term_counts(value, self.field)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for token in analyze(value, self.field, self.normalized):
            if self.field == "words" and is_bigram_word(token.text):
                continue  # indexed as a bigram (a third of the word postings, for nothing)
            t.text = token.text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = token.text
            if positions:
                t.pos = start_pos + token.position
            if chars:
                t.startchar = start_char + token.start
                t.endchar = start_char + token.end
            yield t
