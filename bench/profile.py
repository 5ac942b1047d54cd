"""Where a build and a query spend their time, stage by stage, at a given corpus size.

    python bench/profile.py --poems 50000            # build, then query (about 3 minutes)
    python bench/profile.py --poems 311855 query     # query an index already built by a run before
    python bench/profile.py --poems 3000 build       # the build only

A sampling profiler: a thread looks at the main thread's stack every
millisecond and charges the time since its last look to one stage, the
first in STAGES order whose code is on the stack (so jieba inside Whoosh's
``add_document`` is jieba, not the writer).  No tracing, so what is measured
runs at its own speed; the figures are seconds of wall time and shares, a
sample every ~1-5 ms.

The build runs in this process, its analysis too (a parallel build analyses in
worker processes a sampler cannot see, and the parent keeps the writer's share); the query
profile reads the index of that build (or of an earlier run), warm, over the
bench questions for ``--rounds`` rounds, after a cold first query that is
timed on its own.  The poems are prepared as bench/run.py prepares them.
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

# (stage, where its code is: a path fragment of the file, and function names or None for any)
BUILD_STAGES = [
    ("dictionary and pinyin map (after the passages)", "zhsearch/storage/build.py",
     {"_save_lookups", "_save_from_terms", "_save_dictionary", "_save_pinyin_map"}),
    ("terms written at commit (records, table, posting blocks)", "zhsearch/storage/bulk.py", {"_flush_segment"}),
    ("postings gathered by the writer (the parent's share)", "zhsearch/storage/bulk.py", {"add_analysed"}),
    ("reading files, splitting passages, structure", "zhsearch/reading/", None),
    ("cross-strait readings (Taiwan phrasing, both readings)", "zhsearch/text/normalize.py",
     {"character_readings", "both_readings", "wording_changes", "regional_readings", "_conversions", "to_mainland",
      "_taiwan_phrasing", "as_taiwan_writes"}),
    ("jieba (words)", "jieba/", None),
    ("jieba (words)", "zhsearch/text/segment.py", None),
    ("normalisation (width, script, numerals)", "zhsearch/text/normalize.py", None),
    ("normalisation (width, script, numerals)", "opencc", None),
    ("bigrams and term counts", "zhsearch/text/analyzer.py", {"term_counts", "char_bigrams", "bigram_tokens"}),
    ("analysis, other", "zhsearch/text/analyzer.py", None),
    ("stored records (pickle, deflate)", "zhsearch/storage/records.py", None),
    ("postings inverted per file (a worker's share)", "zhsearch/storage/bulk.py", None),
    ("Whoosh, other (columns, files)", "whoosh/", None),
    ("zhsearch build loop (documents)", "zhsearch/storage/build.py", None),
]
QUERY_STAGES = [
    ("did-you-mean (suggestions)", "zhsearch/searching/suggest.py", None),
    ("stage 1: BM25F over postings", "zhsearch/searching/retrieve.py", None),
    ("stored fields read", "zhsearch/searching/search.py", {"_record", "_read_pool"}),
    ("highlighting, snippets", "zhsearch/searching/highlight.py", None),
    ("highlighting, snippets", "zhsearch/searching/search.py", {"_make_hit", "_highlights", "_highlight_plan"}),
    ("rerank (features, final scores)", "zhsearch/searching/rank.py", None),
    ("rerank (features, final scores)", "zhsearch/searching/features.py", None),
    ("rerank (features, final scores)", "zhsearch/searching/intent.py", None),
    ("parsing and planning (jieba, wordings, term stats)", "zhsearch/searching/search.py",
     {"_read_query", "query_terms"}),
    ("parsing and planning (jieba, wordings, term stats)", "zhsearch/searching/query.py", None),
    ("parsing and planning (jieba, wordings, term stats)", "zhsearch/searching/syntax.py", None),
    ("term weights (IDF)", "zhsearch/searching/rank.py", {"term_weights"}),
    ("search, other (copies folded, results)", "zhsearch/searching/search.py", None),
]


class Sampler:
    """Charges the main thread's time to the stages of ``stages``, by sampling its stack."""

    def __init__(self, stages, interval: float = 0.001):
        self.stages, self.interval = stages, interval
        self.seconds: Counter = Counter()
        self._target = threading.main_thread().ident
        self._stop = threading.Event()
        self._cache: dict = {}

    def _stage_of(self, code) -> int | None:
        key = (code.co_filename, code.co_name)
        if key not in self._cache:
            path = code.co_filename.replace("\\", "/")
            self._cache[key] = next(
                (i for i, (_, where, names) in enumerate(self.stages)
                 if where in path and (names is None or code.co_name in names)), None)
        return self._cache[key]

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self._target)
            now = time.perf_counter()
            best = None
            while frame is not None:
                stage = self._stage_of(frame.f_code)
                if stage is not None and (best is None or stage < best):
                    best = stage
                frame = frame.f_back
            self.seconds[self.stages[best][0] if best is not None else "other (Python, imports, I/O)"] += now - last
            last = now

    def __enter__(self):
        sys.setswitchinterval(0.0005)  # so that the sampler gets its turn about when it asks
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        sys.setswitchinterval(0.005)


