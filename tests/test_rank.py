"""The rerank's factors on hand-made passages, and RankingConfig as the one place for weights."""

import dataclasses

import pytest

import zhsearch
from zhsearch.query import plan_query
from zhsearch.normalize import fold_text
from zhsearch.rank import DEFAULT_RANKING, RankingConfig, Scored, final_scores, rescore
from zhsearch.stored import StoredPassage, split_headings

from conftest import write


def _weights(plan):
    return {concept: 1.0 for concept in plan.concepts}


def _scored(text, heading="", title="", order=1, kind="body", config=DEFAULT_RANKING, query="网贷逾期会上门吗"):
    plan = plan_query(query)
    return rescore(Scored(0, _passage(text, heading, title, order, kind), 1.0), plan, _weights(plan), config)


def _passage(text, heading="", title="", order=1, kind="body"):
    """A hand-made stored passage."""
    return StoredPassage(source="a.txt", file="a.txt", line=1, page=0, title=title, headings=split_headings(heading),
                         text=text, norm=fold_text(text), key=fold_text(text), kind=kind, order=order)


@pytest.mark.parametrize(
    "text, heading, factor, expected",
    [
        ("网贷逾期后平台一般不会上门，多为电话催收。", "", "coverage", 1.0),
        ("平台一般不会这样做，多为电话催收。", "网贷逾期会上门吗", "coverage", DEFAULT_RANKING.heading_match),
        # the question, not its answer: half the passage's coverage, none of its best window's
        ("网贷逾期会上门吗？", "", "coverage", (1 - DEFAULT_RANKING.window_weight) * DEFAULT_RANKING.question_match),
        ("网贷逾期后平台一般不会上门……", "", "shape", DEFAULT_RANKING.teaser_factor),
        ("网贷逾期上门", "", "shape", DEFAULT_RANKING.short_factor),
    ],
)
def test_factors_on_hand_made_passages(text, heading, factor, expected):
    assert getattr(_scored(text, heading), factor) == pytest.approx(expected)


def test_first_passage_under_a_heading_that_restates_the_question_is_its_answer():
    first = _scored("平台一般不会这样做。", heading="网贷逾期会上门吗", order=0)
    later = _scored("平台一般不会这样做。", heading="网贷逾期会上门吗", order=1)
    assert first.phrase == pytest.approx(later.phrase * (1 + DEFAULT_RANKING.first_answer_bonus))


def test_comments_rank_below_the_article():
    assert _scored("网贷逾期后平台一般不会上门，多为电话催收。", kind="comment").shape == DEFAULT_RANKING.comment_factor


def test_a_weight_changed_by_passing_a_config():
    config = dataclasses.replace(DEFAULT_RANKING, heading_match=0.5, comment_factor=1.0)
    assert _scored("平台一般不会这样做。", "网贷逾期会上门吗", config=config).coverage == pytest.approx(0.5)
    assert _scored("网贷逾期后平台一般不会上门，多为电话催收。", kind="comment", config=config).shape == 1.0
    a = _scored("网贷逾期后平台一般不会上门，多为电话催收。")
    b = _scored("网贷逾期后平台一般不会上门，多为电话催收。")
    b.base = 0.5
    ranked = final_scores([a, b], dataclasses.replace(DEFAULT_RANKING, base_weight=1.0))
    assert [c.score for c in ranked] == pytest.approx([a.coverage * a.phrase * a.cue * a.shape * 2.0,
                                                       b.coverage * b.phrase * b.cue * b.shape * 1.5])


def test_open_index_takes_a_ranking(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    write(corpus, "a.txt", "标题一二三四五六\n\n网贷逾期会上门吗\n\n平台一般不会这样做，多为电话提醒，请放心。\n")
    write(corpus, "b.txt", "标题七八九十一二\n\n随笔\n\n网贷逾期以后会不会有人上门，这要看平台，说不好。\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    default = [h.source for h in zhsearch.open_index(tmp_path / "ix").search("网贷逾期会上门吗")]
    headless = RankingConfig(heading_match=0.0, first_answer_bonus=0.0)
    changed = [h.source for h in zhsearch.open_index(tmp_path / "ix", ranking=headless).search("网贷逾期会上门吗")]
    assert default[0] == "a.txt" and changed[0] == "b.txt"
