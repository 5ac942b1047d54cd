"""Make src/zhsearch/text/wording_pairs.tsv: Mainland and Taiwan wordings of
the same software terms (命令/指令, 账户/帐号, 默认/预设), learnt from programs
translated into both: each message of a zh_CN (zh_Hans) catalog beside the
same message of its zh_TW (zh_Hant) catalog.

    python tools/wording_pairs.py            # downloads the wheels below (pip), writes the table
    python tools/wording_pairs.py --show 40  # ... and prints the first 40 pairs

Both sides are normalised as the index normalises text (NFKC, OpenCC t2s for
the Mainland side, tw2sp for the Taiwan side, so 檔案 is already 文件 and only
what OpenCC does not know is left); the two are aligned character by character
(difflib), each difference grown to whole jieba words on both sides, and a
pair of Han words of 2–4 characters, neither inside the other, the Taiwan
side not writing the Mainland word itself (執行, which tw2sp reads 运行, is
the Mainland 执行: no pair), is kept when

* it is seen in at least ``MIN_MESSAGES`` distinct messages,
* of at least ``MIN_PROJECTS`` projects translated by different teams
  (Home Assistant's core and frontend are one), and
* one side is a habit of its translators: of the messages holding the Mainland
  word, or of those holding the Taiwan word, at least ``MIN_SHARE`` show the
  pair (a translator's paraphrase of one message is not a wording).

The sources are permissively licensed (BSD, MIT, Apache-2.0); the table holds
word pairs only, with the counts that kept them.
"""

from __future__ import annotations

import argparse
import collections
import difflib
import io
import json
import re
import struct
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

# (pip requirement, project): a wheel holding zh_CN/zh_Hans and zh_TW/zh_Hant catalogs.
SOURCES = (
    ("Django==5.2.19", "django"),
    ("django-allauth==65.22.1", "django-allauth"),
    ("django-cms==5.1.3", "django-cms"),
    ("django-debug-toolbar==8.0.0", "django-debug-toolbar"),
    ("django-filer==3.6.0", "django-filer"),
    ("django-import-export==4.4.3", "django-import-export"),
    ("django-oscar==4.2.1", "django-oscar"),
    ("djangorestframework==3.18.3", "djangorestframework"),
    ("Flask-AppBuilder==5.3.0", "flask-appbuilder"),
    ("WTForms==3.3.2", "wtforms"),
    ("sphinx==9.0.4", "sphinx"),
    ("Trac==1.6", "trac"),
    ("wagtail==8.0.1", "wagtail"),
    ("jupyterlab-language-pack-zh-CN==4.5.post3", "jupyterlab"),
    ("jupyterlab-language-pack-zh-TW==4.5.post3", "jupyterlab"),
    ("homeassistant==2024.3.3", "home-assistant"),
    ("home-assistant-frontend==20250109.2", "home-assistant"),
)
MIN_MESSAGES = 3
MIN_PROJECTS = 2
MIN_SHARE = 0.2
OUT = Path(__file__).resolve().parents[1] / "src" / "zhsearch" / "text" / "wording_pairs.tsv"

_MAINLAND = re.compile(r"(?<![A-Za-z])zh[_-](?:CN|Hans|SG)(?![A-Za-z])", re.I)
_TAIWAN = re.compile(r"(?<![A-Za-z])zh[_-](?:TW|Hant)(?![A-Za-z])", re.I)
_HASH = re.compile(r"-[0-9a-f]{16,}(?=\.json$)")
_HAN_WORD = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]{2,4}")


def read_mo(data: bytes) -> dict[str, str]:
    """msgid → msgstr of a GNU .mo file (plural forms: the first of each)."""
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _, count, ids_at, strs_at = struct.unpack(order + "4I", data[4:20])
    messages = {}
    for i in range(count):
        id_len, id_off = struct.unpack(order + "2I", data[ids_at + 8 * i : ids_at + 8 * i + 8])
        str_len, str_off = struct.unpack(order + "2I", data[strs_at + 8 * i : strs_at + 8 * i + 8])
        msgid = data[id_off : id_off + id_len].decode("utf-8", "replace").split("\x00")[0]
        msgstr = data[str_off : str_off + str_len].decode("utf-8", "replace").split("\x00")[0]
        if msgid and msgstr:
            messages[msgid] = msgstr
    return messages


