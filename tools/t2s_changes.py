"""Make src/zhsearch/text/t2s_changes.txt: what OpenCC's ``t2s`` can change.

    python tools/t2s_changes.py           # writes the table from the installed OpenCC
    python tools/t2s_changes.py --check   # exits 1 when the table is not the installed OpenCC's

``t2s`` (``t2s.json``) normalises CJK compatibility ideographs, then converts
each longest match of its phrase and character tables to the match's first
value.  A text holding no key whose first value differs from it comes back as
it went; the table lists those keys: the single characters on one line, the
longer keys (phrases) one a line.  zhsearch reads it to leave a question in
simplified script alone without loading OpenCC (about 10 ms of a cold search:
its library and four dictionaries); the conversion itself is always OpenCC's.

The dictionaries are read with the ``opencc_dict`` tool the opencc wheel ships
(``ocd2`` → text).  The table names the files it was made from with their
CRC-32: zhsearch takes the shortcut only while OpenCC's files are those (else
every text goes to OpenCC).  Run this again when the opencc dependency is
upgraded: a test compares the table with the installed OpenCC's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "src" / "zhsearch" / "text" / "t2s_changes.txt"
HEADER = ("# What OpenCC's t2s can change (tools/t2s_changes.py; do not edit): the characters\n"
          "# of its tables that convert, on one line, then its phrases that convert, one a line.\n")
MADE_FROM = "# made from: "  # then each file read, name=crc32: zhsearch uses the table only with these files


def opencc_share() -> tuple[Path, Path]:
    """The installed OpenCC's dictionary folder and its ``opencc_dict`` tool."""
    import opencc

    clib = Path(opencc.__file__).resolve().parent / "clib"
    return clib / "share" / "opencc", clib / "bin" / "opencc_dict"


def t2s_dictionaries(share: Path) -> list[str]:
    """Every ``ocd2`` file ``t2s.json`` reads, normalisation first."""
    config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))
    files = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "ocd2":
                files.append(node["file"])
            elif node.get("type") not in (None, "group"):
                raise SystemExit(f"t2s.json reads a {node.get('type')} dictionary: this tool reads ocd2 only")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return files


def made_from(share: Path) -> str:
    """The table's provenance line: t2s.json and its dictionaries, each with its CRC-32."""
    names = ["t2s.json", *t2s_dictionaries(share)]
    return MADE_FROM + " ".join(f"{name}={zlib.crc32((share / name).read_bytes()):08x}" for name in names) + "\n"


def make_table() -> str:
    share, tool = opencc_share()
    characters, phrases = set(), set()
    with tempfile.TemporaryDirectory() as tmp:
        for name in t2s_dictionaries(share):
            text = Path(tmp) / f"{name}.txt"
            subprocess.run([str(tool), "-i", str(share / name), "-o", str(text), "-f", "ocd2", "-t", "text"],
                           check=True, capture_output=True)
            for line in text.read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                if key and values.split(" ")[0] != key:
                    (characters.add if len(key) == 1 else phrases.add)(key)
    return HEADER + made_from(share) + "".join(sorted(characters)) + "\n" + "".join(f"{p}\n" for p in sorted(phrases))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the table is not the installed OpenCC's")
    args = parser.parse_args()
    table = make_table()
    if args.check:
        if TABLE.read_text(encoding="utf-8") != table:
            sys.exit(f"{TABLE} is not the installed OpenCC's: run python tools/t2s_changes.py")
        return
    TABLE.write_text(table, encoding="utf-8")
    characters, *phrases = [line for line in table.splitlines() if not line.startswith("#")]
    print(f"wrote {TABLE}: {len(characters)} characters, {len(phrases)} phrases")


if __name__ == "__main__":
    main()
