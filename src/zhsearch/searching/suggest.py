"""Did you mean, and finish-as-you-type, from the corpus's own words and their sounds.

Chinese typing mistakes are input-method mistakes: the right sound, the wrong
character (上们催收 for 上门催收, 于期 for 逾期).  A correction is therefore looked for
by sound, among the words the corpus holds, never by edit distance:

* a character beside a query bigram the index has never seen is suspect,
  unless it belongs to a word the corpus or the dictionary holds;
* the index's pinyin map (``shang_men → 上门 …``, :mod:`zhsearch.text.pinyin`) names
  the corpus bigrams that sound like it beside the same neighbour: each gives
  a replacement character — the same main syllable first, then the near sounds
  an input method confuses (z/zh, c/ch, s/sh, n/l, in/ing, en/eng);
* the replacement must make a word of the corrected query as it is cut (the
  index's compact dictionary) that the corpus holds, cut through no held word,
  and stand in passages beside a third of the query's other words; the closest
  sounding, longest mending, most found one wins.

Everything here is loaded only when a search found little, or when
:meth:`Index.suggest` is first called: an ordinary search costs nothing more.

>>> from zhsearch import open_index                     # doctest: +SKIP
>>> open_index("index").search("上们催收").suggestions[0].text   # doctest: +SKIP
'上门催收'
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from zhsearch.text.analyzer import _GLUE_HEADS, STOP_WORDS, char_bigrams, segment
from zhsearch.text.pinyin import char_readings, load_pinyin_map, pinyin_bigrams, strip_tones, typed_readings
from zhsearch.storage.stored import StoredPassage, read_record
from zhsearch.text.normalize import HAN_RUN as _HAN_RUN

_LATIN_ONLY = re.compile(r"[a-z]+")
# letters being typed, tone marks and ü included (not part of a token such as a-b or v1)
_PINYIN_LETTER = "a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ"
_LATIN_TAIL = re.compile(rf"(?<![0-9_\-.{_PINYIN_LETTER}])[{_PINYIN_LETTER}]+\Z")
MAX_WORD = 6  # longest corrected word looked at (上门催收 is 4)
MAX_SUGGESTIONS = 3
MAX_QUERY = 120  # characters: the longest judged question has 112
MAX_SPOTS = 3  # characters corrected in one query
EXACT, NEAR = 0, 1  # how a replacement sounds: the same syllable, or a near one
_NEAR_INITIALS = (("zh", "z"), ("z", "zh"), ("ch", "c"), ("c", "ch"), ("sh", "s"), ("s", "sh"),
                  ("n", "l"), ("l", "n"))
_NEAR_FINALS = (("ing", "in"), ("in", "ing"), ("eng", "en"), ("en", "eng"))
MIN_INITIALS, MAX_INITIALS = 2, 6  # letters of one word's initials (a run of two may have twice as many)
COMPLETION_POOL = 200  # prefix matches whose passages are counted, most frequent words first
RUN_PASSAGES = 200  # passages read for the runs that follow a prefix


@dataclass(frozen=True)
class Suggestion:
    """A query the corpus answers better: ``text``, and the passages holding its corrected words."""

    text: str
    passages: int
    reason: str  # "homophone", "near-sound", "initials", "completion"

    def to_dict(self) -> dict:
        return {"text": self.text, "passages": self.passages, "reason": self.reason}


def near_syllables(syllable: str) -> set[str]:
    """Syllables an input method confuses with ``syllable`` (not itself).

    >>> sorted(near_syllables("zheng"))
    ['zen', 'zeng', 'zhen']
    """
    once = _one_step(syllable)
    twice = {n for s in once for n in _one_step(s)}
    # (spellings that are no syllable, zua of zhua, meet no reading and no map key: harmless)
    return {s for s in once | twice if s != syllable}


def _one_step(syllable: str) -> set[str]:
    out = set()
    initial = syllable[:2] if syllable[:2] in ("zh", "ch", "sh") else syllable[:1]
    rest = syllable[len(initial):]
    for a, b in _NEAR_INITIALS:
        if initial == a:
            out.add(b + rest)
    for a, b in _NEAR_FINALS:
        if rest.endswith(a) and not (a == "in" and rest.endswith("ing")):
            out.add(initial + rest[: -len(a)] + b)
    return out


def _closeness(typed: str, replacement: str) -> int | None:
    """EXACT when the typed character's main reading is one of the replacement's
    (们 men → 门; 航 hang → 行 of 银行), NEAR for a near sound; None otherwise.
    The typed character's rare readings do not count (不 is fu only in old texts)."""
    readings = char_readings(typed)
    if not readings:
        return None
    theirs = set(char_readings(replacement))
    if readings[0] in theirs:
        return EXACT
    if near_syllables(readings[0]) & theirs:
        return NEAR
    return None