def read_json(data: bytes) -> dict[str, str]:
    """key path → string of a nested JSON translation file."""

    def walk(node, prefix):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{prefix}/{key}")
        elif isinstance(node, str) and node:
            yield prefix, node

    return dict(walk(json.loads(data.decode("utf-8")), ""))


def catalogs(wheel: Path, project: str) -> dict[tuple[str, str], dict[str, dict[str, str]]]:
    """(project, catalog) → {"cn": messages, "tw": messages} of one wheel (halves may be missing)."""
    found: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            side = "cn" if _MAINLAND.search(name) else "tw" if _TAIWAN.search(name) else None
            if side is None:
                continue
            if name.endswith(".mo") and "/LC_MESSAGES/" in name:
                messages = read_mo(archive.read(name))
            elif name.endswith(".json") and "translations/" in name:
                messages = read_json(archive.read(name))
            else:
                continue
            key = _HASH.sub("", _TAIWAN.sub("zh", _MAINLAND.sub("zh", name)))
            found.setdefault((project, key), {})[side] = messages
    return found


def _word_spans(text: str) -> list[tuple[int, int]]:
    import jieba

    spans, pos = [], 0
    for word in jieba.cut(text, HMM=False):
        spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans


def _grow(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to the words it touches (an insertion point: the word around it)."""
    for s, e in spans:
        if (s < end and e > start) or (start == end and s < start < e):
            start, end = min(start, s), max(end, e)
    return start, end


def differences(mainland: str, taiwan: str) -> list[tuple[str, str]]:
    """The word pairs where two renderings of one message differ: each
    difference grown to whole words on both sides, and grown alike on both
    sides into the characters they share (不匹配/不符, not 匹配/不符).

    >>> differences("运行命令行选项", "执行指令列选项")
    [('运行', '执行'), ('命令行', '指令列')]
    >>> differences("名称不匹配", "名称不符")
    [('不匹配', '不符')]
    """
    left, right = _word_spans(mainland), _word_spans(taiwan)
    merged: list[list[int]] = []
    matcher = difflib.SequenceMatcher(None, mainland, taiwan, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        while True:  # a shared character taken in on one side is taken in on the other
            a1, a2 = _grow(left, i1, i2)
            b1, b2 = _grow(right, j1, j2)
            before, after = max(i1 - a1, j1 - b1), max(a2 - i2, b2 - j2)
            if (a1, a2, b1, b2) == (i1 - before, i2 + after, j1 - before, j2 + after):
                break
            i1, i2, j1, j2 = i1 - before, i2 + after, j1 - before, j2 + after
        if merged and (a1 < merged[-1][1] or b1 < merged[-1][3]):
            last = merged.pop()
            a1, a2, b1, b2 = min(a1, last[0]), max(a2, last[1]), min(b1, last[2]), max(b2, last[3])
        merged.append([a1, a2, b1, b2])
    return [(mainland[a1:a2], taiwan[b1:b2]) for a1, a2, b1, b2 in merged]


@dataclass(frozen=True)
class Pair:
    mainland: str
    taiwan: str
    messages: int
    projects: int
    share: float  # the larger of: share of the Mainland word's messages, of the Taiwan word's, showing the pair


def aligned_messages(sources) -> dict[tuple[str, str, str], set[str]]:
    """(Mainland text, Taiwan text, Taiwan text in simplified characters only) →
    the projects that have it; the first two normalised as the index does."""
    import opencc

    to_simplified, from_taiwan = opencc.OpenCC("t2s"), opencc.OpenCC("tw2sp")
    fold = lambda text: unicodedata.normalize("NFKC", text)  # noqa: E731
    messages: dict[tuple[str, str, str], set[str]] = collections.defaultdict(set)
    for (project, _), sides in sources.items():
        if set(sides) != {"cn", "tw"}:
            continue
        taiwan = sides["tw"]
        for msgid, text in sides["cn"].items():
            if msgid in taiwan:
                written = taiwan[msgid]
                key = (fold(to_simplified.convert(text)), fold(from_taiwan.convert(written)),
                       fold(to_simplified.convert(written)))
                messages[key].add(project)
    return messages


def wording_pairs(messages: dict[tuple[str, str, str], set[str]]) -> list[Pair]:
    """The pairs kept by the rule of the module docstring, most seen first."""
    seen: collections.Counter = collections.Counter()
    projects: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for (mainland, taiwan, written), where in messages.items():
        if mainland == taiwan:
            continue
        for pair in set(differences(mainland, taiwan)):
            x, y = pair  # a word inside the other (主机名/主机名称) is found as it is
            if x in written:  # the translator wrote 執行 too; OpenCC's phrase table made it 运行
                continue
            if _HAN_WORD.fullmatch(x) and _HAN_WORD.fullmatch(y) and x not in y and y not in x:
                seen[pair] += 1
                projects[pair] |= where
    candidates = [p for p, n in seen.items() if n >= MIN_MESSAGES and len(projects[p]) >= MIN_PROJECTS]
    holding: collections.Counter = collections.Counter()
    for mainland, taiwan, _ in messages:
        for x, y in candidates:
            holding["cn", x] += x in mainland
            holding["tw", y] += y in taiwan
    kept = []
    for x, y in candidates:
        share = max(seen[x, y] / holding["cn", x], seen[x, y] / holding["tw", y])
        if share >= MIN_SHARE:
            kept.append(Pair(x, y, seen[x, y], len(projects[x, y]), share))
    return sorted(kept, key=lambda p: (-p.messages, p.mainland, p.taiwan))


def download(requirements: list[str], folder: Path) -> list[Path]:
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                    "--dest", str(folder), *requirements], check=True)
    return sorted(folder.glob("*.whl"))


def pinned_wheels(folder: Path) -> list[tuple[Path, str]]:
    """``(wheel, project)`` for every source, each at its pinned version; exits
    naming what is missing, so that a partial folder never writes a table."""
    found = {}
    for wheel in folder.glob("*.whl"):
        name, version = wheel.name.split("-")[:2]
        found[_distribution(name), version] = wheel
    wheels, missing = [], []
    for requirement, project in SOURCES:
        name, version = requirement.split("==")
        wheel = found.get((_distribution(name), version))
        (wheels.append((wheel, project)) if wheel else missing.append(requirement))
    if missing:
        raise SystemExit(f"wording_pairs: no wheel in {folder} for {', '.join(missing)}; "
                         "run without --wheels to download them")
    return wheels


def main(argv: list[str] | None = None) -> None:
    from importlib.metadata import version

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, help="a folder already holding the pinned wheels (no download)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print the first N pairs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.wheels or Path(tmp)
        if not args.wheels:
            download([req for req, _ in SOURCES], folder)
        sources: dict = {}
        for wheel, project in pinned_wheels(folder):
            for key, sides in catalogs(wheel, project).items():
                sources.setdefault(key, {}).update(sides)
    messages = aligned_messages(sources)
    pairs = wording_pairs(messages)
    header = [
        "# Mainland and Taiwan wordings of one term, as the index normalises them (tools/wording_pairs.py).",
        f"# Learnt from {len(messages)} distinct messages translated both ways in: "
        + ", ".join(req for req, _ in SOURCES) + ".",
        f"# Read with jieba {version('jieba')} and opencc {version('opencc')}; kept: seen in >= {MIN_MESSAGES} "
        f"messages of >= {MIN_PROJECTS} projects, share >= {MIN_SHARE}.",
        "# mainland\ttaiwan\tmessages\tprojects",
    ]
    lines = [f"{p.mainland}\t{p.taiwan}\t{p.messages}\t{p.projects}" for p in pairs]
    args.out.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    print(f"{len(pairs)} pairs from {len(messages)} messages -> {args.out}")
    for line in lines[: args.show]:
        print(line)


def _distribution(name: str) -> str:
    return re.split(r"[=<>\s]", name, maxsplit=1)[0].lower().replace("-", "_")


if __name__ == "__main__":
    main()
