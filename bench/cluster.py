"""Loading and query figures of the cluster backend next to the local index, by shard count.

    python bench/cluster.py                                  # 100,000 passages, 1, 2 and 4 shards
    python bench/cluster.py --passages 20000 --shards 2
    python bench/cluster.py --copies 10 --copies-shards 2    # and the rows 10 times over (1M) into 2 shards

The corpus (``prepare_mixed``): Tang poems from the `chinese-poetry` npm package
(bench/run.py's; one JSONL record a poem, one passage each, traditional script),
then copies of the shared sets' documentation past the ~312,000 poems.  The
local index is built from it (``build_index``, CPU seconds of this process and
its workers).  The passages are analysed once (zhsearch's side: OpenCC, jieba,
bigrams, readings) and timed alone; then, for each shard count, a fresh
cluster (``searchd`` from Debian's sphinxsearch, one process a shard plus the
distributed table, loopback ports, a temporary folder) is loaded with those
rows the way ``zhsearch index --cluster`` writes them (a writer thread a
shard) and timed, wall and the ``searchd`` processes' CPU seconds; then
bench/run.py's 20 questions are asked ``--rounds`` times after one warm-up
round, alternately through the distributed table and through the local index
(both meet the same moment's load), with the CPU milliseconds each question cost
this process and (the cluster's) the ``searchd`` processes.  ``--copies K`` then loads the analysed
rows K times over, as K copies of the corpus under other file names (the
engine's work is that of K times the passages; zhsearch's analysis of the
copies is not repeated), into ``--copies-shards`` shards.  Prints Markdown
tables, with the commit and date.  The machine is shared: compare the rows of
one run, not runs with each other.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

from run import DATA, QUESTIONS, prepare_poems  # noqa: E402
from zhsearch import build_index, open_index  # noqa: E402
from zhsearch.cluster import open_cluster, start_cluster, stop_cluster  # noqa: E402
from zhsearch.cluster.load import _Writers, file_hash  # noqa: E402  (what load_cluster writes with)
from zhsearch.cluster.rows import file_id, passage_id, passage_rows, shard_of  # noqa: E402
from zhsearch.reading.passages import read_corpus_file, scan_corpus  # noqa: E402


DOCUMENTATION = BENCH.parent.parent / "shared" / "eval"  # the judged sets' corpora: Chinese manuals and articles


def prepare_mixed(passages: int) -> tuple[Path, int]:
    """A corpus folder of about ``passages`` passages: every poem (about 312,000), then
    copies of the shared sets' documentation (Debian FAQ and reference, Wikipedia
    articles; 681 files) in folders copy-0000/, copy-0001/ … until the count is reached.
    Files are hard links into bench/data/ (the copies are byte-for-byte the same).
    Returns the folder and its passage count (as read here, one passage a poem)."""
    folder = DATA / f"mixed-{passages}"
    marker = folder / ".complete"
    if marker.exists():
        return folder, int(marker.read_text())
    poems, _ = prepare_poems(400_000)
    docs = sorted(p for p in DOCUMENTATION.glob("*/**/*") if p.is_file() and "corpus" in p.relative_to(DOCUMENTATION).parts)
    per_copy = sum(len(read_corpus_file(p, p.name).passages) for p in docs)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(poems.glob("*.jsonl")):
        target = folder / "poems" / path.name
        target.parent.mkdir(exist_ok=True)
        if not target.exists():
            os.link(path.resolve(), target)
        count += sum(1 for line in path.open(encoding="utf-8") if line.strip())
        if count >= passages:
            break
    copy = 0
    while count < passages:
        for path in docs:
            target = folder / f"copy-{copy:04}" / path.relative_to(DOCUMENTATION)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.link(path, target)
        count += per_copy
        copy += 1
    marker.write_text(str(count))
    return folder, count


def analysed(corpus: Path) -> list[tuple[str, list[dict]]]:
    """Every file's rows, as ``zhsearch index --cluster`` makes them."""
    out = []
    for path in scan_corpus(corpus)[0]:
        rel = path.relative_to(corpus).as_posix()
        passages = read_corpus_file(path, rel).passages
        out.append((rel, passage_rows(passages, rel, file_hash(path))))
    return out


def copied(files, copy: int) -> list[tuple[str, list[dict]]]:
    """The analysed files as another copy of the corpus: ``copy-K/`` before each path."""
    out = []
    for rel, rows in files:
        name = f"copy-{copy}/{rel}"
        out.append((name, [dict(row, id=passage_id(name, n), file=name, source=f"copy-{copy}/{row['source']}",
                                file_id=file_id(name)) for n, row in enumerate(rows)]))
    return out


