"""Highlights and snippets, cut from the passage as written.

Matches are found in the normalised passage (simplified script, digits for
numerals) and mapped back through the offset map, so ``上门取证`` in a query
highlights ``上門取證`` in a traditional passage.
"""

from __future__ import annotations

import bisect

from zhsearch.text.normalize import normalize_text
from zhsearch.searching.query import QueryPlan

SNIPPET_CHARS = 120


def _find_all(text: str, term: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(term)
    while start != -1:
        spans.append((start, start + len(term)))
        start = text.find(term, start + 1)
    return spans


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans; touching spans join (上门 + 门取 + 取证 → 上门取证)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def highlight_spans(text: str, plan: QueryPlan) -> list[tuple[int, int]]:
    """``(start, end)`` spans of ``text`` (as written) that match the query."""
    norm = normalize_text(text)
    found: list[tuple[int, int]] = []
    terms = set(plan.words) | set(plan.bigrams) | set(plan.related_terms)
    for term in terms:
        # A lone Han character highlights only inside a matching word, never alone.
        if len(term) < 2 and not term.isascii():
            continue
        for s, e in _find_all(norm.text, term):
            found.append(norm.span(s, e))
    for bigrams in plan.pinyin_bigrams.values():
        for bigram in bigrams:
            found.extend(norm.span(s, e) for s, e in _find_all(norm.text, bigram))
    return merge_spans(found)


def snippet_window(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> tuple[int, int]:
    """The ``width``-character window of ``text`` that holds the most highlighted characters.

    Each span's start is tried as an anchor (a quarter of the window before
    it); the highlighted characters in a window are counted with prefix sums
    over the merged spans, so the cost is O(n log n) in the spans, not O(n²).
    """
    if len(text) <= width:
        return 0, len(text)
    if not spans:
        return 0, width
    spans = merge_spans(spans)
    starts = [s for s, _ in spans]
    ends = [e for _, e in spans]
    covered = [0]
    for s, e in spans:
        covered.append(covered[-1] + e - s)
    best_start, best_score = 0, -1
    for anchor in starts:
        start = max(0, min(anchor - width // 4, len(text) - width))
        end = start + width
        first, last = bisect.bisect_right(ends, start), bisect.bisect_left(starts, end)  # spans[first:last] meet it
        score = 0
        if first < last:
            score = covered[last] - covered[first] - max(0, start - starts[first]) - max(0, ends[last - 1] - end)
        if score > best_score:
            best_start, best_score = start, score
    return best_start, best_start + width
