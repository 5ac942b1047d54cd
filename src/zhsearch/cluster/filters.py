"""A query's operators as the cluster applies them: pushed into the engine's query
where it can, then checked exactly on the stored text, as the local index checks them."""

from __future__ import annotations

from dataclasses import dataclass

from zhsearch.cluster.rows import keyword
from zhsearch.text.normalize import HAN_RUN, fold_text


@dataclass(frozen=True)
class PushedFilters:
    """A query's operators as the engine applies them, and the check that makes them exact.

    The engine sees a run (``"上门取证"``) as the phrase of its bigrams (or
    their AND, for a run across scripts): a superset of the passages that
    hold it, which :meth:`holds` narrows on the stored normalised text, as
    the local index's filters do (zhsearch.searching.restrict).
    """

    required: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()
    files: tuple[int, ...] | None = None  # file ids allowed (None: any)
    excluded_files: tuple[int, ...] = ()

    def match(self) -> tuple[str, str]:
        """``(required clause, excluded clause)`` for ``MATCH``; either may be empty."""
        groups = []
        for group in self.required:
            alternatives = [_run_clause(run) for run in group]
            if all(alternatives):  # a lone Han character cannot be looked up: the check alone
                groups.append("(" + " | ".join(alternatives) + ")")
        excluded = [f"-{clause}" for run in self.excluded if _is_han_run(run) and (clause := _run_clause(run))]
        return " ".join(groups), " ".join(excluded)

    def where(self) -> str:
        parts = []
        if self.files is not None:
            parts.append(f"file_id IN ({','.join(map(str, self.files))})")
        if self.excluded_files:
            parts.append(f"file_id NOT IN ({','.join(map(str, self.excluded_files))})")
        return " AND ".join(parts)

    def holds(self, norm: str) -> bool:
        from zhsearch.searching.restrict import run_pattern

        return all(any(run_pattern(run).search(norm) for run in group) for group in self.required) and not any(
            run_pattern(run).search(norm) for run in self.excluded)


def _is_han_run(run: str) -> bool:
    return bool(HAN_RUN.fullmatch(fold_text(run)))


def _run_clause(run: str) -> str:
    """A run as the engine can find it: the phrase of its bigram keywords (one Han run),
    or their AND; "" when it has none (one Han character)."""
    from zhsearch.searching.restrict import lookup_terms

    terms = [keyword("bigrams", t) for t in lookup_terms(run)]
    if not terms:
        return ""
    if len(terms) == 1:
        return terms[0]
    return f'"{" ".join(terms)}"' if _is_han_run(run) else "(" + " ".join(terms) + ")"
