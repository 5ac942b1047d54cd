"""Relevance against hand-built baselines on judged questions (a FAQ folder written for the tests)."""

import sys
from pathlib import Path

import zhsearch
from zhsearch.searching.evaluation import load_judgments

from conftest import JUDGMENTS, REPO

sys.path.insert(0, str(REPO / "bench"))
from baselines import fts5, paragraphs, score  # noqa: E402

FAQ = Path(__file__).parent / "data" / "faq"
FAQ_JUDGMENTS = Path(__file__).parent / "data" / "faq_judgments.jsonl"


def test_faq_questions_bring_their_own_answer_first_at_least_as_often_as_fts5(tmp_path):
    zhsearch.build_index(FAQ, tmp_path)
    with zhsearch.open_index(tmp_path) as idx:
        ours = zhsearch.evaluate(idx, FAQ_JUDGMENTS, k=10)
    judged = load_judgments(FAQ_JUDGMENTS)
    baseline_s1, _, _ = score(fts5(paragraphs(FAQ), judged), judged)
    assert ours.success_at_1 >= baseline_s1
    assert ours.recall == 1.0


def test_beats_fts5_on_the_shipped_corpus(idx, corpus_copy):
    ours = zhsearch.evaluate(idx, JUDGMENTS, k=10)
    judged = load_judgments(JUDGMENTS)
    baseline_s1, baseline_mrr, _ = score(fts5(paragraphs(corpus_copy), judged), judged)
    assert ours.success_at_1 > baseline_s1 and ours.mrr > baseline_mrr


def test_own_questions_over_the_shipped_corpus_beat_fts5(idx, corpus_copy):
    """Paraphrased questions written for the tests (not the dev judgments): no tuning target,
    a check that what helps the dev questions is not tied to their wording."""
    judgments = Path(__file__).parent / "data" / "corpus_judgments.jsonl"
    ours = zhsearch.evaluate(idx, judgments, k=10)
    judged = load_judgments(judgments)
    baseline_s1, baseline_mrr, _ = score(fts5(paragraphs(corpus_copy), judged), judged)
    assert ours.success_at_1 >= baseline_s1 and ours.mrr > baseline_mrr
