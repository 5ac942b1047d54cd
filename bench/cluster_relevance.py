"""The same questions through the local index and through a cluster (2 shards): MRR side by side.

    python bench/cluster_relevance.py                 # the shipped corpus and every shared set
    python bench/cluster_relevance.py --sets shipped faq-questions
    python bench/cluster_relevance.py --shards 1 --sets faq-no-headings   # one shard: its statistics are the whole's

Starts its own cluster (``searchd`` from Debian's ``sphinxsearch``) on loopback
ports in a temporary folder, loads each set's corpus into it (``--rebuild``),
opens it afresh (so that it reads the lexicon that load stored, as a new
process would), evaluates both backends and stops the cluster.  Prints one
Markdown table, with the commit and date.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from zhsearch import build_index, evaluate, open_index  # noqa: E402
from zhsearch.cluster import load_cluster, open_cluster, start_cluster, stop_cluster  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"
SETS = {
    "shipped": (REPO / "corpus", REPO / "examples" / "seeds_dev.jsonl"),
    "faq-questions": (EVAL / "debian-faq" / "corpus", EVAL / "debian-faq" / "questions.jsonl"),
    "faq-traditional": (EVAL / "debian-faq" / "corpus", EVAL / "debian-faq" / "questions-traditional.jsonl"),
    "faq-no-headings": (EVAL / "debian-faq" / "corpus-no-headings", EVAL / "debian-faq" / "questions-no-headings.jsonl"),
    "dref-mainland": (EVAL / "debian-reference-tw" / "corpus", EVAL / "debian-reference-tw" / "questions-mainland.jsonl"),
    "wiki-cmrc": (EVAL / "wikipedia-qa" / "cmrc-trial" / "corpus", EVAL / "wikipedia-qa" / "cmrc-trial" / "questions.jsonl"),
    "wiki-drcd-tw": (EVAL / "wikipedia-qa" / "drcd-test" / "corpus", EVAL / "wikipedia-qa" / "drcd-test" / "questions.jsonl"),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--eval-dir", type=Path, default=EVAL, help="the shared judged sets (shared/eval)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = start_cluster(tmp / "cluster", shards=args.shards)
        try:
            for name in args.sets:
                corpus, judgments = SETS[name]
                if not judgments.exists():
                    print(f"[bench] {name}: {judgments} is missing, skipped", file=sys.stderr)
                    continue
                build_index(corpus, tmp / name, rebuild=True)
                load_cluster(corpus, config, rebuild=True)
                with open_index(tmp / name) as local:
                    started = time.perf_counter()
                    here = evaluate(local, judgments, k=10)
                    local_s = time.perf_counter() - started
                with open_cluster(config.path) as cluster:  # opened after the load, as a new process would
                    started = time.perf_counter()
                    there = evaluate(cluster, judgments, k=10)
                    cluster_s = time.perf_counter() - started
                n = len(here.outcomes)
                rows.append((name, n, here.mrr, there.mrr, here.success_at_1, there.success_at_1,
                             1000 * local_s / n, 1000 * cluster_s / n))
                print(f"[bench] {name}: local {here.mrr:.3f}, cluster {there.mrr:.3f}", file=sys.stderr)
        finally:
            stop_cluster(tmp / "cluster")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit}, {args.shards} shard(s)")
    print("| set | questions | MRR@10 local | MRR@10 cluster | diff | S@1 local | S@1 cluster | ms/question local | cluster |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, n, mrr_l, mrr_c, s_l, s_c, ms_l, ms_c in rows:
        print(f"| {name} | {n} | {mrr_l:.3f} | {mrr_c:.3f} | {mrr_c - mrr_l:+.3f} | {s_l:.3f} | {s_c:.3f} | {ms_l:.1f} | {ms_c:.1f} |")


if __name__ == "__main__":
    main()
