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
from dataclasses import dataclass, field, replace

from zhsearch.text.normalize import HAN_RUN as _CJK_RUN
from zhsearch.text.analyzer import _LETTERS_OR_DIGITS, STOP_WORDS, char_bigrams, segment
from zhsearch.searching.intent import A_NOT_A, Intent, detect_intents, with_cues
from zhsearch.text.lexicon import active_lexicon
from zhsearch.text.normalize import as_taiwan_writes, fold_text, regional_readings
from zhsearch.text.wording import other_wordings
from zhsearch.text.pinyin import pinyin_terms
from zhsearch.text.segment import Segmenter, full_segmenter

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
    pinyin_bigrams: dict[str, tuple[str, ...]] = field(default_factory=dict)  # pair → indexed bigrams that sound so

    @property
    def related_terms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for terms in self.related.values() for t in terms))

    @functools.cached_property
    def asked_text(self) -> str:
        """The question and its related terms (lexicon groups, other wordings), one a line:
        what a heading may restate it in."""
        return "\n".join((self.normalized,) + self.related_terms)

    @property
    def empty(self) -> bool:
        return not (self.words or self.bigrams or self.pinyin)


def _run_bigrams(run: str) -> list[str]:
    grams: list[str] = []
    pos = 0
    for m in _CJK_RUN.finditer(run):
        grams.extend(_alnum_pieces(run[pos : m.start()]))
        han = m.group()
        grams.extend([han] if len(han) == 1 else char_bigrams(han))
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


def plan_query(text: str, segmenter: Segmenter | None = None, is_word=None, lexicon=None) -> QueryPlan:
    """Analyse a question into content runs and index terms.

    ``segmenter`` is the index's own (compact) dictionary; by default jieba's.
    ``is_word(latin_word)``: the index holds it as a word (so it is not pinyin).
    ``lexicon``: the index's own (related terms, cues); by default the active one.
    """
    segmenter = segmenter or full_segmenter()
    text = text[:MAX_QUERY_CHARS]
    norm = fold_text(text)
    pieces = [(w, s, e) for w, s, e in segment(norm, segmenter)]
    asked = [m.span() for m in A_NOT_A.finditer(norm)]  # the A-not-A form only asks
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
    lexicon = lexicon or active_lexicon()
    return QueryPlan(
        text, norm, tuple(runs), words, bigrams, tuple(pinyin_terms(norm, is_word)),
        concepts=concepts,
        intents=with_cues(detect_intents(norm), lexicon.cues),
        related={c: lexicon.related[c] for c in concepts if c in lexicon.related},
        parts={c: word_parts(c, segmenter) for c in concepts},
    )


def translators_wordings(word: str) -> tuple[str, ...]:
    """``word`` in the other wording of the translators (text.wording): 命令 →
    指令; a word holding one, reworded as it stands and as a Taiwan writer
    words the rest of it (命令行 → 指令行, and 命令列 → 指令列).  Candidates:
    a search keeps those its index holds."""
    reworded = other_wordings(word)
    if reworded:
        reworded += other_wordings(as_taiwan_writes(word))
    return tuple(w for w in dict.fromkeys(reworded) if w != word)


def with_regional_readings(plan: QueryPlan, indexed) -> QueryPlan:
    """A query word in the forms it takes in text of the other side of the
    strait, when the index holds those:

    * a word the index does not hold, as OpenCC reads Taiwan wording
      (normalize.regional_readings): 程式 typed by a Taiwanese reader meets the
      程序 the index made of its Taiwan text, 视图 typed by a Mainland reader
      the 查看 it made of 檢視 — only for words the index lacks, so that 程序
      typed by a Mainland reader is never read as the Taiwanese 程序 (进程);
    * any word, in the other wording of its translators
      (:func:`translators_wordings`): 命令 meets 指令, 账户 帐号, 命令行 指令列.

    ``indexed(word)``: the index holds it.
    """
    related = dict(plan.related)
    for concept in plan.concepts:
        if len(concept) < 2:
            continue
        reworded = translators_wordings(concept)
        readings = reworded if indexed(concept) else regional_readings(concept) + reworded
        readings = tuple(r for r in dict.fromkeys(readings) if r != concept and indexed(r))
        if readings:
            related[concept] = tuple(dict.fromkeys(related.get(concept, ()) + readings))
    return plan if related == plan.related else replace(plan, related=related)


def _join_single_characters(content: list[tuple[str, int, int]]) -> list[str]:
    """Adjacent one-character Han words are one unknown word to jieba: 网/贷 → 网贷."""
    out: list[str] = []
    last_end, last_single = None, False
    for word, start, end in content:
        single = len(word) == 1 and _CJK_RUN.match(word)
        if single and out and last_end == start and out[-1][-1:] and _CJK_RUN.match(out[-1]) and last_single:
            out[-1] += word
        else:
            out.append(word)
        last_single, last_end = bool(single), end
    return out
