"""Sweep the reranker's weights on a judgments file and print the best settings.

    python bench/tune.py examples/seeds_dev.jsonl [--index index]

A tool for a person tuning relevance: it shows how sensitive S@1 and MRR are
to each weight.  Prefer a setting on a broad plateau to a lone peak — the dev
judgments are few, and other questions will be asked.
"""

from __future__ import annotations

import argparse
import itertools
import statistics

import zhsearch
from zhsearch import rank

GRID = {
    "COVERAGE_POWER": [1.0, 2.0, 3.0],
    "BASE_WEIGHT": [0.5, 1.0, 2.0],
    "HEADING_MATCH": [0.6, 0.8],
    "TITLE_MATCH": [0.3, 0.5],
    "CUE_BONUS": [0.15, 0.3, 0.6],
    "FIRST_ANSWER_BONUS": [0.0, 0.3, 0.6],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("judgments")
    parser.add_argument("--index", default="index")
    args = parser.parse_args()
    idx = zhsearch.open_index(args.index)
    judged = zhsearch.evaluate.__globals__["load_judgments"](args.judgments)
    names = list(GRID)
    rows = []
    for values in itertools.product(*(GRID[n] for n in names)):
        for name, value in zip(names, values):
            setattr(rank, name, value)
        report = zhsearch.evaluate(idx, judged, k=10)
        rows.append((report.success_at_1, report.mrr, values))
    rows.sort(key=lambda r: (-r[0], -r[1]))
    print("  ".join(names), " S@1   MRR")
    for s1, mrr, values in rows[:60]:
        print("  ".join(f"{v:<{len(n)}}" for n, v in zip(names, values)), f" {s1:.3f} {mrr:.3f}")
    for i, name in enumerate(names):
        print(name, {v: round(statistics.mean(r[0] for r in rows if r[2][i] == v), 3) for v in GRID[name]})


if __name__ == "__main__":
    main()
