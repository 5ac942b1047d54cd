"""Loading a large corpus into a local cluster end to end, and its queries next to the local index.

    python bench/cluster_load.py --passages 1000000 --shards 2 --local bench/work/zh-1M
    python bench/cluster_load.py --passages 1000000 --queries-only --local bench/work/zh-1M

The corpus is bench/cluster.py's ``prepare_mixed``: every Tang poem of the
``chinese-poetry`` npm package (about 312,000, one passage each), then copies of
the shared sets' documentation until ``--passages`` is reached.  A cluster is
started in bench/work/cluster-N (kept, so that the queries can be asked again
with ``--queries-only``) and loaded the way ``zhsearch index --cluster`` does it
(``load_cluster``: analysis here, one writer thread a shard).  Reported: wall
seconds, passages/s, and the CPU seconds (user + sys) of the client and of each
``searchd`` — steadier than wall time on a shared machine.  Then bench/run.py's
20 questions, ``--rounds`` rounds after a warm-up, alternately through the
distributed table and through ``--local`` (a local index of the same corpus,
built by ``zhsearch index``), p50/p95 of each.  The machine is shared: compare
the rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

from cluster import percentiles, prepare_mixed  # noqa: E402
from run import QUESTIONS, WORK  # noqa: E402
from zhsearch import open_index  # noqa: E402
from zhsearch.cluster import load_cluster, open_cluster, running, start_cluster  # noqa: E402


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH, capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--local", type=Path, help="a local index of the same corpus, for the query comparison")
    parser.add_argument("--queries-only", action="store_true", help="the cluster is loaded: ask the questions")
    args = parser.parse_args()
    corpus, count = prepare_mixed(args.passages)
    folder = WORK / f"cluster-{args.passages}-{args.shards}"
    if not running(folder):
        start_cluster(folder, shards=args.shards)
    config_path = folder / "cluster.toml"
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit()}, {os.cpu_count()} cores; "
          f"corpus {corpus.name}: {count:,} passages; cluster in {folder} (left running: "
          f"`zhsearch cluster stop --dir {folder}`)")
    if not args.queries_only:
        from zhsearch.cluster import load_config

        config = load_config(config_path)
        pids = json.loads((folder / "pids.json").read_text())
        before = {name: process_cpu(pid) for name, pid in pids.items()}
        cpu, started, timings = own_cpu(), time.perf_counter(), {}
        last = [time.monotonic()]

        def progress(rel: str) -> None:
            if time.monotonic() - last[0] > 60:
                last[0] = time.monotonic()
                print(f"[bench] {time.perf_counter() - started:.0f} s: {rel}", file=sys.stderr, flush=True)

        report = load_cluster(corpus, config, rebuild=True, progress=progress, timings=timings)
        wall, client = time.perf_counter() - started, own_cpu() - cpu
        engine = {name: process_cpu(pid) - before[name] for name, pid in pids.items()}
        load_average = os.getloadavg()
        print(f"load_cluster: {report.files_indexed:,} files, {report.passages_total:,} passages into {args.shards} shards "
              f"in {wall:,.0f} s wall = {report.passages_total / wall:,.0f} passages/s; client CPU {client:,.0f} s "
              f"(analysis {timings['analysis']:,.0f} s wall); searchd CPU "
              + ", ".join(f"{name} {secs:,.0f} s" for name, secs in engine.items())
              + f"; load average {load_average[0]:.1f} / {load_average[1]:.1f} / {load_average[2]:.1f} (1/5/15 min) at the end")
    with open_cluster(config_path) as cluster:
        backends = [("cluster (distributed table)", cluster)]
        local = open_index(args.local) if args.local else None
        if local is not None:
            backends.append(("local index", local))
        times: dict[str, list[float]] = {name: [] for name, _ in backends}
        for name, index in backends:  # warm-up
            for question in QUESTIONS:
                index.search(question, limit=10)
        for _ in range(args.rounds):
            for question in QUESTIONS:
                for name, index in backends:  # alternately: both meet the same moment's load
                    clock = time.perf_counter()
                    index.search(question, limit=10)
                    times[name].append(1000 * (time.perf_counter() - clock))
        if local is not None:
            local.close()
    print(f"{len(QUESTIONS)} questions x {args.rounds} rounds, limit 10, load average {os.getloadavg()[0]:.1f}")
    print("| backend | query p50 ms | query p95 ms |\n|---|---|---|")
    for name, values in times.items():
        p50, p95 = percentiles(values)
        print(f"| {name} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
