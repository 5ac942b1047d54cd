"""Make src/zhsearch/text/{t2s,tw2sp,s2twp}_changes.txt: what each OpenCC conversion can change.

    python tools/opencc_changes.py           # writes the tables from the installed OpenCC
    python tools/opencc_changes.py --check   # exits 1 when a table is not the installed OpenCC's

An OpenCC conversion (``t2s.json``, …) normalises CJK compatibility
ideographs, then runs a chain of stages, each replacing every longest match of
its dictionaries' keys by the match's first value.  A text holding no key whose
first value differs from it passes every stage as it went.  Each table lists
those keys: the single characters on one line, then, one a line, the longer
keys (phrases) none of whose characters is listed (a text holding one of the
others holds a listed character already).

zhsearch reads them to leave a text alone without loading OpenCC when the
conversion could not change it: a question in simplified script (``t2s``: about
10 ms of a cold search, its library and dictionaries), a question word of
characters both scripts share read as Taiwan wording (``tw2sp``, ``s2twp``:
s2twp's Mainland phrase table takes 60 ms or more to load).  The conversion
itself is always OpenCC's.

The dictionaries are read with the ``opencc_dict`` tool the opencc wheel ships
(``ocd2`` → text).  Each table names the files it was made from with their
CRC-32: zhsearch takes the shortcut only while OpenCC's files are those (else
every text goes to OpenCC).  Run this again when the opencc dependency is
upgraded: a test compares the tables with the installed OpenCC's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

CONFIGS = ("t2s", "tw2sp", "s2twp")  # the conversions zhsearch asks of OpenCC before a text proves traditional
TEXT = Path(__file__).resolve().parent.parent / "src" / "zhsearch" / "text"
HEADER = ("# What OpenCC's {config} can change (tools/opencc_changes.py; do not edit): the characters\n"
          "# of its tables that convert, on one line, then its phrases that convert, one a line.\n")
MADE_FROM = "# made from: "  # then each file read, name=crc32: zhsearch uses the table only with these files


def table_path(config: str) -> Path:
    return TEXT / f"{config}_changes.txt"


def opencc_share() -> tuple[Path, Path]:
    """The installed OpenCC's dictionary folder and its ``opencc_dict`` tool."""
    import opencc

    clib = Path(opencc.__file__).resolve().parent / "clib"
    return clib / "share" / "opencc", clib / "bin" / "opencc_dict"


def dictionaries(share: Path, config: str) -> list[str]:
    """Every ``ocd2`` file ``config``'s json reads (normalisation, segmentation, each stage)."""
    files = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "ocd2":
                files.append(node["file"])
            elif node.get("type") not in (None, "group", "mmseg"):
                raise SystemExit(f"{config}.json reads a {node.get('type')} dictionary: this tool reads ocd2 only")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads((share / f"{config}.json").read_text(encoding="utf-8")))
    return list(dict.fromkeys(files))


def made_from(share: Path, config: str) -> str:
    """A table's provenance line: the config's json and its dictionaries, each with its CRC-32."""
    names = [f"{config}.json", *dictionaries(share, config)]
    return MADE_FROM + " ".join(f"{name}={zlib.crc32((share / name).read_bytes()):08x}" for name in names) + "\n"


def make_table(config: str) -> str:
    share, tool = opencc_share()
    characters, phrases = set(), set()
    with tempfile.TemporaryDirectory() as tmp:
        for name in dictionaries(share, config):
            text = Path(tmp) / f"{name}.txt"
            subprocess.run([str(tool), "-i", str(share / name), "-o", str(text), "-f", "ocd2", "-t", "text"],
                           check=True, capture_output=True)
            for line in text.read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                if key and values.split(" ")[0] != key:
                    (characters.add if len(key) == 1 else phrases.add)(key)
    phrases = {p for p in phrases if characters.isdisjoint(p)}
    return (HEADER.format(config=config) + made_from(share, config) + "".join(sorted(characters)) + "\n"
            + "".join(f"{p}\n" for p in sorted(phrases)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a table is not the installed OpenCC's")
    args = parser.parse_args()
    for config in CONFIGS:
        table = make_table(config)
        if args.check:
            if table_path(config).read_text(encoding="utf-8") != table:
                sys.exit(f"{table_path(config)} is not the installed OpenCC's: run python tools/opencc_changes.py")
            continue
        table_path(config).write_text(table, encoding="utf-8")
        characters, *phrases = [line for line in table.splitlines() if not line.startswith("#")]
        print(f"wrote {table_path(config)}: {len(characters)} characters, {len(phrases)} phrases")


if __name__ == "__main__":
    main()
