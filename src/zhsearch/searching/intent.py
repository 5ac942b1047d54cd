"""What kind of answer a question asks for, and the words such answers use.

The question words that the query builder drops (怎么办, 多久, 是否合法 …) still
say something: *how to* questions are answered by advice (应对, 建议, 报警,
投诉), *how long* questions by durations (时间, 超过, 个月), yes/no questions
by a verdict (不会, 一般, 通常, 可能).  A passage that holds such cue words, and
the question's content, is more likely the answer than one that only repeats
the content.  This is the answer-type idea of classic question answering,
kept as a small table a person can read and change; it is about the shape of
Chinese questions, not about any corpus.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from zhsearch.text.normalize import HAN_CHAR, is_question_line


@dataclass(frozen=True)
class Intent:
    name: str
    asked_by: re.Pattern
    cues: tuple[str, ...]
    # How such an answer opens, ``(passage text, question) -> bool``: a yes/no
    # answer with its verdict (可以。 / 不是，…), a definition with what it
    # defines; see :func:`opens_as_answer`.
    opens: Callable[[str, str], bool] | None = None


# A verdict that is a verb answers a question asking with that verb (会…吗 → 不会。,
# 可以…吗 → 可以。): Chinese answers yes or no by repeating the question's verb.
# A verdict of another verb (可以。 for 会…吗) answers some other question.  是/对/
# 没问题/当然 answer any yes/no question.
_VERDICT_VERBS = (("可以", "能"), ("会",), ("有",), ("需要", "要", "必", "用"))
# An A-not-A question (会不会, 是不是, 有没有, 可不可以, 需不需要): the whole form
# only asks (the query planner masks it), and asks by that verb alone: 有没有可以
# 讨论…的资源 is answered 有。, not 可以。  (A letter class, not the Han range:
# the same matches in a question, at a twentieth of the compile time.)
A_NOT_A = re.compile(r"([^\W\d_])[不没]\1((?<=可不可)以|(?<=需不需)要)?")


def asked_verb(match: re.Match) -> str:
    """The verb of an A-not-A form: 会 of 会不会, 可以 of 可不可以."""
    return match.group(1) + (match.group(2) or "")


def _verdict_agrees(verdict: str, question: str) -> bool:
    if m := A_NOT_A.search(question):
        question = asked_verb(m)
    for verbs in _VERDICT_VERBS:
        if any(v in verdict for v in verbs):
            return any(v in question for v in verbs)
    return True


# A verdict opening an answer: the word, then a mark (可以。 不是， 没问题。).
_VERDICT = re.compile(
    r"(?:是的|不是|是|对|不对|可以|不可以|能|不能|会|不会|有|没有|需要|不需要|不必|没问题|当然|行|不行|没错)"
    r"[。，！；,!;]"
)




@functools.lru_cache(maxsize=256)  # asked once a candidate: the question is the same for all of them
def asks_yes_no(question: str) -> bool:
    """The question asks yes or no (吗, 是否, 会不会 …), whatever else it asks
    (是否可以…，应该怎么做 asks both; :func:`detect_intents` keeps the how-to).

    >>> asks_yes_no("需不需要重启系统"), asks_yes_no("升级会丢数据吗。"), asks_yes_no("怎样升级系统？")
    (True, True, False)
    """
    question = question.strip()
    return bool(_YES_NO.search(question))


# A question asks with one of these, or ends in a question mark: 怎样升级系统 is
# a question, 原地 升级 系统 a query of keywords.
_QUESTION_WORDS = re.compile(r"怎么|怎样|如何|什么|为什么|为何|哪|多少|多久|谁|咋|啥|吗|呢")


@functools.lru_cache(maxsize=256)
def is_question(text: str) -> bool:
    """``text`` asks something (a question word, or ？ at its end), not a list of keywords."""
    return is_question_line(text) or bool(_QUESTION_WORDS.search(text))


# 当然， opens a verdict, and as often a sentence that answers nothing (当然，如果…).
_NOT_ONLY_A_VERDICT = ("当然",)


def opens_with_plain_verdict(text: str) -> bool:
    """The passage opens with a yes/no verdict that is nothing else (not 当然，)."""
    return opens_with_verdict(text) and not text.startswith(_NOT_ONLY_A_VERDICT)


def opens_with_verdict(text: str, question: str = "") -> bool:
    """A yes/no answer states its verdict first (``可以。您可以…``, ``不是，…``);
    given the ``question``, a verdict that is a verb must be the question's
    (:func:`_verdict_agrees`).

    >>> opens_with_verdict("可以。只有一个常见的坑。", "会有升级吗")
    False
    """
    m = _VERDICT.match(text)
    return bool(m) and (not question or _verdict_agrees(m.group(0)[:-1], question))


# 什么是 X / X 是什么(意思) / X 指什么: the subject X a definition question asks about.
_DEFINED = re.compile(r"^什么是(?P<a>.+?)[?？。]?$|^(?P<b>.+?)(?:是什么|指什么)(?:意思)?[呢]?[?？。]?$")
_OPEN_QUOTES = " \t“\"「『《"


@functools.lru_cache(maxsize=256)  # asked once a candidate: the question is the same for all of them
def defined_subject(question: str) -> str:
    """The subject a definition question asks about ('' when it asks none).

    >>> defined_subject("什么是虚拟软件包?")
    '虚拟软件包'
    """
    m = _DEFINED.match(question.strip())
    return (m.group("a") or m.group("b") or "").strip(_OPEN_QUOTES + "”\"」』》") if m else ""


def opens_as_definition(text: str, question: str, least: int = 2) -> bool:
    """The passage opens with the subject a definition question asks about, or
    its head (the subject's end, ``least`` characters or more: 软件包 for
    Debian 软件包) followed by its predicate: a definition names what it
    defines first (``X 是…``, ``X 指…``, ``X（…）是``, ``X：…``); a passage
    that only mentions X, or opens with a longer noun (``X 管理系统…``), does not.

    >>> opens_as_definition("虚拟软件包是一个通用的名称。", "什么是虚拟软件包?")
    True
    """
    subject = defined_subject(question)
    start = text.lstrip(_OPEN_QUOTES)
    for k in range(least, len(subject) + 1):
        if subject[-k:] == start[:k] and not _inside_word(subject, len(subject) - k):
            after = start[k:].lstrip()
            # X then a punctuation mark, a Latin word or the predicate; X 管理系统 is another noun
            if not HAN_CHAR.match(after) or after.startswith(_DEFINES):
                return True
    return False


# What follows the subject of a definition: the copula.
_DEFINES = ("是", "指", "即", "就是", "为")


def _inside_word(text: str, at: int) -> bool:
    """``at`` cuts a Latin word or number of ``text`` (conf|file)."""
    return 0 < at < len(text) and (text[at - 1] + text[at]).isascii() and (text[at - 1] + text[at]).isalnum()


# What asks yes or no: a final 吗/么, 吗 before any mark (升级会丢数据吗。, …吗？为什么？),
# 是否 能否 可否 有无, any A-not-A form (会不会, 需不需要, 对不对), 可以…吗.
_YES_NO = re.compile(
    r"(?:吗|(?<![什怎这那多])么)[?？]?$|吗(?=\W)|是否|能否|可否|有无|可以.*吗|" + A_NOT_A.pattern
)

INTENTS: tuple[Intent, ...] = (
    Intent(
        "how-to",
        re.compile(r"怎么办|怎么做|怎么处理|如何(应对|处理|解决|办)|咋办|该怎么|怎样(应对|处理)|应对"),
        ("应对", "建议", "措施", "办法", "方法", "应该", "应当", "寻求", "及时", "务必", "策略", "帮助"),
    ),
    Intent(
        "how-long",
        re.compile(r"多久|多长时间|几天|几个月|多少天|什么时候|何时"),
        ("时间", "超过", "天", "周", "个月", "年", "小时", "工作日", "期限", "长期", "较长", "过长"),
    ),
    Intent(
        "condition",
        re.compile(r"什么情况|哪些情况|何种情况|什么条件|哪些因素|情况下"),
        ("当", "如果", "若", "情况下", "条件", "因素", "只有", "超过", "较大", "较长", "一旦", "时"),
    ),
    Intent(
        "legality",
        re.compile(r"合法|违法|犯法|非法|侵权|法律"),
        ("法律", "法规", "规定", "不得", "禁止", "违法", "非法", "侵犯", "构成", "权益"),
    ),
    Intent(
        "reason",
        re.compile(r"为什么|为何|原因|什么原因"),
        ("因为", "由于", "原因", "起因", "在于", "导致", "所以"),
    ),
    Intent(
        "definition",
        re.compile(r"是什么|什么是|目的|含义|意思|指什么"),
        ("是指", "指的是", "目的", "主要", "在于", "即", "就是"),
        opens=opens_as_definition,
    ),
    Intent(
        "yes-no",
        _YES_NO,
        ("不会", "并不", "一般", "通常", "可能", "大多数", "往往", "不一定", "会", "可以", "不能"),
        opens=opens_with_verdict,
    ),
)


def with_cues(intents: tuple[Intent, ...], extra: dict[str, tuple[str, ...]]) -> tuple[Intent, ...]:
    """The intents with a lexicon's own cue words added (``cues.txt``: the
    vocabulary of answers in its domain, e.g. 报警 投诉 律师 for advice on debt
    collection).  Domain words live there, not in this table."""
    if not extra:
        return intents
    return tuple(replace(i, cues=i.cues + tuple(c for c in extra.get(i.name, ()) if c not in i.cues)) for i in intents)


def detect_intents(query: str) -> tuple[Intent, ...]:
    """Intents a normalised question asks for (several may apply).

    >>> [i.name for i in detect_intents("逾期多久会上门")]
    ['how-long']
    """
    found = tuple(intent for intent in INTENTS if intent.asked_by.search(query.strip()))
    # A yes/no marker on a question that already asks for something specific
    # adds nothing: 逾期多久会上门吗 wants a duration.
    if len(found) > 1:
        found = tuple(i for i in found if i.name != "yes-no")
    return found


def uses_cues(text: str, intents: tuple[Intent, ...]) -> bool:
    """``text`` uses a word of the vocabulary of an answer asked for: a section
    headed 应对策略 or 逾期时间较长 is where that kind of answer lives."""
    return any(cue in text for intent in intents for cue in intent.cues)


def opens_as_answer(text: str, intents: tuple[Intent, ...], question: str | None = None) -> bool:
    """The passage opens the way an answer to the question does (each intent
    says how: :attr:`Intent.opens`); the passages that only discuss the topic
    do not.

    >>> opens_as_answer("不会。平台一般只打电话。", detect_intents("网贷逾期会上门吗"))
    True
    >>> opens_as_answer("可以。只有一个常见的坑。", detect_intents("会有升级吗"), "会有升级吗")
    False
    """
    start = text.lstrip()
    return any(intent.opens is not None and intent.opens(start, question or "") for intent in intents)