def cpu(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def searchd_cpu(folder: Path) -> float:
    """User + system CPU seconds of the cluster's ``searchd`` processes so far (Linux /proc)."""
    total = 0.0
    for pid in json.loads((folder / "pids.json").read_text()).values():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def load(config, files, copies: int = 1) -> tuple[float, float]:
    """Wall seconds to write ``files`` (analysed), ``copies`` times, into an empty cluster as
    load_cluster does, and the client's CPU seconds meanwhile."""
    writers = _Writers(config)
    try:
        started, own = time.perf_counter(), cpu()
        for copy in range(copies):
            for rel, rows in (files if copies == 1 else copied(files, copy)):
                writers.submit(shard_of(rel, len(config.shards)), 0, rel, rows)
        writers.wait()
        return time.perf_counter() - started, cpu() - own
    finally:
        writers.close()


def latencies(backends: dict, rounds: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Milliseconds of each search by each backend, asked alternately, after one warm-up
    round; and each backend's mean CPU milliseconds a search in this process."""
    for index in backends.values():
        for question in QUESTIONS:
            index.search(question, limit=10)
    out = {name: [] for name in backends}
    own = {name: 0.0 for name in backends}
    for _ in range(rounds):
        for question in QUESTIONS:
            for name, index in backends.items():
                started, cpu_started = time.perf_counter(), time.process_time()
                index.search(question, limit=10)
                out[name].append(1000 * (time.perf_counter() - started))
                own[name] += time.process_time() - cpu_started
    return out, {name: 1000 * seconds / len(out[name]) for name, seconds in own.items()}


def percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return statistics.median(values), cuts[18]


def commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH, capture_output=True, text=True).stdout.strip()


def log(message: str) -> None:
    print(f"[bench] {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def cluster_run(tmp: Path, name: str, shards: int, files, copies: int, local, rounds: int):
    """Start a cluster, load it, time the questions through it and the local index; a row."""
    folder = tmp / name
    config = start_cluster(folder, shards=shards)
    try:
        engine = searchd_cpu(folder)
        seconds, client = load(config, files, copies)
        engine = searchd_cpu(folder) - engine
        with open_cluster(config.path) as cluster:
            rows = cluster.stats()["passages"]
            serving = searchd_cpu(folder)
            times, own = latencies({"cluster": cluster, "local": local}, rounds)
            # only the cluster's questions reach it, the warm-up round's too
            serving = 1000 * (searchd_cpu(folder) - serving) / (len(times["cluster"]) * (rounds + 1) / rounds)
    finally:
        stop_cluster(folder)
    c50, c95 = percentiles(times["cluster"])
    l50, l95 = percentiles(times["local"])
    log(f"{name}: {rows} rows in {seconds:.1f} s, searchd {engine:.0f} CPU s; p50 {c50:.1f} ms against {l50:.1f}; "
        f"CPU ms a question: client {own['cluster']:.1f} + searchd {serving:.1f} against {own['local']:.1f}")
    return (f"cluster, {shards} shard{'s' if shards > 1 else ''}" + (f", {copies} copies" if copies > 1 else ""),
            rows, rows / seconds, client, engine, (c50, c95), (l50, l95), (own["cluster"], serving, own["local"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000, help="about this many (prepare_mixed)")
    parser.add_argument("--shards", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=0, help="also load the rows this many times over")
    parser.add_argument("--copies-shards", type=int, default=2)
    args = parser.parse_args()
    corpus, _ = prepare_mixed(args.passages)
    when, measured = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), commit()  # the code this run imported
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        log(f"local build of {corpus.name}")
        started, own, children = time.perf_counter(), cpu(), cpu(resource.RUSAGE_CHILDREN)
        report = build_index(corpus, tmp / "local", rebuild=True)
        seconds = time.perf_counter() - started
        local_cpu = cpu() - own + cpu(resource.RUSAGE_CHILDREN) - children
        passages = report.passages_total
        rows.append(("local index (Whoosh): analysis + index", passages, passages / seconds, local_cpu, None, None, None, None))
        log(f"local: {passages} passages in {seconds:.1f} s, {local_cpu:.0f} CPU s")
        started, own = time.perf_counter(), cpu()
        files = analysed(corpus)
        seconds, analysis_cpu = time.perf_counter() - started, cpu() - own
        rows.append(("cluster: analysis alone (client, one core)", passages, passages / seconds, analysis_cpu, None, None, None,
                     None))
        log(f"analysis: {seconds:.1f} s, {analysis_cpu:.0f} CPU s")
        with open_index(tmp / "local") as local:
            for shards in args.shards:
                rows.append(cluster_run(tmp, f"cluster-{shards}", shards, files, 1, local, args.rounds))
            if args.copies > 1:
                rows.append(cluster_run(tmp, "cluster-copies", args.copies_shards, files, args.copies, local, args.rounds))
    load_average = os.getloadavg()
    print(f"{when}, commit {measured}: {corpus.name}, {passages:,} passages; {len(QUESTIONS)} questions x {args.rounds} "
          f"rounds, limit 10; {os.cpu_count()} cores shared, load average {load_average[0]:.1f} / {load_average[2]:.1f} "
          "(1 / 15 min) at the end")
    print("| what | rows | passages/s (wall) | client CPU s | searchd CPU s | query p50 / p95 ms | local index p50 / p95 ms, asked alternately "
          "| CPU ms a query: client + searchd, local |")
    print("|---|---|---|---|---|---|---|---|")
    for name, count, rate, client, engine, there, here, per_query in rows:
        cells = [name, f"{count:,}", f"{rate:,.0f}", f"{client:,.1f}", "" if engine is None else f"{engine:,.1f}",
                 "" if there is None else f"{there[0]:.1f} / {there[1]:.1f}", "" if here is None else f"{here[0]:.1f} / {here[1]:.1f}",
                 "" if per_query is None else "{:.1f} + {:.1f}, {:.1f}".format(*per_query)]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
