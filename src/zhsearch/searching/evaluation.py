"""Relevance measured on judged questions (the model is Elasticsearch's rank-eval API).

The module is ``evaluation`` so that ``zhsearch.evaluate`` is only ever the
function (:func:`evaluate`), never shadowed by, or shadowing, a module.

A judgments file holds one JSON object a line: ``{"id", "query", "answers": [...]}``.
A hit is relevant when its text, folded the same way as the answers (NFKC,
traditional → simplified, pinyin glosses and whitespace removed), contains one
of the answers.  Reported: S@1 (first hit relevant), MRR@k and Recall@k (some
relevant hit in the top k).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from zhsearch.errors import BadQueryError
from zhsearch.text.normalize import strip_pinyin_glosses, to_simplified


def fold_for_judging(text: str) -> str:
    """NFKC, traditional → simplified, pinyin glosses and all whitespace removed."""
    text = strip_pinyin_glosses(unicodedata.normalize("NFKC", text))
    return "".join(to_simplified(text).split())


@dataclass(frozen=True)
class QueryOutcome:
    id: str
    query: str
    first_relevant_rank: int | None  # 1-based, within k
    first_hit: str  # "source:line  text…" of the first hit, for a person to read


@dataclass(frozen=True)
class EvalReport:
    k: int
    outcomes: tuple[QueryOutcome, ...] = field(default_factory=tuple)

    @property
    def success_at_1(self) -> float:
        return _mean(o.first_relevant_rank == 1 for o in self.outcomes)

    @property
    def mrr(self) -> float:
        return _mean(1 / o.first_relevant_rank if o.first_relevant_rank else 0.0 for o in self.outcomes)

    @property
    def recall(self) -> float:
        return _mean(o.first_relevant_rank is not None for o in self.outcomes)

    @property
    def misses(self) -> list[QueryOutcome]:
        return [o for o in self.outcomes if o.first_relevant_rank != 1]

    def __repr__(self) -> str:
        return (f"EvalReport(k={self.k}, queries={len(self.outcomes)}, success_at_1={self.success_at_1:.3f}, "
                f"mrr={self.mrr:.3f}, recall={self.recall:.3f})")

    def to_dict(self) -> dict:
        """``zhsearch eval --json``: the same keys whatever ``k`` (``mrr`` is MRR@k,
        ``recall`` Recall@k). With the default k of 10, ``mrr_at_10`` and
        ``recall_at_10`` as well, the names earlier versions printed (scripts read them)."""
        data = {
            "queries": len(self.outcomes),
            "k": self.k,
            "success_at_1": round(self.success_at_1, 4),
            "mrr": round(self.mrr, 4),
            "recall": round(self.recall, 4),
        }
        if self.k == 10:
            data.update(mrr_at_10=data["mrr"], recall_at_10=data["recall"])
        data["misses"] = [o.__dict__ for o in self.misses]
        return data


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def load_judgments(path: str | Path) -> list[dict]:
    """Read a judgments JSONL file; a bad line is an error naming its number."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadQueryError(f"cannot read judgments file {path}: {exc}") from exc
    judged = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise BadQueryError(f"{path}:{number}: not a judgment line ({exc})") from exc
        judged.append(_checked(item, f"{path}:{number}"))
    return judged


def _checked(item, where: str) -> dict:
    """``item`` when it is a judgment; else BadQueryError naming ``where``."""
    if not isinstance(item, dict) or not isinstance(item.get("query"), str) or not isinstance(item.get("answers"), list):
        raise BadQueryError(f"{where}: not a judgment line (needs a text 'query' and a list 'answers')")
    # an empty answer is in every text (every hit relevant); null is in none
    if not item["answers"] or not all(isinstance(a, str) and fold_for_judging(a) for a in item["answers"]):
        raise BadQueryError(f"{where}: not a judgment line ('answers' must list one or more texts, "
                            f"none empty, got {json.dumps(item['answers'], ensure_ascii=False)[:80]})")
    return item


def evaluate(index, judgments: str | Path | list[dict], k: int = 10) -> EvalReport:
    """Run every judged query against ``index`` (an :class:`~zhsearch.Index`)."""
    if isinstance(judgments, (str, Path)):
        items = load_judgments(judgments)
    else:
        items = [_checked(item, f"judgment {number}") for number, item in enumerate(judgments, start=1)]
    outcomes = []
    for number, item in enumerate(items, start=1):
        answers = [fold_for_judging(a) for a in item["answers"]]
        hits = index.search(item["query"], limit=k)
        rank = next(
            (h.rank for h in hits if any(a in fold_for_judging(h.text) for a in answers)), None
        )
        first = f"{hits[0].source}:{hits[0].line}  {hits[0].text[:60]}" if len(hits) else "(no hits)"
        outcomes.append(QueryOutcome(str(item.get("id", number)), item["query"], rank, first))
    return EvalReport(k, tuple(outcomes))
