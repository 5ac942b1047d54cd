from dataclasses import replace

import pytest

from zhsearch.searching.intent import (defined_subject, detect_intents, opens_as_answer, opens_as_definition,
                                      uses_cues, with_cues)
from conftest import LEXICON
from zhsearch.text.lexicon import load_lexicon


def test_legality_answer_uses_the_legal_vocabulary():
    intents = detect_intents("催收人员上门是否合法")
    assert [i.name for i in intents] == ["legality"]
    cited = "依照我国《民法典》相关规定，任何单位和个人不得非法进入他人住宅。"
    assert uses_cues(cited, intents)
    # 方法 / 办法 are not legal vocabulary
    assert not uses_cues("这种方法和办法都很常见。", intents)


def test_domain_cues_come_from_the_lexicon_not_the_engine():
    intents = detect_intents("催收时暴力威胁怎么办")
    assert [i.name for i in intents] == ["how-to"]
    # 有权 / 依法 / 维权 are this domain's advice words: the shipped corpus's cues.txt
    assert not uses_cues("借款人有权依法维权。", intents)
    lexicon = load_lexicon(LEXICON)
    assert uses_cues("借款人有权依法维权。", with_cues(intents, lexicon.cues))
    assert with_cues(intents, {}) == intents
    assert load_lexicon(LEXICON).fingerprint != replace(lexicon, cues={}).fingerprint


@pytest.mark.parametrize(
    "text, question, expected",
    [
        ("可以。您可以从镜像下载安装程序。", "我可以直接从网站安装吗", True),
        ("不是，即使系统正在运行也能升级。", "必须进入单用户模式才能升级吗", True),
        ("  没问题。分发不需要许可。", "我可以售卖光盘吗", True),
        # a passage that discusses the topic, or only starts with the word (可以说…)
        ("您可以从镜像下载安装程序。", "我可以直接从网站安装吗", False),
        ("可以说这是最常见的方式。", "我可以直接从网站安装吗", False),
        ("", "我可以直接从网站安装吗", False),
        # only a yes/no question is answered with a verdict
        ("可以。您可以从镜像下载安装程序。", "如何从网站安装", False),
    ],
)
def test_a_yes_no_answer_opens_with_its_verdict(text, question, expected):
    assert opens_as_answer(text, detect_intents(question)) is expected
    assert opens_as_answer(text, detect_intents(question), question) is expected


@pytest.mark.parametrize(
    "text, question, expected",
    [
        ("不会。平台一般只打电话。", "网贷逾期会上门吗", True),
        ("能。您可以从镜像下载安装程序。", "我可以直接从网站安装吗", True),  # 能 and 可以 ask alike
        ("没有。只有一个版本。", "还有其他版本吗", True),
        ("不必。直接升级即可。", "需要重启吗", True),
        ("不是，即使系统正在运行也能升级。", "必须进入单用户模式才能升级吗", True),  # 是 answers any
        # a verdict of another verb answers another question
        ("可以。只有一个常见的坑。", "稳定版中会有软件包的升级吗", False),
        ("不会。平台一般只打电话。", "我可以直接从网站安装吗", False),
        # an A-not-A question asks by that verb alone
        ("有。用户可以订阅邮件列表。", "有没有可以讨论的在线资源", True),
        ("可以。用户可以订阅邮件列表。", "有没有可以讨论的在线资源", False),
        ("不会。平台一般只打电话。", "网贷逾期会不会上门", True),
        ("不需要。直接升级即可。", "要不要重启", True),
    ],
)
def test_a_verdict_repeats_the_questions_verb(text, question, expected):
    assert opens_as_answer(text, detect_intents(question), question) is expected


@pytest.mark.parametrize(
    "question, yes_no",
    [("网贷逾期会上门吗", True), ("网贷逾期会不会上门", True), ("这样做可以么", True),
     ("逾期后需要注意什么", False), ("网贷逾期该准备什么？", False), ("逾期了怎么", False)],
)
def test_what_and_how_are_not_yes_no_questions(question, yes_no):
    assert ("yes-no" in [i.name for i in detect_intents(question)]) is yes_no


@pytest.mark.parametrize(
    "question, subject",
    [("什么是虚拟软件包?", "虚拟软件包"), ("“预依赖”是什么意思?", "预依赖"), ("上门取证指什么", "上门取证"),
     ("上门取证的目的是什么", "上门取证的目的"), ("如何安装源码包?", "")],
)
def test_the_subject_a_definition_question_asks_about(question, subject):
    assert defined_subject(question) == subject


@pytest.mark.parametrize(
    "text, question, expected",
    [
        ("虚拟软件包是一个通用的名称。", "什么是虚拟软件包?", True),
        ("软件包是一组文件的归档。", "什么是 debian 软件包?", True),  # the subject's head
        ("软件包通常包括一组命令。", "什么是 debian 软件包?", False),  # no copula: not read as a definition
        ("“预依赖（pre-depend）”是一种特殊的依赖。", "“预依赖”是什么意思?", True),
        ("conffile 是一个配置文件。", "什么是 debian conffile?", True),
        ("file 是一个文件。", "什么是 debian conffile?", False),  # not a Latin word cut in two
        ("debian 软件包管理系统有一系列依赖关系。", "什么是 debian 软件包?", False),  # a longer noun, not X
        ("安装虚拟软件包时请注意依赖。", "什么是虚拟软件包?", False),  # mentions it, does not define it
        ("虚拟软件包是一个通用的名称。", "如何安装虚拟软件包?", False),  # not a definition question
    ],
)
def test_a_definition_opens_with_what_it_defines(text, question, expected):
    assert opens_as_definition(text, question) is expected


@pytest.mark.parametrize("question, form, verb", [
    ("网贷逾期会不会上门", "会不会", "会"),
    ("有没有可以讨论的资源", "有没有", "有"),
    ("可不可以分期还款", "可不可以", "可以"),
    ("需不需要请律师", "需不需要", "需要"),
    ("是不是合法的", "是不是", "是"),
])
def test_an_a_not_a_form_is_read_once_for_its_span_and_its_verb(question, form, verb):
    """One pattern: the query planner masks the form, the verdict test asks by its verb."""
    from zhsearch.searching.intent import A_NOT_A, asked_verb
    from zhsearch.searching.query import plan_query

    m = A_NOT_A.search(question)
    assert (m.group(), asked_verb(m)) == (form, verb)
    assert not any(form in w or w in form for w in plan_query(question).words)  # the form only asks
