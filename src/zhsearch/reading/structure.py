"""Page structure from evidence: which lines of a text are headings.

A line is a heading only when something says so, never for being short:

* a Markdown heading (``## 安装``; the HTML reader writes ``h1``–``h6`` so);
* a numbered outline at any depth: ``第 7 章``, ``第三节``, ``章 2.``, ``一、``,
  ``（一）``, ``1.``, ``8.3.``, ``12.6.2.1.``, ``(1)``;
* a short line standing alone between blank lines, when the document has
  others like it (:func:`lone_headings`): one such line is the title, or a
  stray line; dialogue (``“你真的要走吗？”``) and chat lines (``12:03 李四``)
  are never headings.

A question at the head of a block of text is text: the block's first line is
a heading only when numbered or marked up.

A dotted number that interrupts the outline — not following the section
before it, when a later one does (``3.0 (quilt)`` in a table between 2.5.8 and
2.5.9, ``4.4 BSD``, ``172.16.x.x``) — is body.

Inside a block of consecutive lines only the first line may be a heading
(or a Markdown or multi-level outline heading): a short line in a run of body
lines (``dpkg --list``, ``要知道所有软件包的状态，请执行``) is body.  A line
with no Han character, or ending in a formula or command
(``输入公式：=SUM(A1:A9)``), is never a heading unless numbered or marked up
(in plain text a single ``#`` is no mark-up: ``# chvt 3`` is a root prompt).
An admonition label alone on its line (``注意``, ``提示``, ``警告``) is not the
heading of what follows: it belongs to the next paragraph.

>>> heading_level("8.3. 怎么知道安装了哪些软件包？", alone=False)
4
>>> heading_level("要知道所有软件包的状态，请执行", alone=False) is None
True
"""

from __future__ import annotations

import re

from zhsearch.text.normalize import HAN_CHAR, is_question_line, to_simplified

HEADING_MAX_CHARS = 40

MD_HEADING = re.compile(r"^(#{1,6})\s+")
_CLAUSE_END = "。，,；;、…"
_NUMERAL = "一二三四五六七八九十百零〇两"

# (pattern, level or None for "by the depth of a dotted number")
_OUTLINES: tuple[tuple[re.Pattern, int], ...] = (
    (re.compile(rf"^第\s*[{_NUMERAL}\d]+\s*[章篇部卷编]"), 1),
    (re.compile(rf"^第\s*[{_NUMERAL}\d]+\s*节"), 2),
    (re.compile(r"^(?:章|附录|附錄)\s*[\dA-Z]+\.?(?:\s|$)"), 1),  # DocBook's zh-TW "章 2."
    (re.compile(rf"^[{_NUMERAL}]+\s*[、.．]"), 2),
    (re.compile(rf"^[（(][{_NUMERAL}]+[)）]"), 3),
    (re.compile(r"^\d{1,3}\s*[、.．)）](?![\d.])"), 4),
    (re.compile(r"^[（(]\d{1,2}[)）]"), 5),
)
# 1.2 / 8.3. / 12.6.2.1. — a dotted outline number; its depth is its level below the chapter.
# Its parts have one or two digits: an address (192.168.1.30) is no section.
# A number followed by a comma is a cross-reference (节 1.2, “类 Unix 文件系统”), not a heading.
_DOTTED = re.compile(r"^(?:[章节節]\s*)?(\d{1,2}(?:\.\d{1,2})+)\.?(?=\s|[^\d.%,，;；])")
_SECTION_NUMBER = re.compile(rf"{_DOTTED.pattern}|^第\s*[{_NUMERAL}\d]+\s*[章篇部卷编节]|^(?:章|附录|附錄)\s*[\dA-Z]+\.?(?:\s|$)")
_CAPTION = re.compile(r"^(?:表格|表|图|圖|例|插图|清单|清單|figure|fig\.|table|example|listing)\s*[\dA-Z]+(?:[.\-]\d+)*", re.IGNORECASE)
UNNUMBERED_LEVEL = 9
LIST_LEVEL = 4