def print_table(title: str, seconds: Counter, per: int = 1, unit: str = "s") -> None:
    total = sum(seconds.values())
    scale = 1000 / per if unit == "ms" else 1
    print(f"\n{title}\n| stage | {unit} | share |\n|---|---|---|")
    for stage, secs in seconds.most_common():
        print(f"| {stage} | {secs * scale:.{2 if unit == 'ms' else 1}f} | {secs / total:.0%} |")
    print(f"| **total** | {total * scale:.{2 if unit == 'ms' else 1}f} | |")


def profile_build(corpus: Path, index: Path, chars: int) -> None:
    import zhsearch
    from zhsearch.storage import build

    build.PARALLEL_MIN_BYTES = float("inf")  # analysis in this process too
    started = time.perf_counter()
    with Sampler(BUILD_STAGES) as sampler:
        report = zhsearch.build_index(corpus, index, rebuild=True)
    wall = time.perf_counter() - started
    print_table(f"build, one process: {report.passages_total:,} passages, {chars / 1e6:.1f} M chars, {wall:.1f} s "
                f"({chars / wall / 1000:.0f} k chars/s), peak RSS {_peak_mib():.0f} MiB", sampler.seconds)


def profile_query(index: Path, rounds: int) -> None:
    import zhsearch
    from run import QUESTIONS
    from zhsearch.text.normalize import fold_text, normalize_text

    started = time.perf_counter()
    idx = zhsearch.open_index(index)
    opened = time.perf_counter()
    idx.search(QUESTIONS[0])
    first = time.perf_counter()
    cold_rss = _peak_mib()
    print(f"\ncold (in this process, modules imported): open {1000 * (opened - started):.0f} ms, "
          f"first query {1000 * (first - opened):.0f} ms, peak RSS {cold_rss:.0f} MiB")
    for q in QUESTIONS:  # warm every cache a repeated query would meet anyway
        idx.search(q)
    times = []
    with Sampler(QUERY_STAGES) as sampler:
        for _ in range(rounds):
            for q in QUESTIONS:
                normalize_text.cache_clear()
                fold_text.cache_clear()
                t = time.perf_counter()
                idx.search(q, limit=10)
                times.append(1000 * (time.perf_counter() - t))
    times.sort()
    print_table(f"warm query, ms a query ({len(times)} queries: p50 {times[len(times) // 2]:.1f} ms, "
                f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms)", sampler.seconds, per=len(times), unit="ms")
    idx.close()


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    from run import WORK, prepare_poems

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", choices=["build", "query", "both"], default="both")
    parser.add_argument("--poems", type=int, default=50000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--index", type=Path, help="the index to build or query (default bench/work/profile-N)")
    args = parser.parse_args()
    corpus, chars = prepare_poems(args.poems)
    index = args.index or WORK / f"profile-{args.poems // 1000}k"
    if args.what in ("build", "both"):
        profile_build(corpus, index, chars)
    if args.what in ("query", "both"):
        profile_query(index, args.rounds)


if __name__ == "__main__":
    main()
