"""The lexicon: a jieba user dictionary and groups of related terms.

A lexicon belongs to a corpus, not to zhsearch: a folder ``.zhsearch/`` in the
corpus root may hold ``userdict.txt`` (words for jieba), ``synonyms.txt``
(groups of related terms) and ``cues.txt`` (answer words of the domain), any of
them missing.  ``ZHSEARCH_LEXICON`` names another such folder, or ``none``
for no lexicon; without either, a corpus has none and zhsearch uses only its
general resources (jieba's dictionary, OpenCC, question words).  The shipped
corpus carries its loan-domain lexicon so (``corpus/.zhsearch/``).  The index
records which lexicon built it, and an update after the lexicon changed builds
it again, so a query always meets the index on equal terms.

Each index keeps the part of its lexicon that queries use (related terms and
answer cues) in its own generation (``lexicon.json``): a search reads the
index's lexicon, not ``ZHSEARCH_LEXICON``, so one process can search indexes
built with different lexicons.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_FOLDER = ".zhsearch"  # a corpus's own lexicon: CORPUS/.zhsearch/{userdict,synonyms,cues}.txt
ENV = "ZHSEARCH_LEXICON"
_corpus_folder: Path | None = None  # the lexicon folder of the corpus being built (use_corpus_lexicon)


@dataclass(frozen=True)
class Lexicon:
    folder: Path | None
    user_words: tuple[tuple[str, int, str], ...] = ()  # (word, freq, tag)
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word → the rest of its groups
    cues: dict[str, tuple[str, ...]] = field(default_factory=dict)  # intent name → its domain's answer words

    @property
    def fingerprint(self) -> str:
        """Changes whenever the words, groups or cues change."""
        data = repr((self.user_words, sorted(self.related.items()), sorted(self.cues.items()))).encode("utf-8")
        return hashlib.blake2b(data, digest_size=8).hexdigest()


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8-sig").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def load_lexicon(folder: Path | None) -> Lexicon:
    """Read ``userdict.txt`` and ``synonyms.txt`` from ``folder`` (None: empty lexicon)."""
    if folder is None:
        return Lexicon(None)
    from zhsearch.text.normalize import normalize_text

    words = []
    for line in _lines(folder / "userdict.txt"):
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 5000
        words.append((normalize_text(parts[0]).text, freq, parts[2] if len(parts) > 2 else ""))
    related: dict[str, set[str]] = {}
    for line in _lines(folder / "synonyms.txt"):
        group = [normalize_text(w).text for w in line.replace(",", " ").split()]
        for word in group:
            related.setdefault(word, set()).update(w for w in group if w != word)
    cues: dict[str, list[str]] = {}
    for line in _lines(folder / "cues.txt"):
        name, _, words_of = line.partition(":")
        cues.setdefault(name.strip(), []).extend(normalize_text(w).text for w in words_of.split())
    return Lexicon(
        folder,
        tuple(words),
        {w: tuple(sorted(r)) for w, r in related.items()},
        {name: tuple(dict.fromkeys(ws)) for name, ws in cues.items()},
    )


def use_corpus_lexicon(corpus_dir: str | os.PathLike | None) -> None:
    """Make ``corpus_dir``'s own lexicon (``.zhsearch/`` in it) the active one,
    read afresh (its files may have changed): a build calls this before it
    reads the corpus."""
    global _corpus_folder
    _corpus_folder = Path(corpus_dir) / CORPUS_FOLDER if corpus_dir is not None else None
    active_lexicon.cache_clear()


@contextlib.contextmanager
def corpus_lexicon(corpus_dir: str | os.PathLike | None):
    """:func:`use_corpus_lexicon` for a block, the lexicon before it in force again after."""
    global _corpus_folder
    before = _corpus_folder
    use_corpus_lexicon(corpus_dir)
    try:
        yield
    finally:
        _corpus_folder = before
        active_lexicon.cache_clear()


@functools.lru_cache(maxsize=1)
def active_lexicon() -> Lexicon:
    """The lexicon in force: ``$ZHSEARCH_LEXICON``, else the corpus's own
    (:func:`use_corpus_lexicon`), else none."""
    setting = os.environ.get(ENV, "").strip()
    if setting.lower() == "none":
        return load_lexicon(None)
    if not setting:
        return load_lexicon(_corpus_folder if _corpus_folder is not None and _corpus_folder.is_dir() else None)
    folder = Path(setting)
    if not folder.is_dir():
        from zhsearch.errors import ZhsearchError

        raise ZhsearchError(f"{ENV}={setting} is not a folder; point it at a folder with "
                            "userdict.txt and synonyms.txt, or set it to none")
    return load_lexicon(folder)


INDEX_FILE = "lexicon.json"  # in a generation: the lexicon its queries use


def lexicon_to_dict(lexicon: Lexicon, user_words: bool = False) -> dict:
    """``lexicon`` as JSON data: related terms and cues (what queries use), and
    its user words too when asked (what analysis uses)."""
    data = {"user_words": [list(word) for word in lexicon.user_words]} if user_words else {}
    data["related"] = {w: list(r) for w, r in sorted(lexicon.related.items())}
    data["cues"] = {name: list(words) for name, words in sorted(lexicon.cues.items())}
    return data


def lexicon_from_dict(data: dict) -> Lexicon:
    """The lexicon :func:`lexicon_to_dict` wrote (KeyError, TypeError, ValueError or
    AttributeError when ``data`` is not one)."""
    return Lexicon(
        None,
        tuple((str(w), int(f), str(t)) for w, f, t in data.get("user_words", ())),
        {str(w): tuple(map(str, r)) for w, r in data["related"].items()},
        {str(name): tuple(map(str, words)) for name, words in data["cues"].items()},
    )


def save_index_lexicon(gen: Path, lexicon: Lexicon) -> None:
    """Store the query side of ``lexicon`` (related terms, cues) with an index generation."""
    from zhsearch.storage.layout import write_bytes_atomic

    write_bytes_atomic(gen / INDEX_FILE, json.dumps(lexicon_to_dict(lexicon), ensure_ascii=False).encode("utf-8"))


def load_index_lexicon(gen: Path) -> Lexicon | None:
    """The lexicon stored with an index generation, or None (built before it was stored)."""
    path = gen / INDEX_FILE
    if not path.is_file():
        return None
    try:
        return lexicon_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        from zhsearch.storage.layout import damaged

        raise damaged(gen.parent, f"{gen.name}/{INDEX_FILE} is unreadable") from exc