# What follows the last Han character of a command or formula line.
_CODE_TAIL = re.compile(r"[=<>{}\[\]$|\\/@`]|--|\w\(|\S:\S")

# Admonition labels of technical writing (DocBook, Sphinx, Word templates).
ADMONITION_LABELS = frozenset(
    "注意 提示 警告 重要 小心 注 说明 备注 技巧 提醒 注释 附注 警示 危险 "
    "note tip warning caution important hint danger notice".split()
)


def outline_level(line: str) -> int | None:
    """Level of a numbered outline line (1 = chapter), or None.

    >>> outline_level("12.6.2.1. 编译并安装程序"), outline_level("第 7 章 概述"), outline_level("网贷")
    (6, 1, None)
    """
    m = _DOTTED.match(line)
    if m:
        return 3 + m.group(1).count(".")
    for pattern, level in _OUTLINES:
        if pattern.match(line):
            return level
    return None


def section_number(line: str) -> tuple[int, ...] | None:
    """The dotted outline number a line opens with (``2.5.9.`` → (2, 5, 9)), or None."""
    m = _DOTTED.match(line)
    return tuple(int(n) for n in m.group(1).split(".")) if m else None


OUTLINE_GAP = 3  # sections a dump may have lost between two numbered headings
OUTLINE_LOOKAHEAD = 50  # numbered lines a table of versions or addresses may run to


def continues_outline(last: tuple[int, ...], number: tuple[int, ...]) -> bool:
    """``number`` can follow ``last`` in an outline: a subsection (2.5.8 →
    2.5.8.1), a next section at some level (2.5.9, 2.6, 3.1), a few of them
    possibly missing from the text, or the outline starting again (1.1, after
    a table of contents).  A version in a table (``3.0 (quilt)`` after 2.5.8,
    ``4.4 BSD``) or an address (``172.16``) cannot.

    >>> [continues_outline((2, 5, 8), n) for n in ((2, 5, 9), (2, 6), (3, 1), (2, 5, 8, 2), (3, 0), (1, 0), (2, 4))]
    [True, True, True, True, False, False, False]
    """
    if number[0] == 1 and all(n == 1 for n in number[1:]):
        return True
    for depth in range(min(len(last), len(number))):  # a step forward at this level, first parts below it
        if (number[:depth] == last[:depth] and last[depth] < number[depth] <= last[depth] + OUTLINE_GAP
                and all(n == 1 for n in number[depth + 1 :])):
            return True
    # a subsection (its first few may be missing)
    depth = len(last)
    return (len(number) > depth and number[:depth] == last and 1 <= number[depth] <= OUTLINE_GAP
            and all(n == 1 for n in number[depth + 1 :]))


def stray_numbers(lines: list[str]) -> set[int]:
    """Line numbers of the dotted numbers that interrupt the outline: a number
    that does not follow the last kept one when a later number does (within
    OUTLINE_LOOKAHEAD numbered lines), and is not followed by the next one
    itself — a version in a table (``1.0``, ``3.0 (quilt)`` between 2.5.8 and
    2.5.9), ``4.4 BSD``, an address.  A number the outline never comes back
    from, or that the next one follows, starts a run of its own (a changelog
    counting down, 3.2 3.1 3.0; a sparse outline, 1.2 2.3 3.4; the sections
    after one wrongly kept): one number out of place never takes the sections
    after it along."""
    numbered = [(n, number) for n, line in enumerate(lines, start=1)
                if line and (number := section_number(line)) and is_section_number(line)]
    stray, last = set(), None
    for i, (n, number) in enumerate(numbered):
        following = [later for _, later in numbered[i + 1 : i + 1 + OUTLINE_LOOKAHEAD]]
        if (last is not None and not continues_outline(last, number)
                and any(continues_outline(last, later) for later in following)
                and not (following and continues_outline(number, following[0]))):
            stray.add(n)
        else:
            last = number
    return stray


