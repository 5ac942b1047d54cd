"""Loading and query figures of the cluster backend next to the local index, by shard count.

    python bench/cluster.py                          # 50,000 poems, 1, 2 and 4 shards
    python bench/cluster.py --poems 20000 --shards 2

The corpus is bench/run.py's: Tang poems from the `chinese-poetry` npm package
(one JSONL record a poem, traditional script), written out once into bench/data/.
The passages are analysed once (zhsearch's side: OpenCC, jieba, bigrams,
readings) and timed alone; then, for each shard count, a fresh cluster
(``searchd`` from Debian's sphinxsearch, one process a shard plus the
distributed table, loopback ports, a temporary folder) is loaded with those
rows the way ``zhsearch index --cluster`` writes them (a transaction a file, a
writer thread a shard) and timed; then bench/run.py's 20 questions are asked
``--rounds`` times after one warm-up round, through the distributed table and
through the local index.  Prints one Markdown table.  The machine is shared:
compare the rows of one run, not runs with each other.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

from run import QUESTIONS, prepare_poems  # noqa: E402
from zhsearch import build_index, open_index  # noqa: E402
from zhsearch.cluster import open_cluster, start_cluster, stop_cluster  # noqa: E402
from zhsearch.cluster.load import _Writers, file_hash  # noqa: E402  (what load_cluster writes with)
from zhsearch.cluster.rows import passage_rows, shard_of  # noqa: E402
from zhsearch.reading.passages import read_corpus_file, scan_corpus  # noqa: E402


def analysed(corpus: Path) -> list[tuple[str, list[dict]]]:
    """Every file's rows, as ``zhsearch index --cluster`` makes them."""
    out = []
    for path in scan_corpus(corpus)[0]:
        rel = path.relative_to(corpus).as_posix()
        passages = read_corpus_file(path, rel).passages
        out.append((rel, passage_rows(passages, rel, file_hash(path))))
    return out


def load(config, files) -> float:
    """Seconds to write ``files`` (analysed) into an empty cluster, as load_cluster does."""
    writers = _Writers(config)
    try:
        started = time.perf_counter()
        for rel, rows in files:
            writers.submit(shard_of(rel, len(config.shards)), 0, rel, rows)
        writers.wait()
        return time.perf_counter() - started
    finally:
        writers.close()


def latencies(index, rounds: int) -> list[float]:
    """Milliseconds of each search, after one warm-up round."""
    for question in QUESTIONS:
        index.search(question, limit=10)
    out = []
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            index.search(question, limit=10)
            out.append(1000 * (time.perf_counter() - started))
    return out


def percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return statistics.median(values), cuts[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--poems", type=int, default=50_000)
    parser.add_argument("--shards", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    corpus, _ = prepare_poems(args.poems)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        report = build_index(corpus, tmp / "local", rebuild=True)
        seconds = time.perf_counter() - started
        passages = report.passages_total
        with open_index(tmp / "local") as local:
            p50, p95 = percentiles(latencies(local, args.rounds))
        rows.append(("local index (Whoosh): analysis + index", passages / seconds, p50, p95))
        print(f"[bench] local: {passages} passages in {seconds:.1f} s; p50 {p50:.1f} ms", file=sys.stderr)
        started = time.perf_counter()
        files = analysed(corpus)
        seconds = time.perf_counter() - started
        rows.append(("cluster: analysis alone (client)", passages / seconds, None, None))
        print(f"[bench] analysis: {seconds:.1f} s", file=sys.stderr)
        for shards in args.shards:
            folder = tmp / f"cluster-{shards}"
            config = start_cluster(folder, shards=shards)
            try:
                seconds = load(config, files)
                with open_cluster(config.path) as cluster:
                    p50, p95 = percentiles(latencies(cluster, args.rounds))
            finally:
                stop_cluster(folder)
            rows.append((f"cluster, {shards} shard{'s' if shards > 1 else ''}: load of analysed rows",
                         passages / seconds, p50, p95))
            print(f"[bench] {shards} shards: load {seconds:.1f} s; p50 {p50:.1f} ms", file=sys.stderr)
    load_average = os.getloadavg()[0]
    print(f"{passages} passages ({args.poems} poems); {len(QUESTIONS)} questions x {args.rounds} rounds, limit 10; "
          f"{os.cpu_count()} cores, load average {load_average:.1f} at the end")
    print("| what | passages/s | query p50 ms | query p95 ms |")
    print("|---|---|---|---|")
    for name, rate, p50, p95 in rows:
        times = "| | |" if p50 is None else f"| {p50:.1f} | {p95:.1f} |"
        print(f"| {name} | {rate:,.0f} {times}")


if __name__ == "__main__":
    main()