class Suggester:
    """Corrections and completions over one open index (its searcher, compact
    dictionary and pinyin map); built lazily, cheap to keep."""

    def __init__(self, searcher, segmenter, generation: Path, read_errors=(), unreadable=None):
        self.searcher = searcher
        # what reading a damaged index raises, and the error it becomes (zhsearch.searching.search's)
        self._read_errors, self._unreadable = tuple(read_errors), unreadable
        self.segmenter = segmenter
        self.generation = Path(generation)
        self._pinyin_map: dict[str, str] | None = None
        self._docs_cache: dict[str, set[int]] = {}
        self._initials: dict[str, list[str]] | None = None
        self._keys: list[tuple[str, str]] | None = None  # (spelling, word), sorted: completion
        self._initial_keys: list[tuple[str, str]] | None = None  # (initials, word), sorted
        self._pinyin_keys: list[str] | None = None  # the pinyin map's keys, sorted

    def _read(self, call, *args):
        """``call(*args)``, one read of the index: a damaged index is the index's error."""
        try:
            return call(*args)
        except self._read_errors as exc:
            if self._unreadable is None:
                raise
            raise self._unreadable(exc) from exc

    def _norm(self, docnum: int) -> str:
        """The normalised text of one stored passage (read in the guard, made a record outside it)."""
        return StoredPassage.from_fields(self._read(lambda: read_record(self.searcher.stored_fields(docnum)))).norm

    @property
    def pinyin_map(self) -> dict[str, str]:
        if self._pinyin_map is None:
            self._pinyin_map = self._read(load_pinyin_map, self.generation)
        return self._pinyin_map

    # --- counting ----------------------------------------------------------

    def _df(self, bigram: str) -> int:
        return self._read(self.searcher.doc_frequency, "bigrams", bigram)

    def _in_corpus(self, word: str) -> bool:
        return all(self._df(g) for g in char_bigrams(word))

    def passages_holding(self, word: str, within: set[int] | None = None) -> int:
        """Passages (of ``within``, if given) whose text holds ``word`` as written."""
        if within is None and len(word) == 2:
            return self._df(word)
        if not self._in_corpus(word):
            return 0
        from zhsearch.searching.restrict import run_pattern

        pattern = run_pattern(word)
        docs = within if within is not None else self._docs(word) or ()
        return sum(1 for d in docs if pattern.search(self._norm(d)))

    # --- did you mean ------------------------------------------------------

    def did_you_mean(self, normalized: str, concepts=(), typed: str = "") -> tuple[Suggestion, ...]:
        """Corrections of a normalised query, best first; () when nothing sounds better.

        ``concepts`` are the query's content words (:class:`~zhsearch.searching.query.QueryPlan`):
        a correction must be found in passages beside those of them the corpus
        holds, so that it fits the question (软件包视图 is not 软件包试图).
        ``typed``, the query as typed: corrected in place when normalising kept its
        length (``Debian 上们？`` stays ``Debian 上门？``, not ``debian 上门?``).
        """
        if _LATIN_ONLY.fullmatch(normalized.strip()):
            return self.from_initials(normalized.strip())
        if len(normalized) > MAX_QUERY:  # pasted text, not a question typed wrong
            return ()
        context = None  # the query's words the corpus holds: looked up only once a character is suspect
        spots = []  # per suspect character: its candidate corrections, best first
        for m in _HAN_RUN.finditer(normalized):
            run, base = m.group(), m.start()
            unknown = [i for i in range(len(run) - 1) if not self._df(run[i : i + 2])]
            # A character inside a word the corpus holds (暴 of 暴力 in 催收时暴力) is
            # spelled right, whatever its neighbours: a wrong one breaks its word.
            # A dictionary word (哪里, in a corpus that says 哪儿) is spelled right too.
            held = [(s, e) for w, s, e in segment(run, self.segmenter) if len(w) > 1
                    and (self._in_corpus(w) or self.segmenter.is_word(w))]
            inside = {j for s, e in held for j in range(s, e)}
            suspects = sorted({j for i in unknown for j in (i, i + 1)} - inside)
            if suspects and context is None:
                context = [c for c in concepts if len(c) > 1 and self._docs(c) is not None]
            for j in suspects:
                found = self._corrections(run, j, held, context)
                if found:
                    spots.append((base, j, found))
                    if len(spots) > MAX_SPOTS:  # more wrong than right: no typing mistake
                        return ()
        if not spots:
            return ()
        # A traditional query is shown normalised: 網貸上门 would mix the scripts.
        in_place = len(typed) == len(normalized) and all(
            a == b for a, b in zip(typed, normalized) if _HAN_RUN.match(a) or _HAN_RUN.match(b))
        return self._combine(typed if in_place else normalized, spots)

    def _docs(self, concept: str) -> set[int] | None:
        """Passages holding every index term of ``concept`` (None: some term is in none)."""
        from zhsearch.searching.query import _run_bigrams
        from zhsearch.searching.retrieve import holding_all

        grams = _run_bigrams(concept)
        if not grams or not all(self._df(g) for g in grams):
            return None
        if concept not in self._docs_cache:
            self._docs_cache[concept] = self._read(holding_all, self.searcher, "bigrams", grams)
        return self._docs_cache[concept]

    def _replacements(self, run: str, j: int) -> dict[str, int]:
        """Characters sounding like ``run[j]`` that the corpus holds beside a neighbour."""
        ch = run[j]
        readings = char_readings(ch)[:1]
        sounds = set(readings) | {n for r in readings for n in near_syllables(r)}
        out: dict[str, int] = {}
        for side in (-1, 1):
            k = j + side
            if not 0 <= k < len(run):
                continue
            for other in char_readings(run[k]):
                for sound in sounds:
                    key = f"{other}_{sound}" if side == -1 else f"{sound}_{other}"
                    for gram in pinyin_bigrams(self.pinyin_map.get(key, "")):
                        candidate = gram[1] if side == -1 else gram[0]
                        neighbour = gram[0] if side == -1 else gram[1]
                        if neighbour != run[k] or candidate == ch:
                            continue
                        close = _closeness(ch, candidate)
                        if close is not None:
                            out[candidate] = min(close, out.get(candidate, close))
        return out

    def _corrections(self, run: str, j: int, held: list[tuple[int, int]], context) -> list[tuple]:
        """(closeness, -passages, corrected run, word, start, end) for run[j], best first.

        The corrected character must make a word of the corrected run *as it
        is cut* (so 9000元会 is never read as 院会: the cut is 院/会), a word the
        corpus holds, that cuts through no held word.
        Its passages are those that also hold the query's other held words.
        """
        found = []
        for candidate, close in self._replacements(run, j).items():
            fixed = run[:j] + candidate + run[j + 1 :]
            token = next(((w, s, e) for w, s, e in segment(fixed, self.segmenter) if s <= j < e), None)
            if token is None or len(token[0]) < 2:
                continue
            word, start, end = token
            # it may take in a held word whole (软件暴 → 软件包), never cut one (时为什么 ↛ 视为|什么)
            # (jieba's glue 会上 of 会上们 may lose its second character: 会/上门)
            cuts = any((s < start < e and not (start == s + 1 and run[s] in _GLUE_HEADS)) or s < end < e
                       for s, e in held)
            if cuts or not self._in_corpus(word):
                continue
            docs = self._docs(word) or set()
            others = [c for c in context if c not in word and word not in c]
            if others:  # it must stand beside at least a third of the query's other held words
                need = max(1, len(others) // 3)
                tally: dict[int, int] = {}
                for concept in others:
                    for d in docs & self._docs(concept):
                        tally[d] = tally.get(d, 0) + 1
                docs = {d for d, n in tally.items() if n >= need}
            if docs and len(word) > 2:  # bigrams all present is not the run itself
                count = self.passages_holding(word, within=docs)
            else:
                count = len(docs or ())
            if count:
                found.append((close, -count, fixed, word, start, end))
        # the same sound first; then the word that mends most of the broken stretch; then the most found
        found.sort(key=lambda f: (f[0], -len(f[3]), f[1]))
        return found

    def _combine(self, normalized: str, spots) -> tuple[Suggestion, ...]:
        """One suggestion with every suspect spot corrected, then the runners-up of the first."""
        text = list(normalized)  # (or the query as typed, of the same length)
        taken: set[int] = set()
        words, closeness, count = [], EXACT, None
        for base, j, found in sorted(spots, key=lambda s: (s[2][0][0], s[2][0][1])):
            close, neg, fixed, word, start, end = found[0]
            span = set(range(base + start, base + end))
            if span & taken:
                continue
            taken |= span
            text[base + j] = fixed[j]
            words.append(word)
            closeness = max(closeness, close)
            count = -neg if count is None else min(count, -neg)
        reason = "homophone" if closeness == EXACT else "near-sound"
        out = [Suggestion("".join(text), count or 0, reason)]
        base, j, found = min(spots, key=lambda s: (s[2][0][0], s[2][0][1]))
        for close, neg, fixed, _, _, _ in found[1:]:
            alt = list(normalized)
            alt[base + j] = fixed[j]
            candidate = Suggestion("".join(alt), -neg, "homophone" if close == EXACT else "near-sound")
            if candidate.text not in {s.text for s in out}:
                out.append(candidate)
            if len(out) >= MAX_SUGGESTIONS:
                break
        return tuple(out)

    # --- pinyin initials -----------------------------------------------------

    def _initials_table(self) -> dict[str, list[str]]:
        if self._initials is None:
            table: dict[str, list[str]] = {}
            for word, freq in self.segmenter.freq.items():
                if freq and MIN_INITIALS <= len(word) <= MAX_INITIALS and _HAN_RUN.fullmatch(word):
                    for key in _spellings(word, initials=True):
                        table.setdefault(key, []).append(word)
            self._initials = table
        return self._initials

    def from_initials(self, letters: str) -> tuple[Suggestion, ...]:
        """``smcs`` → 上门催收: a corpus word, or a run of two, whose syllables start
        with these letters; only for input that is nothing but such initials."""
        if not MIN_INITIALS <= len(letters) <= 2 * MAX_INITIALS:
            return ()
        if self._read(self.searcher.doc_frequency, "words", letters) or self._df(letters):
            return ()  # a word the corpus uses (gnu, apt) is that word
        scored = {word: count for word in self._initials_table().get(letters, ())
                  if (count := self.passages_holding(word))}
        if not scored:  # two words: sm + cs
            for cut in range(MIN_INITIALS, len(letters) - MIN_INITIALS + 1):
                left, right = self._best_words(letters[:cut]), self._best_words(letters[cut:])
                for first in left:
                    for second in right:
                        docs = (self._docs(first) or set()) & (self._docs(second) or set())
                        if docs and (count := self.passages_holding(first + second, within=docs)):
                            scored[first + second] = count
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
        return tuple(Suggestion(word, count, "initials") for word, count in ranked[:MAX_SUGGESTIONS])

    def _best_words(self, letters: str, keep: int = 3) -> list[str]:
        words = [w for w in self._initials_table().get(letters, ()) if self._in_corpus(w)]
        return sorted(words, key=lambda w: -self.passages_holding(w))[:keep]

    # --- completion ----------------------------------------------------------

    def _completion_keys(self) -> list[tuple[str, str]]:
        if self._keys is None:
            keys = []
            for word, freq in self.segmenter.freq.items():
                if not freq or len(word) < 2:
                    continue
                keys.append((word, word))
                if _HAN_RUN.fullmatch(word):
                    keys.extend((spelling, word) for spelling in _spellings(word))
            keys.sort()
            self._keys = keys
        return self._keys

    def complete(self, prefix: str, limit: int = 8) -> tuple[Suggestion, ...]:
        """Continuations of the last word being typed, as whole queries, most found first.

        The prefix is matched in characters (either script: it is normalised)
        or, typed in Latin letters, as pinyin (``shangm``, ``shangmen`` → 上门;
        ``smcs`` → 上门催收; ``lvcha`` = ``lücha`` → 绿茶) or as a Latin word of
        the corpus. Letters are always replaced whole: never ``shang明确``.
        """
        from zhsearch.text.normalize import fold_text

        text = fold_text(prefix)
        if not text.strip():
            return ()
        head, tail = _split_last(text)
        latin = _LATIN_TAIL.search(tail)
        if latin:  # the letters typed after the last Han character (or alone)
            before = head + tail[: latin.start()]
            counts = self._latin_completions(strip_tones(latin.group()), han_before=bool(latin.start()))
            if not latin.start():  # a Latin word of the corpus, as written (deb → debian)
                for word in self._latin_words_starting(latin.group()):
                    counts.setdefault(word, self._count(word))
            main = {w: _spelled_mainly(w, latin.group()) for w in counts}
            ranked = sorted(counts.items(), key=lambda item: (not main[item[0]], -item[1], len(item[0]), item[0]))
            return tuple(Suggestion(before + word, n, "completion") for word, n in ranked[:limit])
        for cut in range(max(0, len(tail) - MAX_WORD), len(tail)):  # the longest ending that starts words
            stem = tail[cut:]
            if not _HAN_RUN.match(stem):  # a stem starts at a character, never inside letters or digits
                continue
            counts = {w: n for w in self._words_starting(stem) if (n := self._count(w))}
            for run, n in self._runs_starting(stem).items():
                counts[run] = max(n, counts.get(run, 0))
            if counts:
                ranked = sorted(counts.items(), key=lambda item: (-item[1], len(item[0]), item[0]))
                before = head + tail[:cut]
                return tuple(Suggestion(before + word, n, "completion") for word, n in ranked[:limit])
        return ()

    def _latin_completions(self, letters: str, han_before: bool) -> dict[str, int]:
        """Corpus words and phrases the letters spell, by passages: whole Han words
        whose pinyin starts with them (full syllables, the last one partial), whose
        initials start with them, Latin words as written (not after Han), and, when
        no word spells them all, a corpus phrase their syllables sound like."""
        counts: dict[str, int] = {}
        for word in self._words_starting(letters):
            if (han_before and not _HAN_RUN.fullmatch(word)) or not (n := self._count(word)):
                continue
            counts[word] = n
        # initials (smc → 上门催收) when the letters are no syllables typed in full, or spell no word
        if MIN_INITIALS <= len(letters) <= MAX_INITIALS and (not counts or _syllables_typed(letters) is None):
            for word in self._words_with_initials(letters):
                if word not in counts and (n := self._count(word)):
                    counts[word] = n
        whole = [w for w in counts if _HAN_RUN.fullmatch(w) and letters in _spellings(w, cap=16)]
        if not whole:  # the letters spell more than one word: a phrase of the corpus, or initials of two
            for phrase, n in self._phrases_spelled(letters).items():
                counts[phrase] = max(n, counts.get(phrase, 0))
            if not counts:
                counts.update((s.text, s.passages) for s in self.from_initials(letters))
        elif len(whole) == 1 or counts[whole[0]] == max(counts[w] for w in whole):
            best = max(whole, key=lambda w: counts[w])
            for run, n in self._runs_starting(best).items():  # shangmen → 上门催收, 上门取证 …
                counts.setdefault(run, n)
        # a word spelled by its characters' main readings first (s: 上门 before 以及, 以 si being rare)
        return counts

    def _latin_words_starting(self, letters: str) -> list[str]:
        """Latin words of the index's words field that start with the letters."""
        found = []

        def read() -> None:
            for term in self.searcher.reader().expand_prefix("words", letters):
                word = term.decode("utf-8") if isinstance(term, bytes) else term
                if word != letters and _LATIN_ONLY.fullmatch(word):
                    found.append(word)
                    if len(found) >= COMPLETION_POOL:
                        break

        self._read(read)
        return found

    def _pair_grams(self, a: str, b: str) -> list[str]:
        """The corpus bigrams read ``a_b``; ``b`` may be the start of a syllable (yuq: yu_qi …)."""
        from zhsearch.text.pinyin import pinyin_syllables

        if b in pinyin_syllables():
            return pinyin_bigrams(self.pinyin_map.get(f"{a}_{b}", ""))
        prefix = f"{a}_{b}"
        if hasattr(self.pinyin_map, "with_prefix"):  # the stored table, read a block at a time
            return [g for _, value in self.pinyin_map.with_prefix(prefix) for g in pinyin_bigrams(value)]
        if self._pinyin_keys is None:  # an index written before the table: a dict
            self._pinyin_keys = sorted(self.pinyin_map)
        keys = self._pinyin_keys
        at, grams = bisect.bisect_left(keys, prefix), []
        while at < len(keys) and keys[at].startswith(prefix):
            grams.extend(pinyin_bigrams(self.pinyin_map[keys[at]]))
            at += 1
        return grams

    def _words_with_initials(self, letters: str) -> list[str]:
        """Han words whose syllables' initials start with ``letters`` (smc → 上门催收)."""
        if self._initial_keys is None:
            self._initial_keys = sorted((key, word) for key, words in self._initials_table().items()
                                        for word in words)
        keys = self._initial_keys
        at = bisect.bisect_left(keys, (letters, ""))
        words: dict[str, None] = {}
        while at < len(keys) and keys[at][0].startswith(letters) and len(words) < COMPLETION_POOL:
            words[keys[at][1]] = None
            at += 1
        return list(words)

    def _phrases_spelled(self, letters: str, keep: int = 20) -> dict[str, int]:
        """``shangmencuishou`` → {上门催收: 9}: the Han runs the corpus holds whose
        syllables are the letters' (chained through the pinyin map, one bigram a
        syllable pair); {} when the letters are not whole syllables."""
        syllables = _syllables_typed(letters)
        if not syllables or len(syllables) < 2 or len(syllables) > MAX_WORD + 2:
            return {}
        runs = [""]
        for a, b in zip(syllables, syllables[1:]):
            grams = self._pair_grams(a, b)
            grown = [run + g[1] if run else g for run in runs for g in grams if not run or run[-1] == g[0]]
            runs = sorted({r for r in grown if self._docs(r) is not None}, key=lambda r: -self._df(r[-2:]))[:keep]
            if not runs:
                return {}
        # words, not a stretch across them: 上门/催收 is a phrase, 的/变 (de bian) is not;
        # a run ending inside a word (上门催, the last syllable partial) is finished by the passages
        found: dict[str, int] = {}
        for run in runs:
            words = [w for w, _, _ in segment(run, self.segmenter)]
            if len(words[0]) < 2:
                continue
            if all(len(w) > 1 for w in words):
                if n := self.passages_holding(run):
                    found[run] = n
            else:
                for longer, n in self._runs_starting(run).items():
                    found[longer] = max(n, found.get(longer, 0))
        return found

    def _runs_starting(self, stem: str) -> dict[str, int]:
        """``上门`` → {上门催收: 30, 上门取证: 12 …}: the stem and the word that follows
        it (or the rest of the word it begins) in the passages, by passages."""
        if len(stem) < 2 or not _HAN_RUN.fullmatch(stem):
            return {}
        docs = sorted(self._docs(stem) or ())[:RUN_PASSAGES]
        found: dict[str, set[int]] = {}
        for d in docs:
            norm = self._norm(d)
            at = norm.find(stem)
            while at != -1:
                window = norm[at : at + len(stem) + MAX_WORD]
                run, last = "", ""
                for word, start, end in segment(window, self.segmenter):
                    run, last = window[:end], word if start >= len(stem) else ""
                    if end > len(stem):
                        break
                # the next word must say something (not 上门吗, 上门的)
                if len(run) > len(stem) and _HAN_RUN.fullmatch(run) and (
                    not last or (len(last) > 1 and last not in STOP_WORDS)
                ):
                    found.setdefault(run, set()).add(d)
                at = norm.find(stem, at + 1)
        return {run: len(ds) for run, ds in found.items() if len(ds) > 1 or len(docs) < 10}

    def _words_starting(self, stem: str) -> list[str]:
        keys = self._completion_keys()
        at = bisect.bisect_left(keys, (stem, ""))
        words: dict[str, None] = {}
        freq = self.segmenter.freq
        while at < len(keys) and keys[at][0].startswith(stem):
            word = keys[at][1]
            if word != stem:
                words[word] = None
            at += 1
        ordered = sorted(words, key=lambda w: -freq.get(w, 0))[:COMPLETION_POOL]
        return ordered

    def _count(self, word: str) -> int:
        if len(word) == 2 and _HAN_RUN.fullmatch(word):
            return self._df(word)
        return self._read(self.searcher.doc_frequency, "words", word)


def _split_last(text: str) -> tuple[str, str]:
    """``网贷 上门`` → (``网贷 ``, ``上门``): only the word being typed is completed."""
    at = text.rstrip().rfind(" ") + 1
    return text[:at], text[at:].rstrip()


def _syllables_typed(letters: str) -> list[str] | None:
    """Whole syllables, the last one perhaps only begun: ``wangdaiyuq`` →
    wang dai yu q; None when the letters are no pinyin."""
    from zhsearch.text.pinyin import pinyin_syllables, split_syllables

    whole = split_syllables(letters)
    if whole is not None:
        return whole
    for cut in range(len(letters) - 1, max(0, len(letters) - 6), -1):
        rest, head = letters[cut:], split_syllables(letters[:cut])
        if head and any(s.startswith(rest) for s in pinyin_syllables()):
            return head + [rest]
    return None


def _spelled_mainly(word: str, letters: str) -> bool:
    """The letters start the word's pinyin read by each character's main reading
    (or its initials): 上门 for ``s``, not 以及 (以 si is a rare reading)."""
    letters = strip_tones(letters)
    if not _HAN_RUN.fullmatch(word):
        return word.startswith(letters)  # a Latin word as written
    main = [char_readings(ch)[:1] for ch in word]
    if not all(main):
        return False
    spelled = "".join(r[0] for r in main)
    initials = "".join(r[0][0] for r in main)
    return any(s.startswith(letters) for s in (spelled, spelled.replace("v", "u"), initials))


def _spellings(word: str, initials: bool = False, cap: int = 4) -> set[str]:
    """Toneless pinyin of a word joined without spaces (every reading of a
    polyphone, at most ``cap`` combinations), or its initials."""
    readings = []
    for ch in word:
        found = typed_readings(ch)  # ü typed v or u (lvcha, lucha)
        if not found:
            return set()
        readings.append(sorted({r[0] for r in found}) if initials else found)
    return {"".join(combo) for combo in itertools.islice(itertools.product(*readings), cap)}