def is_section_number(line: str) -> bool:
    """A multi-level section number (8.3., 12.6.2.1.) or a chapter/section marker (第 7 章)."""
    return bool(_SECTION_NUMBER.match(line)) and _heading_shaped(line)


def is_caption(line: str) -> bool:
    """``表格 1.10. 特別設備文件列表``, ``图 3``, ``Table 2``: a caption, part of the body."""
    return bool(_CAPTION.match(line))


def is_admonition_label(line: str) -> bool:
    """``注意``, ``提示：``, ``Warning`` alone on a line: a label of the next paragraph."""
    return to_simplified(line.strip().rstrip(":：").strip()).lower() in ADMONITION_LABELS


def _heading_shaped(line: str) -> bool:
    """Short, and not a sentence; a numbered or asked heading may run longer."""
    if line[-1] in _CLAUSE_END or "。" in line:
        return False
    if len(line) <= HEADING_MAX_CHARS:
        return True
    return len(line) <= 2 * HEADING_MAX_CHARS and (is_question_line(line) or outline_level(line) is not None)


def _looks_like_body(line: str) -> bool:
    """No Han character, or a Han lead-in to a command or formula."""
    han = list(HAN_CHAR.finditer(line))
    if not han:
        return True
    return bool(_CODE_TAIL.search(line[han[-1].end():]))


def _marked_level(rest: str, marks: int, first: bool) -> int | None:
    """A ``#`` line of a plain-text file.  ``## 安装`` is Markdown's heading;
    a single ``#`` is also a root prompt or a shell comment (``# chvt 3``,
    ``# 更新软件包列表`` inside a block of commands): it heads a section only
    when it opens a block and reads as a heading (Han words, no command)."""
    if not rest or not _heading_shaped(rest) or is_admonition_label(rest):
        return None
    if marks == 1 and (not first or _looks_like_body(rest)):
        return None
    return marks


def heading_level(line: str, alone: bool = True, first: bool = True) -> int | None:
    """Level of a heading line (1 = top), or None when the line is body text.

    ``first``: the line opens a block (a blank line, or the start, before it);
    ``alone``: the block is this one line.
    """
    m = MD_HEADING.match(line)
    if m:
        return _marked_level(line[m.end():], len(m.group(1)), first)
    if not line or not _heading_shaped(line) or is_admonition_label(line) or is_caption(line):
        return None
    if not first:
        # Inside a run of body lines only a chapter, a section or a
        # multi-level number (8.3.) marks a heading: "1." or "一、" there
        # starts a list item.
        return outline_level(line) if _SECTION_NUMBER.match(line) else None
    level = outline_level(line)
    if level is not None:
        return level
    if _looks_like_body(line):
        return None
    if alone and not is_dialogue(line):
        return UNNUMBERED_LEVEL
    return None


# Dialogue and chat: a line that is one quotation (“你真的要走吗？”), or that
# opens with a time or a full date (12:03 李四, [2024-05-01 09:15] 张三：…).
# A heading may open with a quoted term (“双减”政策解读) or a month (2024年5月工作总结).
_DIALOGUE = re.compile(
    r"^[“「『\"'‘][^”」』\"'’]*[”」』\"'’][。！？!?…，,]*$"
    r"|^[\[(（]?(?:\d{1,2}:\d{2}|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
)


def is_dialogue(line: str) -> bool:
    """A line of dialogue or a chat line: passage text, never a heading.

    >>> is_dialogue("“你真的要走吗？”"), is_dialogue("12:03 张三"), is_dialogue("“双减”政策解读")
    (True, True, False)
    """
    return bool(_DIALOGUE.match(line))


LONE_HEADINGS_MIN = 2  # lone lines that make a pattern of headings in a document


def lone_headings(candidates: int) -> bool:
    """Lone short lines are the headings of a document that has at least
    LONE_HEADINGS_MIN of them: a pattern, not one stray line."""
    return candidates >= LONE_HEADINGS_MIN
