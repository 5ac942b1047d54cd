"""Dump what searches return, to prove a speed change changed no result.

    python bench/same_results.py OUT.jsonl                 # every shared judged set, and the poems
    PYTHONPATH=OLD/src python bench/same_results.py OLD.jsonl && cmp OLD.jsonl OUT.jsonl

Each judged set's corpus (``../shared/eval``, as ``run-all`` finds it) is indexed once
into bench/work/same-results/ (by the code that runs first: a speed change must
not change the index either, or the sets are indexed again with --rebuild-indexes);
the poems are the index ``bench/profile.py`` builds (bench/work/profile-50k).
For every question one line: the total, the top 20 hits (place, score, highlights,
heading, title, copies, text), the suggestions, and the rerank's pool with every
feature (``Index.ranked_pool``, scores to 1e-9); every tenth question also with
``--explain``, and a page (offset 13, at most 2 a file).  Deterministic: two runs
of one checkout give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import zhsearch  # before run.py puts this checkout's src first: PYTHONPATH decides which code runs

BENCH = Path(__file__).resolve().parent
EVAL = BENCH.parent.parent / "shared" / "eval"
WORK = BENCH / "work" / "same-results"
SETS = [  # name, corpus, judged questions
    ("seeds", EVAL.parent / "corpus", ["seeds_dev.jsonl"]),
    ("faq", EVAL / "debian-faq/corpus", ["debian-faq/questions.jsonl", "debian-faq/questions-traditional.jsonl"]),
    ("faq-no-headings", EVAL / "debian-faq/corpus-no-headings", ["debian-faq/questions-no-headings.jsonl"]),
    ("dref", EVAL / "debian-reference-tw/corpus", ["debian-reference-tw/questions-mainland.jsonl"]),
    ("cmrc", EVAL / "wikipedia-qa/cmrc-trial/corpus", ["wikipedia-qa/cmrc-trial/questions.jsonl"]),
    ("drcd", EVAL / "wikipedia-qa/drcd-test/corpus", ["wikipedia-qa/drcd-test/questions.jsonl"]),
]
# operators, pinyin, a misspelling: the paths the judged questions do not take
EXTRA = ["shangmen cuishou", "九千会上门吗", '"会上门" 催收', "逾期 -上门", "file:003* 催收", "网带逾期", "jiuqian",
         "上门 OR 催收"]
POEM_EXTRA = ["chuang qian ming yue", "李白 月", '"明月"', "春风 -江南"]


def _hit(hit, explain: bool = False) -> list:
    row = [hit.rank, hit.source, hit.line, hit.column, hit.page, hit.score, [list(s) for s in hit.highlights],
           hit.heading, hit.title, list(hit.also), hit.text]
    if explain:
        row.append(json.dumps(hit.explanation, ensure_ascii=False, sort_keys=True))
    return row


def dump_question(idx, query: str, out, number: int) -> None:
    results = idx.search(query, limit=20)
    out.write(json.dumps([query, results.total, [_hit(h) for h in results.hits],
                          [s.to_dict() for s in results.suggestions]], ensure_ascii=False) + "\n")
    pool, pooled = idx.ranked_pool(query)
    out.write(json.dumps([query, "pool", pooled, [[c.docnum, round(c.score, 9), round(c.base, 9),
                                                   {k: round(v, 9) for k, v in c.features.items()}] for c in pool]],
                         ensure_ascii=False) + "\n")
    if number % 10 == 0:
        results = idx.search(query, limit=5, explain=True)
        out.write(json.dumps([query, "explain", results.total, [_hit(h, True) for h in results.hits]],
                             ensure_ascii=False) + "\n")
        results = idx.search(query, limit=7, offset=13, per_file=2)
        out.write(json.dumps([query, "page", results.total, [_hit(h) for h in results.hits]], ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--poems", type=Path, default=BENCH / "work" / "profile-50k",
                        help="a poem index (bench/profile.py's); skipped when missing")
    parser.add_argument("--rebuild-indexes", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    from run import QUESTIONS

    count = 0
    with args.out.open("w", encoding="utf-8") as out:
        for name, corpus, files in SETS:
            index = WORK / name
            if args.rebuild_indexes or not index.exists():
                zhsearch.build_index(corpus, index, rebuild=True)
            questions = [json.loads(line)["query"] for f in files
                         for line in (EVAL / f).read_text(encoding="utf-8").splitlines() if line.strip()]
            with zhsearch.open_index(index) as idx:
                for number, query in enumerate(questions + (EXTRA if name == "seeds" else [])):
                    dump_question(idx, query, out, number)
                    count += 1
        if args.poems.exists():
            with zhsearch.open_index(args.poems) as idx:
                for number, query in enumerate(QUESTIONS + POEM_EXTRA):
                    dump_question(idx, query, out, number)
                    count += 1
    print(f"{count} questions ({zhsearch.__file__})", file=sys.stderr)


if __name__ == "__main__":
    main()
