"""The rerank's features on hand-made passages, the one formula, and RankingConfig as the one place for weights."""

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhsearch
from zhsearch.searching.features import FEATURES, passage_context
from zhsearch.text.normalize import both_readings, fold_text
from zhsearch.searching.query import plan_query
from zhsearch.searching.rank import (
    DEFAULT_RANKING, LEARNED, RankingConfig, Scored, feature_contributions, final_scores, rescore, score, score_formula,
)
from zhsearch.storage.stored import StoredPassage, split_headings

from conftest import write

D = DEFAULT_RANKING
ANSWER = "网贷逾期后平台一般不会上门，多为电话催收。"


def _weights(plan):
    return {concept: 1.0 for concept in plan.concepts}


def _passage(text, heading="", title="", order=1, kind="body"):
    """A hand-made stored passage."""
    return StoredPassage(source="a.txt", file="a.txt", line=1, page=0, title=title, headings=split_headings(heading),
                         title_norm=fold_text(title), heading_norm=both_readings(heading), text=text, norm=fold_text(text), key=fold_text(text), kind=kind, order=order)


def _scored(text, heading="", title="", order=1, kind="body", config=DEFAULT_RANKING, query="网贷逾期会上门吗"):
    plan = plan_query(query)
    return rescore(Scored(0, _passage(text, heading, title, order, kind), 1.0), plan, _weights(plan), config)



# feature, passage (text, heading, title, order, kind), query, expected value
FEATURE_TABLE = [
    ("coverage", (ANSWER,), None, 1.0),
    ("coverage", ("平台一般不会这样做，多为电话催收。", "网贷逾期会上门吗"), None, D.heading_match),
    ("coverage", ("平台一般不会这样做。", "", "网贷逾期会上门吗"), None, D.title_match),
    # the question, not its answer: half the passage's coverage, none of its best window's
    ("coverage", ("网贷逾期会上门吗？",), None, (1 - D.window_weight) * D.question_match),
    ("coverage", ("今天天气很好，适合出门散步。",), None, 0.0),
    ("coverage", ("详见第 7.13 节 “网贷逾期会上门吗”。",), None, 0.0),  # a pointer to the section that answers
    ("early", (ANSWER, "", "", 0), None, 1.0),
    ("early", (ANSWER, "", "", 1), None, 0.5),
    ("phrase", ("网贷逾期以后，平台一般不会上门。",), None, 1.0),  # 网贷逾期 and 上门 whole
    ("phrase", ("平台一般不会上门，也不会打电话。",), None, 2 / 6),  # 上门 only
    ("phrase", ("逾期的网贷，平台一般不会找你。",), None, 0.0),
    ("phrase", ("平台一般只打电话。", "网贷逾期 › 会上门吗"), None, 1.0),  # whole in the heading path
    ("phrase", ("平台一般只打电话。", "", "网贷逾期会上门吗"), None, 0.0),  # the title is not the passage's heading
    ("phrase", (ANSWER,), "天气", 0.0),  # no run of two characters found
    ("first_answer", ("平台一般不会这样做。", "网贷逾期会上门吗", "", 0), None, 1.0),
    ("first_answer", ("平台一般不会这样做。", "常见问题 › 网贷逾期会上门吗", "", 0), None, 1.0),
    ("first_answer", ("平台一般不会这样做。", "网贷逾期会上门吗", "", 1), None, 0.0),
    ("first_answer", ("平台一般不会这样做。", "网贷逾期会上门吗 › 案例", "", 0), None, 0.0),
    # a heading's Latin words are restated too: aptitude, 表达, 达式 of 5 units (0.6)
    ("first_answer", ("它是类 mutt 的扩展。", "2.2.6. aptitude 正规表达式", "", 0), "aptitude 正则表达式",
     0.6),
    ("first_answer", ("它是类 mutt 的扩展。", "2.2.6. dselect 正规表达式", "", 0), "aptitude 正则表达式", 0.4),
    ("opening", ("不会。平台一般只打电话催收。",), None, 1.0),  # a yes/no question's verdict first
    ("opening", ("平台一般只打电话催收，不会上门。",), None, 0.0),
    ("opening", ("可以。平台一般只打电话催收。",), None, 0.0),  # the verdict of another verb (可以, not 会)
    ("opening", ("上门取证是指催收人员到借款人住所核实情况。",), "什么是上门取证", 1.0),  # what it defines first
    ("opening", ("催收人员有时会上门取证。",), "什么是上门取证", 0.0),
    ("opening", ("不会。平台一般只打电话催收。",), "网贷逾期怎么处理", 0.0),  # not asked yes or no
    ("teaser", ("网贷逾期后平台一般不会上门……",), None, 1.0),
    ("teaser", (ANSWER,), None, 0.0),
    ("verdict", ("不是。软件包可以原地升级。",), "怎样升级正在运行的系统", 1.0),  # answers another question
    ("verdict", ("不是。软件包可以原地升级。",), None, 0.0),  # the question asks yes or no
    ("verdict", ("不是。软件包可以原地升级。",), "是否可以原地升级，应该怎么做", 0.0),  # and how: still yes or no
    ("verdict", ("软件包可以原地升级，不是。",), "怎样升级正在运行的系统", 0.0),  # no verdict first
    ("verdict", ("可以。软件包可以原地升级。",), "能否在正在运行的系统上升级？", 0.0),  # 能否 asks yes or no too
    ("verdict", ("不需要。软件包可以原地升级。",), "需不需要重启系统", 0.0),
    ("verdict", ("可以。软件包可以原地升级。",), "原地 升级 系统", 0.0),  # keywords ask nothing
    ("verdict", ("当然，如果您已经在使用缓存代理，也可以。",), "怎样使用缓存代理", 0.0),  # 当然， opens more than verdicts
    ("length", ("会" * 999,), None, 1.0),  # log10(1 + 999) / 3
    ("length", ("不会。",), None, pytest.approx(math.log10(4) / 3)),
    ("title", ("平台一般不会这样做。", "", "网贷逾期会上门吗"), None, 1.0),  # the title names the whole question
    ("title", ("平台一般不会这样做。", "网贷逾期会上门吗", ""), None, 0.0),  # a heading is not the title
    ("title", (ANSWER, "", "天气预报"), None, 0.0),
]


