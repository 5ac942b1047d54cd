"""Which PDF library reads Chinese text layers correctly: pypdf against pdfminer.six.

    python bench/pdf_readers.py        (needs reportlab, pypdf and pdfminer.six)

Writes a few Chinese PDFs of the kinds found in the wild into a temporary folder
and prints, per reader and kind, the share of the written characters recovered
in order (difflib ratio over the text with white space removed), the time per
file and the import cost:

* ``cid-gb-h``    reportlab's built-in CID font STSong-Light (Adobe-GB1), UniGB-UCS2-H
* ``cid-cns-h``   MSung-Light (Adobe-CNS1), traditional script, UniCNS-UCS2-H
* ``cid-gb-v``    STSong-Light in vertical writing (UniGB-UCS2-V): vertical punctuation
* ``identity-h``  a Type0 font with Identity-H and a ToUnicode CMap, CIDs not Unicode,
                  the way subset-embedded fonts from Word, WPS and LaTeX are written
* ``no-unicode``  the same without ToUnicode: no reader can know the characters (OCR)
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from makedocs import identity_h_pdf  # noqa: E402  (the tests' hand-written Identity-H PDF)

SIMPLIFIED = [
    "第一条 借款人逾期三个月，出借人可以依法起诉。",
    "“催收”（上门）《民法典》第675条：9000元；可以吗？",
    "网贷逾期后，催收人员不得暴力催收、不得骚扰借款人的家人。",
]
TRADITIONAL = ["網貸逾期說要工作人員上門取證應該怎麼辦？", "催收時暴力威脅，應當報警並保留證據。"]


def _reportlab(path: Path, face: str, lines: list[str], vertical: bool) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(face, isVertical=vertical))
    c = canvas.Canvas(str(path))
    c.setFont(face, 12)
    for i, line in enumerate(lines):
        if vertical:
            c.drawString(500 - 20 * i, 780, line)
        else:
            c.drawString(72, 760 - 20 * i, line)
    c.showPage()
    c.save()


def make_samples(folder: Path) -> dict[str, tuple[Path, list[str]]]:
    samples = {}
    for kind, face, lines, vertical in (
        ("cid-gb-h", "STSong-Light", SIMPLIFIED, False),
        ("cid-cns-h", "MSung-Light", TRADITIONAL, False),
        ("cid-gb-v", "STSong-Light", SIMPLIFIED, True),
    ):
        path = folder / f"{kind}.pdf"
        # one process per file: reportlab registers a CID font under its face name once
        subprocess.run([sys.executable, __file__, "--write", str(path), face, str(vertical)], check=True)
        samples[kind] = (path, lines)
    path = folder / "identity-h.pdf"
    path.write_bytes(identity_h_pdf(SIMPLIFIED))
    samples["identity-h"] = (path, SIMPLIFIED)
    path = folder / "identity-h-no-map.pdf"
    path.write_bytes(identity_h_pdf(SIMPLIFIED, to_unicode=False))
    samples["no-unicode"] = (path, SIMPLIFIED)
    return samples


def read_pypdf(path: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def read_pdfminer(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def import_ms(module: str) -> float:
    times = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", f"import time; t=time.perf_counter(); import {module}; "
                              "print((time.perf_counter()-t)*1000)"], capture_output=True, text=True, check=True)
        times.append(float(out.stdout))
    return sorted(times)[1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        samples = make_samples(Path(tmp))
        print(f"{'reader':<14} {'kind':<11} {'recovered':>9} {'ms/file':>8}  first line read")
        for name, reader in (("pypdf", read_pypdf), ("pdfminer.six", read_pdfminer)):
            for kind, (path, lines) in samples.items():
                started = time.perf_counter()
                text = reader(path)
                ms = (time.perf_counter() - started) * 1000
                ratio = difflib.SequenceMatcher(None, _squash("".join(lines)), _squash(text)).ratio()
                first = text.strip().splitlines()[0][:30] if text.strip() else "(nothing)"
                print(f"{name:<14} {kind:<11} {ratio:>9.3f} {ms:>8.1f}  {first}")
    for module in ("pypdf", "pdfminer.high_level"):
        print(f"import {module}: {import_ms(module):.0f} ms (median of 3 processes)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        _, _, target, face, vertical = sys.argv
        lines = TRADITIONAL if face == "MSung-Light" else SIMPLIFIED
        _reportlab(Path(target), face, lines, vertical == "True")
    else:
        main()
