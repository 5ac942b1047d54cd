"""A small, forgiving query syntax on top of plain questions.

A query is read token by token (tokens are separated by spaces):

* ``"上门取证"`` ``「…」`` ``“…”`` — the passage must hold this exact run;
* ``-催收`` ``-"暴力催收"`` — passages holding it are left out;
* ``上门 OR 催收`` ``上门|催收`` — the passage must hold one of them;
* ``file:004*`` ``file:法规/`` — only files whose path (relative to the corpus)
  matches the glob, or starts with the prefix; several are alternatives;
  ``-file:`` leaves files out.

Everything else is ranked exactly as a plain question is.  Nothing here ever
fails: a quote that does not close, or that is glued to the words around it
(``那“sid”呢``, a quotation in a question), one quoted Latin word
(``"$PATH" 变量``: a name, read as the word), a lone ``-`` or ``OR``, ``file:``
with nothing after it, Whoosh's own syntax (``title:x``, ``a AND``,
``[a TO b]``): each is read as the text it is.  A query without operators is
read as itself, character for character, so it ranks as it always did.

>>> q = parse_query('九千 "会上门" -催收 file:004*')
>>> q.ranked, q.phrases, q.excluded, q.files
('九千 "会上门"', ('会上门',), ('催收',), ('004*',))
>>> parse_query("那“sid”呢？").operators
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhsearch.searching.query import MAX_QUERY_CHARS

# Opening quote → closing quote.
QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "＂": "＂"}
OR_SIGNS = ("|", "｜")
FILE_PREFIX = "file:"

# A word character that is not ``_``: a letter, a digit or a Han character.
_WORD = re.compile(r"[^\W_]")
# An excluded bare word: letters, digits and Han, with inner ``-`` ``.`` ``_``
# (``-foo-data``); ``-lfoo”错误？`` in a pasted question is no exclusion.
_EXCLUDED_WORD = re.compile(r"[^\W_](?:[\w.\-]*[^\W_])?")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
# One Latin word or number, quoted: Chinese text quotes names, commands and
# variables so ("$PATH" 变量, "apt"); it is read as the word, as Elasticsearch
# reads a one-term phrase as the term.  (A Latin word is matched whole anyway.)
_LATIN_TOKEN = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class ParsedQuery:
    """How a query was read: what is ranked, and what restricts the passages."""

    text: str  # the query as given
    ranked: str  # what is ranked as a plain question (``text`` itself when there are no operators)
    phrases: tuple[str, ...] = ()  # runs a passage must hold, as typed
    any_of: tuple[tuple[str, ...], ...] = ()  # groups: a passage must hold one run of each
    excluded: tuple[str, ...] = ()  # runs that leave a passage out
    files: tuple[str, ...] = ()  # file patterns; a passage's file must match one
    excluded_files: tuple[str, ...] = ()  # file patterns that leave a passage out
    loose: str = ""  # the ranked words outside phrases and OR groups


    @property
    def operators(self) -> bool:
        """Whether anything beyond a plain question was asked for."""
        return bool(self.phrases or self.any_of or self.excluded or self.files or self.excluded_files)

    @property
    def required(self) -> tuple[tuple[str, ...], ...]:
        """Every condition a passage must meet: a phrase is a group of one."""
        return tuple((p,) for p in self.phrases) + self.any_of

    def to_dict(self) -> dict:
        return {
            "ranked": self.ranked,
            "phrases": list(self.phrases),
            "any_of": [list(group) for group in self.any_of],
            "excluded": list(self.excluded),
            "files": list(self.files),
            "excluded_files": list(self.excluded_files),
        }

    def describe(self) -> list[str]:
        """One line per part of the reading, for ``--explain``."""
        lines = [f"ranked    {self.ranked or '(nothing: passages in document order)'}"]
        lines += [f"phrase    “{p}”" for p in self.phrases]
        lines += [f"any of    {' | '.join(group)}" for group in self.any_of]
        lines += [f"excluded  {word}" for word in self.excluded]
        lines += [f"file      {pattern}" for pattern in self.files]
        lines += [f"not file  {pattern}" for pattern in self.excluded_files]
        return lines


@dataclass(frozen=True)
class _Item:
    kind: str  # text, phrase, exclude, file, not_file, or, group
    value: str | tuple[str, ...]
    raw: str  # as typed: what a text or phrase contributes to the ranked text

    @property
    def operand(self) -> bool:
        return self.kind in ("phrase", "group") or (self.kind == "text" and bool(self.value))


def parse_query(text: str) -> ParsedQuery:
    """Read ``text`` into ranked text plus restrictions; never raises.

    Like :func:`~zhsearch.searching.query.plan_query`, only the first ``MAX_QUERY_CHARS``
    characters are read (and so the work per query stays bounded).
    """
    text = text[:MAX_QUERY_CHARS]
    items = _resolve_or(_scan(text))
    ranked, loose, phrases, any_of, excluded, files, excluded_files = [], [], [], [], [], [], []
    for item in items:
        if item.kind == "text":
            ranked.append(item.raw)
            loose.append(item.raw)
        elif item.kind == "phrase":
            ranked.append(item.raw)
            phrases.append(item.value)
        elif item.kind == "group":
            ranked.append(item.raw)
            any_of.append(item.value)
        elif item.kind == "exclude":
            excluded.append(item.value)
        elif item.kind == "file":
            files.append(item.value)
        elif item.kind == "not_file":
            excluded_files.append(item.value)
    reading = ParsedQuery(
        text, " ".join(ranked), _unique(phrases), _unique(any_of), _unique(excluded), _unique(files),
        _unique(excluded_files), " ".join(loose),
    )
    if not reading.operators:  # a plain question is ranked exactly as typed
        return ParsedQuery(text, text, loose=text)
    return reading


def _unique(values: list) -> tuple:
    return tuple(dict.fromkeys(values))


def _quoted(text: str, start: int) -> tuple[str, int] | None:
    """The phrase opened at ``start`` and the index after it, when it is one:
    it closes, holds a word, and its closing quote ends the token."""
    closer = QUOTES.get(text[start]) if start < len(text) else None
    if closer is None:
        return None
    close = text.find(closer, start + 1)
    if close == -1:
        return None
    inner = text[start + 1 : close].strip()
    after = close + 1
    if not _WORD.search(inner) or (after < len(text) and not text[after].isspace() and text[after] not in OR_SIGNS):
        return None
    return inner, after


def _token_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return end


def _file_pattern(text: str, start: int) -> tuple[str, int] | None:
    """``file:PATTERN`` (or ``file:"a pattern"``) at ``start``."""
    if text[start : start + len(FILE_PREFIX)].lower() != FILE_PREFIX:
        return None
    at = start + len(FILE_PREFIX)
    quoted = _quoted(text, at)
    if quoted:
        return quoted
    end = _token_end(text, at)
    pattern = text[at:end]
    return (pattern, end) if pattern else None


def _scan(text: str) -> list[_Item]:
    items: list[_Item] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in OR_SIGNS:
            items.append(_Item("or", "", ch))
            i += 1
            continue
        if (phrase := _quoted(text, i)) is not None:
            raw = text[i : phrase[1]]
            if _LATIN_TOKEN.fullmatch(phrase[0]):  # "$PATH" 变量: a quoted name, read as the word
                items.append(_Item("text", _EDGE_PUNCTUATION.sub("", phrase[0]), raw))
            else:
                items.append(_Item("phrase", phrase[0], raw))
            i = phrase[1]
            continue
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            if (phrase := _quoted(text, i + 1)) is not None:
                items.append(_Item("exclude", phrase[0], text[i : phrase[1]]))
                i = phrase[1]
                continue
            if (pattern := _file_pattern(text, i + 1)) is not None:
                items.append(_Item("not_file", pattern[0], text[i : pattern[1]]))
                i = pattern[1]
                continue
            end = _token_end(text, i + 1)
            if _EXCLUDED_WORD.fullmatch(text[i + 1 : end]):
                items.append(_Item("exclude", text[i + 1 : end], text[i:end]))
                i = end
                continue
        if (pattern := _file_pattern(text, i)) is not None:
            items.append(_Item("file", pattern[0], text[i : pattern[1]]))
            i = pattern[1]
            continue
        end = _token_end(text, i)
        token = text[i:end]
        if token == "OR":
            items.append(_Item("or", "", token))
        else:
            # A bare token may hold OR signs: 上门|催收
            for k, part in enumerate(re.split(r"([|｜])", token)):
                if k % 2:
                    items.append(_Item("or", "", part))
                elif part:
                    items.append(_Item("text", _EDGE_PUNCTUATION.sub("", part), part))
        i = end
    return items


def _resolve_or(items: list[_Item]) -> list[_Item]:
    """Join ``A OR B OR C`` into one group; an OR without an operand on each side is text."""
    out: list[_Item] = []
    k = 0
    while k < len(items):
        item = items[k]
        if item.kind == "or":
            nxt = items[k + 1] if k + 1 < len(items) else None
            if out and out[-1].operand and nxt is not None and nxt.operand and nxt.kind != "group":
                left = out.pop()
                values = left.value if left.kind == "group" else (left.value,)
                out.append(_Item("group", values + (nxt.value,), f"{left.raw} {nxt.raw}"))
                k += 2
                continue
            out.append(_Item("text", "", item.raw))
            k += 1
            continue
        out.append(item)
        k += 1
    return out