@pytest.mark.parametrize("name, passage, query, expected", FEATURE_TABLE)
def test_each_feature_on_hand_made_passages(name, passage, query, expected):
    plan = plan_query(query or "网贷逾期会上门吗")
    record = _passage(*passage)
    feature = dict(FEATURES)[name]
    value = feature(record, plan, passage_context(record, plan, _weights(plan), D), D)
    assert value == pytest.approx(expected)


def test_every_feature_has_a_case_and_is_in_the_formula():
    names = [name for name, _ in FEATURES]
    assert len(set(names)) == len(names) and {row[0] for row in FEATURE_TABLE} == set(names)
    config = dataclasses.replace(D, weights=tuple((name, 0.5) for name in LEARNED))
    assert all(name in score_formula(config) for name in LEARNED)
    neutral = {name: 0.0 for name in names} | {"coverage": 0.5, "bm25f": 0.0}
    assert score(neutral, config) == pytest.approx(0.5)  # exp(log coverage)
    for name in LEARNED:  # every feature the learner weighs moves the score by its weight
        assert score({**neutral, name: 1.0}, config) == pytest.approx(0.5 * math.exp(0.5))


def test_coverage_of_hand_made_passages():
    assert _scored(ANSWER).features["coverage"] == 1.0
    assert _scored("平台一般不会这样做，多为电话催收。", "网贷逾期会上门吗").features["coverage"] == pytest.approx(D.heading_match)
    assert _scored("网贷逾期会上门吗？").features["coverage"] == pytest.approx((1 - D.window_weight) * D.question_match)


