"""Fit the rerank's weights and judge every ranking decision leave-one-corpus-out (LOCO).

    python bench/tune.py dump                 # index every judged set, save each question's candidates and features
    python bench/tune.py fit                  # LOCO figures of the fitted weights (--write: ship them)
    python bench/tune.py fit --without early,teaser       # the same with features left out (an ablation)
    python bench/tune.py sweep window_weight 0.3 0.5 0.7  # a RankingConfig field, LOCO over its values
    python bench/tune.py dump --reuse         # the dump's index folders as they are (a change of the rerank alone;
    python bench/tune.py sweep window_weight 0.3 0.5 --reuse   # never for a field that changes what is indexed)
    python bench/tune.py dump --semantic      # also embed every corpus (the vectors stay in bench/work/tune/)
    python bench/tune.py fit                  # with vectors in the dump: the hybrid set (--write: hybrid_weights.json)
    python bench/tune.py fit --without semantic           # the lexical set fitted on the same dump

The judged sets are those of ``../shared/eval`` (``--eval DIR``).  A *corpus
group* is a corpus with its question sets (the Debian FAQ's three sets are one
group): LOCO fits on every group but one and scores the one left out, so each
set's figure comes from weights that never saw its corpus.  The macro average
of those held-out MRR@10 figures is what a ranking decision must raise.

The learner: the rerank scores a candidate ``exp(log coverage + Σ w·feature)``
(zhsearch.searching.rank.score); a pairwise logistic model (RankNet's loss over
each question's relevant and irrelevant candidates, every set weighing alike)
gives the weights, then coordinate ascent on macro MRR@10 (RankLib's) refines
them, one weight at a time by small steps or to 0, a tie going to the weight
nearer 0 (no weight without evidence).  ``dump`` reads the candidates
once (``Index.ranked_pool``); fitting then takes seconds a fold.  Needs numpy.

The hybrid stage (``dump --semantic``, the semantic extra): each pool
candidate's cosine similarity to the question is read too; ``fit`` then adds
the feature ``semantic`` (zhsearch.semantic.rerank: min-max over the lexical
ranking's first K candidates) and chooses K inside each fold among TOP_KS, by
the macro MRR of the sets it is fitted on, like the weights.  Embedding the
~6,200 passages takes several CPU-minutes once: a later dump reuses the
vectors of the index folders under bench/work/tune/ (same texts, same model).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import pickle
import statistics
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "src"))

import zhsearch  # noqa: E402
from zhsearch.searching.evaluation import fold_for_judging, load_judgments  # noqa: E402
from zhsearch.searching.rank import DEFAULT_RANKING, LEARNED, WEIGHTS_FILE  # noqa: E402
from zhsearch.semantic.rerank import HYBRID_FILE, WEAK_COVERAGE, scaled  # noqa: E402

WORK = BENCH / "work" / "tune"
DUMP = WORK / "candidates.pkl"
DEVSETS = BENCH / "devsets"
K = 10
# name, corpus and judgments (under the eval folder), corpus group, counted in the macro average
SETS = (
    ("seeds-dev", "../corpus", "seeds_dev.jsonl", "web-articles", True),
    ("faq-questions", "debian-faq/corpus", "debian-faq/questions.jsonl", "debian-faq", True),
    ("faq-traditional", "debian-faq/corpus", "debian-faq/questions-traditional.jsonl", "debian-faq", False),
    ("faq-no-headings", "debian-faq/corpus-no-headings", "debian-faq/questions-no-headings.jsonl", "debian-faq", True),
    ("dref-mainland", "debian-reference-tw/corpus", "debian-reference-tw/questions-mainland.jsonl", "debian-reference", True),
    ("wiki-cmrc", "wikipedia-qa/cmrc-trial/corpus", "wikipedia-qa/cmrc-trial/questions.jsonl", "wiki-cmrc", True),
    ("wiki-drcd-tw", "wikipedia-qa/drcd-test/corpus", "wikipedia-qa/drcd-test/questions.jsonl", "wiki-drcd", True),
    # two genres the shared sets lack, asked in everyday words (bench/devsets/: its
    # make.sh builds the corpora; a set whose corpus is not built is left out)
    ("lo-help", str(DEVSETS / "lo-help/corpus"), str(DEVSETS / "lo-help/questions.jsonl"), "lo-help", True),
    ("manpages-zh", str(DEVSETS / "manpages-zh/corpus"), str(DEVSETS / "manpages-zh/questions.jsonl"), "manpages-zh", True),
)
TOP_KS = (10, 20, 30, 50, 70)  # how many lexical candidates the hybrid stage compares (70: the whole pool)
ROUNDS = 3  # of coordinate ascent after the pairwise model (0: the pairwise model alone)
L2 = 0.01  # the pairwise model's ridge


def log(message: str) -> None:
    print(f"[tune] {message}", file=sys.stderr, flush=True)


# --- reading the candidates ----------------------------------------------------


@dataclasses.dataclass
class QuestionSet:
    """One judged set's candidates, every question's rows stacked."""

    name: str
    group: str
    macro: bool
    features: np.ndarray  # (rows, len(LEARNED))
    log_coverage: np.ndarray  # (rows,)
    relevant: np.ndarray  # (rows,) bool
    copy_of: np.ndarray  # (rows,) int: rows with one text share it (copies fold into one hit)
    after_pool: np.ndarray  # (rows,) bool: read beyond the pool, ranked after it
    bounds: list[tuple[int, int]]  # each question's rows
    similarity: np.ndarray | None = None  # (rows,) cosine to the question (nan: none); None: dumped without vectors


def candidate_rows(idx, item: dict, keys: dict, semantic: bool = True) -> list[tuple]:
    answers = [fold_for_judging(a) for a in item["answers"]]
    ranked, pooled = idx.ranked_pool(item["query"])
    similar = (idx.similarities(item["query"], ranked[:pooled]) or []) if ranked and semantic else []
    rows = []
    for i, c in enumerate(ranked):
        values = [c.features.get(name, 0.0) for name in LEARNED]
        relevant = any(a in fold_for_judging(c.passage.text) for a in answers)
        cosine = similar[i] if i < len(similar) and similar[i] is not None else np.nan
        rows.append((values, np.log(c.features["coverage"]), relevant, keys.setdefault(c.passage.key, len(keys)),
                     i >= pooled, cosine))
    return rows


def dump(eval_dir: Path, config, semantic: bool = False, reuse: bool = False) -> list[QuestionSet]:
    """Index every set's corpus (once a corpus) and read each question's candidates;
    ``reuse``: read the index folders already under WORK as they are (a change of
    the rerank alone needs no new index)."""
    WORK.mkdir(parents=True, exist_ok=True)
    built: dict[str, Path] = {}
    sets = []
    for name, corpus, judgments, group, macro in SETS:
        corpus = (eval_dir / corpus).resolve()
        if not corpus.is_dir() and corpus.is_relative_to(DEVSETS):
            log(f"{name}: no corpus at {corpus}, LEFT OUT of every fold (bench/devsets/make.sh builds it)")
            continue
        if corpus not in built:
            built[corpus] = WORK / f"index-{name}"
            usable = reuse and built[corpus].is_dir()
            if usable and semantic and not _has_vectors(built[corpus]):
                # a set without vectors would weigh `semantic` 0 in every fold, unseen
                log(f"{built[corpus]} has no passage vectors: indexing it again with them")
                usable = False
            if usable:
                log(f"reusing {built[corpus]}")
            while not usable:
                log(f"indexing {corpus}")
                try:
                    zhsearch.build_index(corpus, built[corpus], rebuild=True, semantic=semantic,
                                         embed_progress=lambda done, total: done % 400 < 16 and log(f"embedded {done}/{total}"))
                    usable = True
                except zhsearch.IndexLockedError:  # a `zhsearch index --semantic` embedding it ahead of the dump
                    time.sleep(10)
        rows, bounds, keys = [], [], {}
        with zhsearch.open_index(built[corpus], ranking=config) as idx:
            for item in load_judgments(eval_dir / judgments):
                found = candidate_rows(idx, item, keys, semantic)
                bounds.append((len(rows), len(rows) + len(found)))
                rows.extend(found)
        log(f"{name}: {len(bounds)} questions, {len(rows)} candidates")
        sets.append(QuestionSet(
            name, group, macro,
            np.array([r[0] for r in rows], dtype=float).reshape(len(rows), len(LEARNED)),
            np.array([r[1] for r in rows], dtype=float), np.array([r[2] for r in rows], dtype=bool),
            np.array([r[3] for r in rows], dtype=int), np.array([r[4] for r in rows], dtype=bool), bounds,
            np.array([r[5] for r in rows], dtype=float) if semantic else None))
    return sets


def _has_vectors(index_dir: Path) -> bool:
    with zhsearch.open_index(index_dir, semantic=False) as idx:
        return bool(idx.meta.get("semantic"))


# --- scoring ------------------------------------------------------------------


def mrr(qs: QuestionSet, weights: np.ndarray) -> float:
    """MRR@K of one set under ``weights`` (copies folded, as the engine shows hits)."""
    scores = qs.log_coverage + qs.features @ weights - 1e6 * qs.after_pool
    total = 0.0
    for start, end in qs.bounds:
        if start == end:
            continue
        order = np.argsort(-scores[start:end], kind="stable")
        copies = qs.copy_of[start:end][order]
        _, first = np.unique(copies, return_index=True)
        shown = np.zeros(len(order), dtype=bool)
        shown[first] = True
        relevant = qs.relevant[start:end][order][shown][:K]
        if relevant.any():
            total += 1.0 / (1 + int(np.argmax(relevant)))
    return total / len(qs.bounds)


def macro(sets: list[QuestionSet], weights: np.ndarray) -> float:
    return statistics.mean(mrr(qs, weights) for qs in sets if qs.macro)


def pairwise_fit(sets: list[QuestionSet], free: np.ndarray, l2: float = 0.01) -> np.ndarray:
    """Weights of a pairwise logistic model (RankNet's loss): for every
    relevant and irrelevant candidate of one question, log(1 + e^-(s_rel - s_irr)),
    each question weighing alike within its set and each set alike.  Convex:
    Newton's method finds its one minimum."""
    rows, offsets, pair_weights = [], [], []
    n_sets = sum(qs.macro for qs in sets)
    for qs in sets:
        if not qs.macro:
            continue
        for start, end in qs.bounds:
            pool = np.arange(start, end)[~qs.after_pool[start:end]]
            good, bad = pool[qs.relevant[pool]], pool[~qs.relevant[pool]]
            if not len(good) or not len(bad):
                continue
            g, b = np.repeat(good, len(bad)), np.tile(bad, len(good))
            rows.append(qs.features[g] - qs.features[b])
            offsets.append(qs.log_coverage[g] - qs.log_coverage[b])
            pair_weights.append(np.full(len(g), 1.0 / (len(g) * len(qs.bounds) * n_sets)))
    diff, offset, weight = np.vstack(rows)[:, free], np.concatenate(offsets), np.concatenate(pair_weights)
    w = np.zeros(diff.shape[1])
    for _ in range(50):
        margin = offset + diff @ w
        p = 1 / (1 + np.exp(np.clip(margin, -30, 30)))  # the chance the pair is ordered wrong
        gradient = -(diff * (weight * p)[:, None]).sum(0) + l2 * w
        hessian = (diff * (weight * p * (1 - p))[:, None]).T @ diff + l2 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    full = np.zeros(len(free))
    full[free] = w
    return full


STEPS = (-0.5, -0.2, -0.1, -0.05, 0.05, 0.1, 0.2, 0.5)


def fit(sets: list[QuestionSet], fixed_zero: set[str], names: tuple[str, ...] = LEARNED) -> np.ndarray:
    """The pairwise model's weights, then coordinate ascent on the macro MRR
    of ``sets`` from there (MRR is what the pairs stand in for), a tie going
    to the weight nearer 0."""
    free = np.array([name not in fixed_zero for name in names])
    weights = pairwise_fit(sets, free, L2)
    best = macro(sets, weights)
    for _ in range(ROUNDS):
        moved = False
        for f in np.flatnonzero(free):
            for value in [0.0] + [round(weights[f] + step, 4) for step in STEPS]:  # 0: no weight at all
                trial = weights.copy()
                trial[f] = value
                got = macro(sets, trial)
                if got > best + 1e-9 or (abs(got - best) <= 1e-9 and abs(trial[f]) < abs(weights[f])):
                    best, weights, moved = got, trial, True
        if not moved:
            break
    return weights


def loco(sets: list[QuestionSet], fixed_zero: set[str]) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Each set's MRR under weights fitted on the other corpus groups, and those weights."""
    held_out, fitted = {}, {}
    for group in dict.fromkeys(qs.group for qs in sets):
        weights = fit([qs for qs in sets if qs.group != group], fixed_zero)
        fitted[group] = weights
        for qs in sets:
            if qs.group == group:
                held_out[qs.name] = mrr(qs, weights)
    return held_out, fitted


# --- the hybrid stage ---------------------------------------------------------

HYBRID = LEARNED + ("semantic", "semantic_weak")


def with_semantic(qs: QuestionSet, top_k: int) -> QuestionSet:
    """``qs`` with the feature ``semantic`` as the engine computes it
    (zhsearch.semantic.rerank.scaled over the lexical ranking's first ``top_k``
    pool candidates; the dump's rows are in that order)."""
    column, weak = np.zeros(len(qs.relevant)), np.zeros(len(qs.relevant))
    for start, end in qs.bounds:
        top = [start + i for i in range(min(top_k, end - start)) if not qs.after_pool[start + i]]
        values = scaled([None if np.isnan(qs.similarity[r]) else float(qs.similarity[r]) for r in top])
        column[top] = values
        pool = np.arange(start, end)[~qs.after_pool[start:end]]
        if len(pool) and qs.log_coverage[pool].max() < np.log(WEAK_COVERAGE):
            weak[top] = values
    return dataclasses.replace(qs, features=np.hstack([qs.features, column[:, None], weak[:, None]]))


def fit_hybrid(sets: list[QuestionSet], fixed_zero: set[str], cache: dict) -> tuple[int, np.ndarray]:
    """K (among TOP_KS) and the weights whose fit scores best on ``sets`` themselves."""
    best = None
    for k in TOP_KS:
        trial = [cache.setdefault((qs.name, k), with_semantic(qs, k)) for qs in sets]
        weights = fit(trial, fixed_zero, HYBRID)
        got = macro(trial, weights)
        if best is None or got > best[0] + 1e-9:
            best = (got, k, weights)
    return best[1], best[2]


def loco_hybrid(sets: list[QuestionSet], fixed_zero: set[str], cache: dict) -> tuple[dict[str, float], dict]:
    """LOCO with K chosen inside each fold, as the weights are."""
    held_out, fitted = {}, {}
    for group in dict.fromkeys(qs.group for qs in sets):
        k, weights = fit_hybrid([qs for qs in sets if qs.group != group], fixed_zero, cache)
        fitted[group] = (k, weights)
        for qs in sets:
            if qs.group == group:
                held_out[qs.name] = mrr(cache.setdefault((qs.name, k), with_semantic(qs, k)), weights)
    return held_out, fitted


def macro_of(figures: dict[str, float], sets: list[QuestionSet]) -> float:
    return statistics.mean(figures[qs.name] for qs in sets if qs.macro)


# --- commands -----------------------------------------------------------------


def load_dump() -> list[QuestionSet]:
    if not DUMP.exists():
        sys.exit(f"tune: no {DUMP}; run `python bench/tune.py dump` first")
    return pickle.loads(DUMP.read_bytes())


def command_fit(args) -> None:
    sets = load_dump()
    global ROUNDS, L2
    ROUNDS, L2 = args.rounds, args.l2
    fixed_zero = set(filter(None, args.without.split(",")))
    hybrid = getattr(sets[0], "similarity", None) is not None and "semantic" not in fixed_zero
    if "semantic" in fixed_zero:  # the lexical set: the gated variant goes with it
        fixed_zero.add("semantic_weak")
    names = HYBRID if hybrid else LEARNED
    if unknown := fixed_zero - set(HYBRID):
        sys.exit(f"tune: no feature {', '.join(sorted(unknown))}; the learned ones: {', '.join(HYBRID)}")
    if hybrid:  # the vectors' figures, K chosen in each fold; "shipped": hybrid_weights.json
        for qs in sets:
            if qs.macro and np.isnan(qs.similarity).all():
                log(f"WARNING: {qs.name} has no passage vectors in the dump: its `semantic` is 0 in every fold "
                    "(dump --reuse --semantic embeds it)")
        shipped_file = json.loads(HYBRID_FILE.read_text(encoding="utf-8"))
        cache: dict = {}
        held_out, fitted = loco_hybrid(sets, fixed_zero, cache)
        top_k, weights = fit_hybrid(sets, fixed_zero, cache)
        shipped_k = int(shipped_file["top_k"])
        shipped = np.array([shipped_file["weights"].get(name, 0.0) for name in names])
        shipped_sets = [cache.setdefault((qs.name, shipped_k), with_semantic(qs, shipped_k)) for qs in sets]
        fitted_sets = [cache[(qs.name, top_k)] for qs in sets]
        folds = {group: w for group, (_, w) in fitted.items()}
    else:
        shipped = np.array([DEFAULT_RANKING.weight.get(name, 0.0) for name in LEARNED])
        held_out, folds = loco(sets, fixed_zero)
        weights, top_k = fit(sets, fixed_zero), None
        shipped_sets = fitted_sets = sets
    if args.verbose:
        for group, w in folds.items():
            k = f" (K {fitted[group][0]})" if hybrid else ""
            print(f"fitted without {group}{k}:", {n: round(float(v), 2) for n, v in zip(names, w) if v})
    print(f"{'set':<16} {'shipped':>8} {'LOCO':>8} {'all-fit':>8}" + ("   (with passage vectors)" if hybrid else ""))
    for qs, shipped_qs, fitted_qs in zip(sets, shipped_sets, fitted_sets):
        print(f"{qs.name:<16} {mrr(shipped_qs, shipped):8.3f} {held_out[qs.name]:8.3f} {mrr(fitted_qs, weights):8.3f}"
              + ("" if qs.macro else "   (not in the macro)"))
    figures = {"shipped": macro(shipped_sets, shipped), "loco": macro_of(held_out, sets), "all": macro(fitted_sets, weights)}
    print(f"{'macro MRR@10':<16} {figures['shipped']:8.3f} {figures['loco']:8.3f} {figures['all']:8.3f}"
          f"   ({sum(qs.macro for qs in sets)} sets, {len({qs.group for qs in sets})} corpus groups)")
    print("weights fitted on every set:", {n: float(w) for n, w in zip(names, weights) if w}
          | ({"top_k": top_k} if hybrid else {}))
    if args.write:
        data = {
            "weights": {n: float(w) for n, w in zip(names, weights)},
            **({"top_k": top_k} if hybrid else {}),
            "provenance": {
                "fitted": datetime.date.today().isoformat(),
                "how": "pairwise logistic model, then coordinate ascent on macro MRR@10, over the sets below "
                       "(bench/tune.py fit --write)" + ("; K the best of TOP_KS on the same sets" if hybrid else ""),
                "sets": [qs.name for qs in sets if qs.macro],
                "left_out_features": sorted(fixed_zero & set(names)),
                "loco_mrr": {name: round(v, 4) for name, v in held_out.items()},
                "loco_macro_mrr": round(figures["loco"], 4),
                "fitted_macro_mrr": round(figures["all"], 4),
            },
        }
        target = HYBRID_FILE if hybrid else WEIGHTS_FILE
        target.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {target}")


def command_sweep(args) -> None:
    """A RankingConfig field over its values: each set's MRR with the shipped
    weights, and the value LOCO would choose for each group."""
    field = args.field
    kind = type(getattr(DEFAULT_RANKING, field))
    shipped = np.array([DEFAULT_RANKING.weight.get(name, 0.0) for name in LEARNED])
    table: dict = {}
    for raw in args.values:
        config = dataclasses.replace(DEFAULT_RANKING, **{field: kind(raw)})
        sets = dump(Path(args.eval), config, reuse=args.reuse)
        table[raw] = {qs.name: mrr(qs, shipped) for qs in sets}
    groups = {qs.name: (qs.group, qs.macro) for qs in sets}
    print(f"{'set':<16}" + "".join(f"{v:>8}" for v in args.values) + "   LOCO pick")
    held_out = {}
    for name, (group, _) in groups.items():
        others = [n for n, (g, m) in groups.items() if g != group and m]
        pick = max(args.values, key=lambda v: statistics.mean(table[v][n] for n in others))
        held_out[name] = table[pick][name]
        print(f"{name:<16}" + "".join(f"{table[v][name]:8.3f}" for v in args.values) + f"   {pick} → {held_out[name]:.3f}")
    in_macro = [n for n, (_, m) in groups.items() if m]
    print(f"{'macro':<16}" + "".join(f"{statistics.mean(table[v][n] for n in in_macro):8.3f}" for v in args.values)
          + f"   LOCO {statistics.mean(held_out[n] for n in in_macro):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", default=str(REPO.parent / "shared" / "eval"), help="the judged sets' folder")
    sub = parser.add_subparsers(dest="command", required=True)
    dumping = sub.add_parser("dump", help="index every set and save its candidates' features")
    dumping.add_argument("--semantic", action="store_true", help="embed the passages too (the semantic extra)")
    dumping.add_argument("--reuse", action="store_true", help="read the index folders of an earlier dump as they are")
    fitting = sub.add_parser("fit", help="LOCO figures of fitted weights")
    fitting.add_argument("--without", default="", help="features to leave out (weight 0), comma-separated")
    fitting.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of coordinate ascent (0: pairwise only)")
    fitting.add_argument("--l2", type=float, default=L2, help="the pairwise model's ridge")
    fitting.add_argument("--verbose", action="store_true", help="print each fold's weights")
    fitting.add_argument("--write", action="store_true", help=f"write the weights fitted on every set to {WEIGHTS_FILE.name}")
    sweep = sub.add_parser("sweep", help="a RankingConfig field over values, LOCO")
    sweep.add_argument("field")
    sweep.add_argument("values", nargs="+")
    sweep.add_argument("--reuse", action="store_true", help="a field of the rerank alone: read the dump's index folders as they are")
    args = parser.parse_args()
    if args.command == "dump":
        sets = dump(Path(args.eval), DEFAULT_RANKING, args.semantic, args.reuse)
        DUMP.write_bytes(pickle.dumps(sets))
        log(f"wrote {DUMP}")
    elif args.command == "fit":
        command_fit(args)
    else:
        command_sweep(args)


if __name__ == "__main__":
    main()
