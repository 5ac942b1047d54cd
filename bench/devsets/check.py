"""Check a judgments file against a corpus index.

    python bench/devsets/check.py INDEX QUESTIONS.jsonl

For every question: each answer must occur in at least one indexed passage's text
(folded: NFKC, traditional->simplified, whitespace removed) -- the eval's relevance rule.
Prints per question how many passages contain each answer (1-3 is ideal; 0 = fix it;
many = too generic) and, with SHOW_RANK=1, the rank of the first relevant hit (leave it unset while
writing questions: they are chosen without knowing how the engine ranks them).
"""
import json
import os
import sys

import zhsearch
from zhsearch.searching.evaluation import fold_for_judging

index = zhsearch.open_index(sys.argv[1])
# every stored passage's text (the reader's records: a bench script may look inside)
texts = [fold_for_judging(record["text"]) for _, record in index._get_searcher().reader().iter_docs()]
bad = 0
with open(sys.argv[2], encoding="utf-8") as lines:
    questions = [json.loads(line) for line in lines if line.strip()]
for q in questions:
    counts = [sum(1 for t in texts if fold_for_judging(a) in t) for a in q["answers"]]
    hits = index.search(q["query"], limit=10).hits if os.environ.get("SHOW_RANK") else []
    rank = next((h.rank for h in hits if any(fold_for_judging(a) in fold_for_judging(h.text) for a in q["answers"])), None)
    flag = "BAD" if not all(counts) else ("GENERIC" if max(counts) > 5 else "ok")
    bad += flag != "ok"
    print(f"{flag:7} {q['id']:6} rank={rank} counts={counts} {q['query']}")
print(f"{bad} need fixing", file=sys.stderr)