def test_the_score_is_log_coverage_plus_each_weighted_feature():
    a, b = _scored(ANSWER), _scored(ANSWER)
    b.base = 0.5
    config = dataclasses.replace(D, weights=(("bm25f", 1.0), ("teaser", 0.0)))
    ranked = final_scores([a, b], config)
    assert [c.features["bm25f"] for c in ranked] == [1.0, 0.5]
    assert [c.score for c in ranked] == pytest.approx([math.exp(1.0), math.exp(0.5)])
    contributions = feature_contributions(ranked[1].features, config)
    assert contributions == {"coverage": 0.0, "bm25f": 0.5}  # the log score, term by term


def test_a_weight_changed_by_passing_a_config():
    config = dataclasses.replace(DEFAULT_RANKING, heading_match=0.5, weights=(("teaser", -1.0),))
    assert _scored("平台一般不会这样做。", "网贷逾期会上门吗", config=config).features["coverage"] == pytest.approx(0.5)
    teaser, answer = _scored("网贷逾期后平台一般不会上门……"), _scored(ANSWER)
    assert [c.passage.text for c in final_scores([teaser, answer], config)] == [ANSWER, teaser.passage.text]


def test_a_passage_with_none_of_the_concepts_is_dropped():
    assert final_scores([_scored("今天天气很好，适合出门散步。")]) == []


