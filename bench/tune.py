"""Sweep the reranker's weights on a judgments file and print the best settings.

    python bench/tune.py examples/seeds_dev.jsonl [--index index]

A tool for a person tuning relevance: it shows how sensitive S@1 and MRR are
to each weight (each setting is a ``RankingConfig`` passed to ``open_index``).
Run it on every judged set (``../shared/eval/``) before taking a setting: a
change that raises one set and lowers another is not an improvement.  Prefer a setting on a broad plateau to a lone peak — the dev
judgments are few, and other questions will be asked.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import statistics

import zhsearch
from zhsearch.searching.evaluation import load_judgments
from zhsearch.searching.rank import DEFAULT_RANKING

GRID = {  # fields of zhsearch.searching.rank.RankingConfig
    "coverage_power": [1.0, 2.0],
    "base_weight": [0.25, 0.5, 1.0],
    "heading_match": [0.8, 0.9, 1.0],
    "title_match": [0.3, 0.5],
    "cue_bonus": [0.3, 0.45, 0.6],
    "first_answer_bonus": [0.7, 1.0, 1.5],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("judgments")
    parser.add_argument("--index", default="index")
    args = parser.parse_args()
    judged = load_judgments(args.judgments)
    names = list(GRID)
    rows = []
    for values in itertools.product(*(GRID[n] for n in names)):
        config = dataclasses.replace(DEFAULT_RANKING, **dict(zip(names, values)))
        with zhsearch.open_index(args.index, ranking=config) as idx:
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
