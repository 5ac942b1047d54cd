"""Did-you-mean on judged questions: right corrections of misspelled ones, none on correct ones.

    python bench/suggestions.py INDEX JUDGMENTS.jsonl [JUDGMENTS.jsonl ...] [--seed 16]

For every judged question (spelled right) it counts the questions shown any
suggestion (the target is none).  Then it misspells them the way an input method
does: one character of a word the corpus holds (two to four Han characters) is
replaced by a common character (one of a word jieba counts over 1,000 times)
whose main toneless reading is the right character's and that the corpus does not hold there (the
new bigrams occur in no passage).  The right correction is the question as it
was (normalised); the table gives the share of misspelled questions whose first
suggestion is it.  Deterministic for a seed.  Also prints `/api/suggest`'s
time (``Index.suggest`` in-process, and ``GET /api/suggest`` through the ASGI
stack with FastAPI's test client) over the first 1–3 characters of the questions.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time

import zhsearch
from zhsearch.text.normalize import fold_text
from zhsearch.text.pinyin import _pinyin_dict, char_readings

HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def homophone_table(everyday: set[str]) -> dict[str, list[str]]:
    """syllable → common characters whose main reading it is (what an input
    method offers for the syllable: 汤 is offered for tang, not for its rare shang)."""
    table: dict[str, list[str]] = {}
    for code in sorted(_pinyin_dict(), key=int):
        ch = chr(int(code))
        if ch in everyday and char_readings(ch):
            table.setdefault(char_readings(ch)[0], []).append(ch)
    return table


def misspell(question: str, idx, homophones, rng) -> str | None:
    """The question with one character of one corpus word replaced by a homophone, or None."""
    norm = fold_text(question)
    searcher = idx._get_searcher()
    df = lambda g: searcher.doc_frequency("bigrams", g)  # noqa: E731
    words = [(w, s, e) for w, s, e in idx.segmenter.tokenize(norm) if 2 <= len(w) <= 4 and HAN.match(w)]
    words = [t for t in words if all(df(t[0][i : i + 2]) for i in range(len(t[0]) - 1))]
    rng.shuffle(words)
    for word, start, end in words:
        positions = list(range(start, end))
        rng.shuffle(positions)
        for j in positions:
            choices = [c for r in char_readings(norm[j])[:1] for c in homophones.get(r, ()) if c != norm[j]]
            rng.shuffle(choices)
            for c in choices:
                wrong = norm[:j] + c + norm[j + 1 :]
                touched = [wrong[k : k + 2] for k in (j - 1, j) if start <= k and k + 2 <= end]
                if touched and not any(df(g) for g in touched):
                    return wrong
    return None


def _p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index")
    parser.add_argument("judgments", nargs="+")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--show", action="store_true", help="print every miss and false suggestion")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    questions = [json.loads(line)["query"] for path in args.judgments for line in open(path, encoding="utf-8") if line.strip()]
    with zhsearch.open_index(args.index) as idx:
        everyday = {ch for w, f in idx.segmenter.freq.items() if f > 1000 for ch in w}
        homophones = homophone_table(everyday)
        shown = [(q, r.suggestions[0].text) for q in questions if (r := idx.search(q)).suggestions]
        cases = [(wrong, fold_text(q)) for q in questions if (wrong := misspell(q, idx, homophones, rng))]
        right, misses = 0, []
        for wrong, expected in cases:
            got = idx.search(wrong).suggestions
            if got and fold_text(got[0].text) == expected:
                right += 1
            else:
                misses.append((wrong, expected, got[0].text if got else None))
        prefixes = [fold_text(q)[:n] for q in questions[:60] for n in (1, 2, 3)]
        started = time.perf_counter()
        idx.suggest("上")  # the completion table is built once, on the first call
        first = (time.perf_counter() - started) * 1000
        times = []
        for p in prefixes:
            started = time.perf_counter()
            idx.suggest(p)
            times.append((time.perf_counter() - started) * 1000)
    api = []
    try:
        from fastapi.testclient import TestClient

        from zhsearch.interfaces.web import create_app
    except ImportError:
        pass
    else:
        with TestClient(create_app(args.index)) as client:
            client.get("/api/suggest", params={"q": "上"})
            for p in prefixes:
                started = time.perf_counter()
                client.get("/api/suggest", params={"q": p}).raise_for_status()
                api.append((time.perf_counter() - started) * 1000)
    print(f"correct questions        {len(questions):5d}  shown a suggestion {len(shown)} ({len(shown) / len(questions):.1%})")
    print(f"misspelled questions     {len(cases):5d}  right first suggestion {right} ({right / max(1, len(cases)):.1%})")
    print(f"Index.suggest, warm      {len(times):5d}  p50 {statistics.median(times):.2f} ms  p95 {_p95(times):.2f} ms  (first call {first:.0f} ms)")
    if api:
        print(f"GET /api/suggest, warm   {len(api):5d}  p50 {statistics.median(api):.2f} ms  p95 {_p95(api):.2f} ms")
    if args.show:
        for q, s in shown:
            print(f"false: {q} → {s}")
        for wrong, expected, got in misses:
            print(f"miss: {wrong}  want {expected}  got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
