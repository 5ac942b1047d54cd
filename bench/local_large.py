"""The local index at a large size, measured once: build, size, cold search, warm p50/p95.

    python bench/local_large.py --passages 1000000

The corpus is bench/cluster.py's ``prepare_mixed`` (every Tang poem, then copies of the
shared sets' documentation).  The build is one ``zhsearch index --rebuild`` process
(wall seconds, CPU seconds of it and its workers, peak memory); cold search is a whole
``zhsearch search`` process, a different question each run, median of ``--runs``; warm is
bench/run.py's ``warm_latencies`` in-process (text caches cleared before each query).
The index is kept in bench/work/ (``--keep``) or removed.  The machine is shared:
CPU seconds are steadier than wall time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

from cluster import commit, prepare_mixed  # noqa: E402
from run import QUESTIONS, WORK, ZH, folder_size, log, run_process, run_timed, warm_latencies  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    import zhsearch

    corpus, count = prepare_mixed(args.passages)
    index = WORK / f"local-{corpus.name}"
    when, measured = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), commit()  # the code this run uses
    log(f"zhsearch index {corpus.name}")
    wall, memory, cpu = run_timed(ZH + ["index", "--rebuild", "--corpus", str(corpus), "--index", str(index)])
    size = folder_size(index)
    log(f"built in {wall:.0f} s, {cpu:.0f} CPU s")
    cold = [run_process(ZH + ["search", QUESTIONS[n % len(QUESTIONS)], "--index", str(index)]) for n in range(args.runs)]
    with zhsearch.open_index(index) as idx:
        passages = idx.stats()["passages"]
        idx.search("热身")
        p50, p95 = warm_latencies(lambda q: idx.search(q, limit=10))
    print(f"{when}, commit {measured}, {os.cpu_count()} cores shared, load average {os.getloadavg()[2]:.1f} (15 min) "
          f"at the end: {corpus.name}, {passages:,} passages")
    print("| measure | value |\n|---|---|")
    print(f"| build, whole `zhsearch index --rebuild` | {wall:,.0f} s wall, {cpu:,.0f} CPU s, {passages / wall:,.0f} passages/s wall, peak {memory:,.0f} MiB |")
    print(f"| index size | {size / 1e6:,.0f} MB |")
    print(f"| cold search, whole process, median of {args.runs} | {statistics.median(r[0] for r in cold):.2f} s, "
          f"peak {statistics.median(r[1] for r in cold):.0f} MiB |")
    print(f"| warm query p50 / p95 | {p50:.1f} / {p95:.1f} ms |")
    if not args.keep:
        shutil.rmtree(index)


if __name__ == "__main__":
    main()
