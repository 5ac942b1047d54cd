"""Relevance of zhsearch next to the setups people build by hand, in one run.

    python bench/relevance.py [JUDGMENTS.jsonl] [--corpus corpus]

Prints S@1, MRR@10 and Recall@10 for:

* naive     — jieba's README recipe: Whoosh + ``jieba.analyse.ChineseAnalyzer``,
              the default ``QueryParser``, one document per paragraph;
* fts5      — SQLite FTS5 (bm25) over jieba search-mode words of OpenCC-simplified
              paragraphs, the query an OR of its jieba words;
* zhsearch  — this engine, with its default lexicon and with none.

Every setup is judged by the same rule (``zhsearch.searching.evaluation.fold_for_judging``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import fts5, naive_whoosh, paragraphs, score  # noqa: E402
from zhsearch.searching.evaluation import load_judgments  # noqa: E402


def zhsearch_run(corpus: Path, judgments: Path, workdir: Path, lexicon: str | None) -> tuple[float, float, float]:
    """Run in a child process so that the lexicon setting takes effect from the start."""
    env = dict(os.environ)
    if lexicon is not None:
        env["ZHSEARCH_LEXICON"] = lexicon
    code = (
        "import sys, zhsearch;"
        f"zhsearch.build_index({str(corpus)!r}, {str(workdir)!r}, rebuild=True);"
        f"r = zhsearch.evaluate(zhsearch.open_index({str(workdir)!r}), {str(judgments)!r}, k=10);"
        "print(r.success_at_1, r.mrr, r.recall)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return tuple(float(x) for x in out.stdout.split())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("judgments", nargs="?", default=str(REPO / "examples" / "seeds_dev.jsonl"))
    parser.add_argument("--corpus", default=str(REPO / "corpus"))
    args = parser.parse_args()
    corpus, judgments = Path(args.corpus), Path(args.judgments)
    judged = load_judgments(judgments)
    docs = paragraphs(corpus)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "naive").mkdir()
        rows.append(("naive: Whoosh + jieba ChineseAnalyzer + QueryParser", score(naive_whoosh(docs, judged, tmp / "naive"), judged)))
        rows.append(("SQLite FTS5 bm25 over jieba words (OpenCC t2s)", score(fts5(docs, judged), judged)))
        rows.append(("zhsearch (default lexicon)", zhsearch_run(corpus, judgments, tmp / "z1", None)))
        rows.append(("zhsearch (no lexicon: ZHSEARCH_LEXICON=none)", zhsearch_run(corpus, judgments, tmp / "z2", "none")))
    print(f"{len(judged)} judged questions from {judgments.name}, corpus {corpus}")
    print("| setup | S@1 | MRR@10 | Recall@10 |\n|---|---|---|---|")
    for name, (s1, mrr, recall) in rows:
        print(f"| {name} | {s1:.2f} | {mrr:.3f} | {recall:.2f} |")


if __name__ == "__main__":
    main()
