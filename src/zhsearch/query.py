"""From a question as typed to the terms that drive retrieval and ranking.

A question is analysed by the same chain as the documents.  Question and
function words (吗, 会不会, 怎么办 …) are masked out, so what remains are the
*content runs* of the question — ``九千会上门吗`` → ``9000`` and ``上门`` — and
from them the word, bigram and pinyin terms that are looked up in the index.

>>> plan = plan_query("九千会上门吗")
>>> plan.words, plan.bigrams
(('9000', '上门'), ('9000', '上门'))
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from zhsearch.analysis import _CJK_RUN, _LETTERS_OR_DIGITS, STOP_WORDS, han_pinyin, segment
from zhsearch.intent import Intent, detect_intents
from zhsearch.lexicon import active_lexicon
from zhsearch.normalize import normalize_text
from zhsearch.segment import Segmenter, full_segmenter

# A-not-A questions (会不会, 是不是, 有没有, 可不可以): the whole form only asks.
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1(?<=可不可)以?|([\u4e00-\u9fff])[不没]\2")
_LATIN_WORD = re.compile(r"[a-zü]+[1-5]?(?:[a-zü]+[1-5]?)*")
MAX_QUERY_CHARS = 1000  # longer input is cut: no question is longer, and cost grows with length


@dataclass(frozen=True)
class QueryPlan:
    """What a query asks for, in the index's own terms."""

    text: str
    normalized: str
    runs: tuple[str, ...]  # content runs of the normalised query, in order
    words: tuple[str, ...]  # jieba content words
    bigrams: tuple[str, ...]  # bigrams of the content runs (lone characters, digit/Latin runs whole)
    pinyin: tuple[str, ...]  # syllable pairs, when the query is typed in pinyin
    concepts: tuple[str, ...] = ()  # units of coverage: content words, single characters joined
    intents: tuple[Intent, ...] = ()  # what kind of answer the question asks for
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)  # concept → related terms (lexicon)
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # concept → what of it can be found

    @property
    def related_terms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for terms in self.related.values() for t in terms))

    @property
    def empty(self) -> bool:
        return not (self.words or self.bigrams or self.pinyin)


def _run_bigrams(run: str) -> list[str]:
    grams: list[str] = []
    pos = 0
    for m in _CJK_RUN.finditer(run):
        grams.extend(_alnum_pieces(run[pos : m.start()]))
        han = m.group()
        grams.extend([han] if len(han) == 1 else [han[i : i + 2] for i in range(len(han) - 1)])
        pos = m.end()
    grams.extend(_alnum_pieces(run[pos:]))
    return grams


def _alnum_pieces(text: str) -> list[str]:
    return [m.group() for m in _LETTERS_OR_DIGITS.finditer(text)]


def word_parts(word: str, segmenter: Segmenter) -> tuple[str, ...]:
    """What of a query word can be found: the word's bigrams, or for a long
    word its dictionary sub-words (出示证件 → 出示, 证件), so that a passage saying
    出示身份证明 gets partial credit for 出示证件."""
    grams = _run_bigrams(word)
    if len(word) <= 2 or not grams or len(grams) == 1:
        return tuple(grams) or (word,)
    known = [g for g in grams if segmenter.is_word(g)]
    return tuple(known or grams)


def plan_query(text: str, segmenter: Segmenter | None = None) -> QueryPlan:
    """Analyse a question into content runs and index terms.

    ``segmenter`` is the index's own (compact) dictionary; by default jieba's.
    """
    segmenter = segmenter or full_segmenter()
    text = text[:MAX_QUERY_CHARS]
    norm = normalize_text(text).text
    pieces = [(w, s, e) for w, s, e in segment(norm, segmenter)]
    asked = [m.span() for m in _A_NOT_A.finditer(norm)]
    content = [
        (w, s, e)
        for w, s, e in pieces
        if any(c.isalnum() for c in w)
        and w not in STOP_WORDS
        and not any(a <= s and e <= b for a, b in asked)
    ]
    if not content:  # a question made only of question words still searches for them
        content = [(w, s, e) for w, s, e in pieces if any(c.isalnum() for c in w)]
    runs: list[str] = []
    last_end = None
    for w, s, e in content:
        if last_end is not None and s == last_end and runs:
            runs[-1] += w
        else:
            runs.append(w)
        last_end = e
    words = tuple(dict.fromkeys(w.strip() for w, _, _ in content))
    bigrams = tuple(dict.fromkeys(g for run in runs for g in _run_bigrams(run)))
    concepts = tuple(dict.fromkeys(_join_single_characters(content)))
    lexicon = active_lexicon().related
    return QueryPlan(
        text, norm, tuple(runs), words, bigrams, tuple(pinyin_terms(norm)),
        concepts=concepts,
        intents=detect_intents(norm),
        related={c: lexicon[c] for c in concepts if c in lexicon},
        parts={c: word_parts(c, segmenter) for c in concepts},
    )


def _join_single_characters(content: list[tuple[str, int, int]]) -> list[str]:
    """Adjacent one-character Han words are one unknown word to jieba: 网/贷 → 网贷."""
    out: list[str] = []
    last_end = None
    for word, start, end in content:
        single = len(word) == 1 and _CJK_RUN.match(word)
        if single and out and last_end == start and out[-1][-1:] and _CJK_RUN.match(out[-1]) and last_single:
            out[-1] += word
        else:
            out.append(word)
        last_single, last_end = bool(single), end
    return out


# --- pinyin ---------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (ü written v)."""
    from pypinyin.pinyin_dict import pinyin_dict

    syllables = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            syllables.add(strip_tones(reading))
    syllables.discard("")
    return frozenset(s for s in syllables if s.isalpha() and s.isascii())


def strip_tones(word: str) -> str:
    """``shàngmén`` / ``shang4men2`` → ``shangmen`` (ü → v)."""
    word = word.replace("ü", "v").replace("u:", "v")
    decomposed = unicodedata.normalize("NFD", word)
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


def pinyin_terms(norm: str) -> list[str]:
    """Syllable-pair terms for a query typed in pinyin; [] for an ordinary query.

    Latin words are read as pinyin only when the query has no Han characters, or
    when a word splits into two or more syllables, so that English words and
    Chinese questions are not flooded with homophones.
    """
    latin = [m.group() for m in _LATIN_WORD.finditer(strip_tones(norm))]
    if not latin:
        return []
    has_han = bool(_CJK_RUN.search(norm))
    syllables: list[str] = []
    for word in latin:
        split = split_syllables(strip_tones(word))
        if split is None or (has_han and len(split) < 2):
            if syllables:
                break
            continue
        syllables.extend(split)
    if len(syllables) == 1:
        return syllables
    return [f"{a}_{b}" for a, b in zip(syllables, syllables[1:])]


def pinyin_of(text: str) -> list[str]:
    """Toneless pinyin of the Han characters of ``text`` (for display and tests)."""
    return [s for m in _CJK_RUN.finditer(text) for s in han_pinyin(m.group())]
