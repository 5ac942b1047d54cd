"""What the cross-strait wording stage costs: normalising passages with phrase
conversion (t2s, and tw2sp / hk2s for traditional text) against character
conversion alone (t2s, what zhsearch did before), one run, same passages.

    python bench/wording.py [CORPUS ...]     # default: corpus/ and, if there, bench/work/poems-50000

Prints one Markdown table: passages, share read as Taiwan / Hong Kong text,
and the median of 5 timed passes for each stage.  Compare the columns of one
run; the machine is shared and noisy.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from zhsearch.reading.passages import corpus_files, load_passages, read_text  # noqa: E402
from zhsearch.text import normalize  # noqa: E402


def t2s_only(text: str) -> str:
    """The character stage as it was: OpenCC t2s, one character for one."""
    return normalize.to_simplified(text)


def timed(function, texts, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        normalize.fold_text.cache_clear()
        normalize.normalize_text.cache_clear()
        started = time.perf_counter()
        for text in texts:
            function(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def passages_of(folder: Path) -> list[str]:
    texts = []
    for path in corpus_files(folder):
        passages, _ = load_passages(read_text(path), path.relative_to(folder).as_posix())
        texts.extend(p.text for p in passages)
    return texts


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:]] or [REPO / "corpus", REPO / "bench/work/poems-50000"]
    print("| corpus | passages | Taiwan / HK | t2s only | to_mainland | fold_text | normalize_text (offsets) |")
    print("|---|---|---|---|---|---|---|")
    for folder in folders:
        if not folder.is_dir():
            continue
        texts = passages_of(folder)
        varieties = [normalize.script_variety(t) for t in texts]
        share = f"{varieties.count('taiwan')} / {varieties.count('hongkong')}"
        row = [timed(f, texts) * 1e6 / len(texts) for f in (t2s_only, normalize.to_mainland, normalize.fold_text,
                                                            normalize.normalize_text)]
        name = folder.name if folder.name != "corpus" else f"{folder.parent.name}/{folder.name}"
        print(f"| {name} | {len(texts)} | {share} | " + " | ".join(f"{us:.1f} µs" for us in row) + " |")


if __name__ == "__main__":
    main()