def test_open_index_takes_a_ranking(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    write(corpus, "a.txt", "标题一二三四五六\n\n网贷逾期会上门吗\n\n平台一般不会这样做，多为电话提醒，请放心。\n\n"
                           "其他问题\n\n还款日可以顺延一天，不算逾期。\n")  # two lone lines: the page's headings
    write(corpus, "b.txt", "标题七八九十一二\n\n随笔\n\n网贷逾期以后会不会有人上门，这要看平台，说不好。\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    default = [h.source for h in zhsearch.open_index(tmp_path / "ix").search("网贷逾期会上门吗")]
    headless = RankingConfig(heading_match=0.0, weights=())
    changed = [h.source for h in zhsearch.open_index(tmp_path / "ix", ranking=headless).search("网贷逾期会上门吗")]
    assert default[0] == "a.txt" and changed[0] == "b.txt"


def test_explain_lists_every_feature_in_order(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    write(corpus, "a.txt", "标题一二三四五六\n\n网贷逾期会上门吗\n\n平台一般不会这样做，多为电话提醒，请放心。\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    info = zhsearch.open_index(tmp_path / "ix").search("网贷逾期会上门吗", explain=True)[0].explanation
    assert list(info["features"]) == [name for name, _ in FEATURES] + ["bm25f"]  # of the pool
    assert set(info["contributions"]) <= set(info["features"])
    assert info["matched"] and set(info["matched"].values()) <= {"passage", "question sentence", "heading", "title"}


@pytest.mark.parametrize(
    "text, heading, title",
    [("网贷逾期以后。平台一般不会上门。多为电话催收。也会发短信。", "网贷逾期会上门吗", ""),
     ("平台一般不会。这样做。多为电话。", "", "网贷逾期"),
     ("上门？不会。催收只打电话。逾期要还。", "常见问题 › 上门", "网贷")],
)
def test_the_best_window_is_the_best_of_each_windows_own_coverage(text, heading, title):
    """features._best_window finds heading and title credits once; it equals
    _coverage over each window in turn."""
    from zhsearch.searching.features import _best_window, _coverage

    plan = plan_query("网贷逾期会上门吗")
    record = _passage(text, heading, title)
    context = passage_context(record, plan, _weights(plan), D)
    windows = ["".join(context.statements[i : i + 2]) for i in range(max(1, len(context.statements) - 1))]
    assert _best_window(plan, windows, context, D) == max(_coverage(plan, w, "", context, D)[0] for w in windows)


@pytest.mark.parametrize(
    "norm, kept",
    [("准备好文件（第 7.13 节 “如何安装源码包？”）后执行", "准备好文件（第 7.13 节 ）后执行"),
     ("阅读第 14.3 节 “我想面向一个“垂直市场”发布。可以吗？”获得更多信息。", "阅读第 14.3 节 获得更多信息。"),  # nested quotes
     ("参见节 1.2, “类 unix 文件系统” (基本概念)", "参见节 1.2,  (基本概念)"),
     ("他说“网贷逾期会上门吗”。", "他说“网贷逾期会上门吗”。"),  # a quotation, not a cross-reference
     ("第 3 节 “未闭合的引号", "第 3 节 “未闭合的引号")],
)
def test_the_titles_cross_references_quote_are_not_the_passages_content(norm, kept):
    from zhsearch.searching.features import without_cross_references

    assert without_cross_references(norm) == kept


@pytest.mark.parametrize("heading, query, share", [
    ("网贷逾期会上门调查吗?", "网贷逾期会上门调查吗", 1.0),
    ("网贷逾期会上门调查吗:真实案例解析", "网贷逾期会上门调查吗", 9 / 14),
    ("1.5.9. aptitude 正规表达式", "aptitude 正则表达式", 3 / 5),  # the section number is no word
    ("dpkg 命令", "dpkg-statoverride 命令", 1.0),  # whole words, not their parts: dpkg is one of the query's
    ("apt 命令", "aptitude 命令", 1 / 2),  # apt is not aptitude
    ("12.6.2.1.", "编译并安装程序", 0.0),
])
def test_heading_precision_counts_bigrams_and_latin_words(heading, query, share):
    from zhsearch.searching.features import heading_precision

    assert heading_precision(heading, query) == pytest.approx(share)


def test_the_shipped_weights_name_the_learned_features():
    names = [name for name, _ in FEATURES]
    assert set(LEARNED) == (set(names) - {"coverage"}) | {"bm25f"}
    assert set(name for name, _ in D.weights) == set(LEARNED)  # a weight of no feature would be inert


# passages that take each path of the features: plain statements, a question, a quotation,
# an announcement, a cross-reference, a heading and a title, a lone sentence, numerals
SHARED_TERMS_PASSAGES = [
    (ANSWER, "", "", 0),
    ("网贷逾期以后。平台一般不会上门。多为电话催收。也会发短信。", "网贷逾期会上门吗", "", 0),
    ("上门？不会。催收只打电话。逾期要还。", "常见问题 › 上门", "网贷", 1),
    ("他问“网贷逾期会上门吗”。平台说不会。只打电话。", "", "网贷逾期", 2),
    ("本文将为大家详细介绍网贷逾期。平台一般不会上门。催收多为电话。", "应对策略", "网贷逾期怎么办", 0),
    ("详见第 7.13 节 “网贷逾期会上门吗”。平台不会。", "网贷 › 逾期", "", 0),
    ("不会。", "", "", 0),
    ("逾期九千元。三个月后会上门吗？一般不会。", "网贷逾期", "网贷逾期会上门吗", 0),
]


@pytest.mark.parametrize("query", ["网贷逾期会上门吗", "网贷逾期怎么办", "上门催收 九千", "shangmen cuishou"])
def test_features_with_the_querys_terms_made_once_are_those_made_for_each_passage(query):
    """rescore with one QueryTerms for all candidates (what a search does) gives every
    feature of every passage exactly as with terms made for that passage alone."""
    from zhsearch.searching.features import QueryTerms

    plan = plan_query(query)
    if query.isascii():
        plan = dataclasses.replace(plan, pinyin_bigrams={pair: ("上门", "催收")[i:i + 1]
                                                         for i, pair in enumerate(plan.pinyin)})
    weights = {**_weights(plan), **{pair: 1.5 for pair in plan.pinyin_bigrams}}
    shared = QueryTerms(plan, weights, D)
    for text, heading, title, order in SHARED_TERMS_PASSAGES * 2:  # twice: the heading credits are cached
        alone = rescore(Scored(0, _passage(text, heading, title, order), 1.0), plan, weights, D)
        once = rescore(Scored(0, _passage(text, heading, title, order), 1.0), plan, weights, D, shared)
        assert once.features == alone.features
        assert all(value >= 0 for value in once.features.values())


def test_terms_for_other_weights_are_refused():
    from zhsearch.searching.features import QueryTerms

    plan = plan_query("网贷逾期会上门吗")
    with pytest.raises(ValueError):
        passage_context(_passage(ANSWER), plan, _weights(plan), D, QueryTerms(plan, _weights(plan), D))


@pytest.mark.parametrize("text", ["他上门。平台不会。催收只打电话。", "他上门。\n平台不会。\n催收。", "平台不会。催收。"])
def test_a_term_spanning_two_sentences_is_still_found_in_their_window(text):
    """The best window skips a term the passage's statements lack only when no term can
    span a sentence end: a window joins two sentences, the statements are read one a line."""
    from zhsearch.searching.features import QueryTerms, _coverage

    plan = plan_query("上门")
    weights = {"门。平": 1.0, "上门": 1.0}  # a concept across 。 (no question makes one; the rule must hold anyway)
    terms = QueryTerms(plan, weights, D)
    assert not terms.windows_within_passage
    record = _passage(text)
    context = passage_context(record, plan, weights, D, terms)
    windows = ["".join(context.statements[i : i + 2]) for i in range(max(1, len(context.statements) - 1))]
    whole = _coverage(plan, context.answer_text, context.echo_text, context, D)[0]
    best = max(_coverage(plan, w, "", context, D)[0] for w in windows)
    expected = whole if len(context.statements) <= 2 and not context.echoes else best
    assert dict(FEATURES)["coverage"](record, plan, context, D) == (1 - D.window_weight) * whole + D.window_weight * expected


_PIECES = ["网贷", "逾期", "上门", "催收", "九千", "平台", "不会", "本文介绍", "。", "？", "；", "\n", "吗", "呢", "么",
           "嗎", "“", "”", "「", "」", "『", "』", "会", "怎么办"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=30),
       st.sampled_from(["网贷逾期会上门吗", "网贷逾期怎么办", "上门催收 九千", "平台会不会上门催收"]))
def test_the_reranks_shortcuts_give_what_the_full_tests_give(pieces, query):
    """Two shortcuts of the hot path against the work they skip, on passages made of
    the query's words, question and quotation marks and sentence ends: a passage without
    an echo mark is split into sentences without testing each, and the best window does
    not look for a concept the passage's statements lack."""
    import re

    from zhsearch.searching import features
    from zhsearch.searching.features import QueryTerms, _best_window, _coverage, _split_echoes

    norm = "".join(pieces)
    plan = plan_query(query)
    # words of parts, so that a window may hold a share of one
    plan = dataclasses.replace(plan, parts={**plan.parts, "上门催收": ("上门", "催收"), "网贷逾期": ("网贷", "逾期")})
    weights = {**_weights(plan), "上门催收": 1.0, "网贷逾期": 0.5}
    shortcut = _split_echoes(norm, plan, D)
    marks = features._ECHO_MARKS
    features._ECHO_MARKS = re.compile("")  # every passage goes through the per-sentence tests
    try:
        assert _split_echoes(norm, plan, D) == shortcut
    finally:
        features._ECHO_MARKS = marks
    terms = QueryTerms(plan, weights, D)
    context = passage_context(_passage(norm), plan, weights, D, terms)
    found: list[float] = []
    _coverage(plan, context.answer_text, context.echo_text, context, D, found)
    statements = context.statements
    windows = ["".join(statements[i : i + 2]) for i in range(max(1, len(statements) - 1))]
    assert _best_window(plan, windows, context, D, found) == _best_window(plan, windows, context, D)
