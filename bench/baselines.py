"""Hand-built baselines that zhsearch is measured against (bench/relevance.py, tests).

* naive — jieba's README recipe: Whoosh + ``jieba.analyse.ChineseAnalyzer``, the
  default ``QueryParser``, one document per paragraph;
* fts5  — SQLite FTS5 (bm25) over jieba search-mode words of OpenCC-simplified
  paragraphs, the query an OR of its jieba words.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from zhsearch.searching.evaluation import fold_for_judging  # noqa: E402
from zhsearch.reading.passages import corpus_files, read_text  # noqa: E402
from zhsearch.text.normalize import to_simplified  # noqa: E402


def paragraphs(corpus: Path) -> list[tuple[str, str]]:
    """(source, paragraph) for every blank-line separated block, as a hand-built setup would."""
    out = []
    for path in corpus_files(corpus):
        for block in re.split(r"\n\s*\n", read_text(path)):
            if block.strip():
                out.append((path.name, block.strip()))
    return out


def score(ranked_texts: list[list[str]], judged: list[dict], k: int = 10) -> tuple[float, float, float]:
    s1 = mrr = recall = 0.0
    for texts, item in zip(ranked_texts, judged):
        answers = [fold_for_judging(a) for a in item["answers"]]
        rank = next((i for i, t in enumerate(texts[:k], 1) if any(a in fold_for_judging(t) for a in answers)), None)
        s1 += rank == 1
        mrr += 1 / rank if rank else 0
        recall += rank is not None
    n = len(judged)
    return s1 / n, mrr / n, recall / n


def naive_index(docs, workdir: Path):
    """jieba's README recipe: Whoosh + ``ChineseAnalyzer``, one document per paragraph."""
    import jieba
    from jieba.analyse import ChineseAnalyzer
    from whoosh import index
    from whoosh.fields import ID, TEXT, Schema

    jieba.setLogLevel(logging.WARNING)
    schema = Schema(path=ID(stored=True), content=TEXT(stored=True, analyzer=ChineseAnalyzer()))
    ix = index.create_in(str(workdir), schema)
    writer = ix.writer()
    for source, text in docs:
        writer.add_document(path=source, content=text)
    writer.commit()
    return ix


def naive_parser(ix, any_word: bool = False):
    """The default QueryParser (AND of the words), or with ``any_word`` an OR of them."""
    from whoosh.qparser import OrGroup, QueryParser

    if any_word:
        return QueryParser("content", ix.schema, group=OrGroup)
    return QueryParser("content", ix.schema)


def naive_whoosh(docs, judged, workdir: Path) -> list[list[str]]:
    ix = naive_index(docs, workdir)
    results = []
    with ix.searcher() as searcher:
        parser = naive_parser(ix)
        for item in judged:
            hits = searcher.search(parser.parse(item["query"]), limit=10)
            results.append([h["content"] for h in hits])
    return results


def jsonl_docs(corpus: Path) -> list[tuple[str, str]]:
    """(source, text) of each JSONL record: what the baseline indexes of a poem corpus."""
    import json

    return [
        (f"{path.name}#{n}", json.loads(line)["text"])
        for path in sorted(corpus.glob("*.jsonl"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip()
    ]


def main(argv: list[str]) -> int:
    """``index CORPUS INDEX`` or ``search INDEX QUERY``: the baseline as a command."""
    from whoosh import index

    command, *args = argv
    if command == "index":
        corpus = Path(args[0])
        docs = jsonl_docs(corpus) if any(corpus.glob("*.jsonl")) else paragraphs(corpus)
        Path(args[1]).mkdir(parents=True, exist_ok=True)
        naive_index(docs, Path(args[1]))
        return 0
    ix = index.open_dir(args[0])
    with ix.searcher() as searcher:
        for rank, hit in enumerate(searcher.search(naive_parser(ix).parse(args[1]), limit=10), 1):
            print(rank, hit["path"], hit["content"][:60].replace("\n", " "))
    return 0


def fts5(docs, judged) -> list[list[str]]:
    import jieba

    def words(text: str) -> list[str]:
        return [w for w in jieba.cut_for_search(to_simplified(text)) if w.strip() and re.search(r"\w", w)]

    db = sqlite3.connect(":memory:")
    db.execute("create virtual table p using fts5(body, original unindexed)")
    db.executemany("insert into p values (?, ?)", [(" ".join(words(t)), t) for _, t in docs])
    results = []
    for item in judged:
        terms = " OR ".join('"' + w.replace('"', "") + '"' for w in dict.fromkeys(words(item["query"])))
        rows = db.execute("select original from p where p match ? order by bm25(p) limit 10", (terms,)).fetchall() if terms else []
        results.append([r[0] for r in rows])
    return results


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
