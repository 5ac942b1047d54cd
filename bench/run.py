"""zhsearch against the obvious setup (Whoosh + jieba ChineseAnalyzer), same machine, one run.

    python bench/run.py                 # shipped corpus + 50,000 poems (about 5 minutes)
    python bench/run.py --poems 10000   # quicker
    python bench/run.py --full          # also all ~312,000 poems (about 10+ minutes)
    python bench/run.py --semantic-only # the hybrid stage's costs at the shipped corpus (the semantic extra)

Prepares its own data: the `chinese-poetry` package from the npm registry
(`npm pack chinese-poetry@2.0.1`, ~85 MB, kept in bench/data/, git-ignored),
whose dist/quantangshi/poet.*.json hold ~312,000 poems in traditional script,
written out as a corpus folder of .jsonl files (1,000 poems a file).

Prints one Markdown table.  Whole-process figures are medians over --runs runs;
peak memory is the child's maximum resident set size (started from a small
launcher: see run_timed).  The machine is shared
and noisy: compare the two columns of one run, not runs with each other.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
WORK = BENCH / "work"
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(BENCH))

PACKAGE = "chinese-poetry@2.0.1"
TARBALL = DATA / "chinese-poetry-2.0.1.tgz"
QUESTIONS = [  # natural-language questions a reader of Tang and Song poetry asks
    "床前明月光是谁写的", "描写春天的诗", "思念故乡的诗句", "送别朋友的诗", "关于月亮的诗句",
    "黄河之水天上来", "写长江的诗", "边塞征战的诗", "秋天落叶的诗", "饮酒作乐的诗",
    "山水田园风光", "怀念故人的诗", "桃花盛开", "大漠孤烟直", "春风又绿江南岸",
    "江南烟雨", "登高望远的诗", "梅花的诗句", "夜泊枫桥", "孤舟钓鱼",
]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def prepare_poems(count: int) -> tuple[Path, int]:
    """A corpus folder of the first ``count`` poems as JSONL; returns it and its characters."""
    DATA.mkdir(parents=True, exist_ok=True)
    if not TARBALL.exists():
        log(f"npm pack {PACKAGE}")
        subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", str(DATA)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = DATA / f"poems-{count}"
    marker = folder / ".complete"
    if marker.exists():
        return folder, int(marker.read_text())
    folder.mkdir(exist_ok=True)
    poems = []
    with tarfile.open(TARBALL) as tar:
        members = [m for m in tar.getmembers() if "/dist/quantangshi/poet." in m.name and m.name.endswith(".json")]
        members.sort(key=lambda m: (m.name.split(".")[-3], int(m.name.split(".")[-2])))
        for member in members:
            poems.extend(json.load(tar.extractfile(member)))
            if len(poems) >= count:
                break
    chars = 0
    for start in range(0, min(count, len(poems)), 1000):
        lines = []
        for n, poem in enumerate(poems[start : min(count, start + 1000)], start):
            text = "\n".join(poem.get("paragraphs") or [])
            chars += len(text)
            record = {"id": poem.get("id") or str(n), "title": f"{poem.get('title', '')} {poem.get('author', '')}".strip(), "text": text}
            lines.append(json.dumps(record, ensure_ascii=False))
        (folder / f"poems_{start // 1000:04}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    marker.write_text(str(chars))
    return folder, chars


def run_process(argv: list[str], env=None) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one whole process."""
    return run_timed(argv, env)[:2]


# Runs the measured command and reports its own figures.  Linux carries a
# process's peak resident set across exec (fs/exec.c keeps the old memory map's
# high-water mark), so a command started straight from this benchmark, grown to
# hundreds of MiB by its in-process rounds, would report the benchmark's peak as
# its own.  Started from this small launcher instead, it inherits the launcher's ~11 MiB.
_LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
elapsed = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    out.write(f"{elapsed} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime} {status}")
"""


def run_timed(argv: list[str], env=None) -> tuple[float, float, float]:
    """Wall seconds, peak resident MiB (the largest process of it) and CPU seconds
    (user + system, its worker processes included) of one whole process."""
    what = " ".join(argv[1:4]) or argv[0]
    with tempfile.TemporaryDirectory() as folder:  # one report a call: benchmarks may run side by side
        report = Path(folder) / "figures"
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(report), *argv],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        err = b""
        while chunk := proc.stderr.read(65536):
            err = (err + chunk)[-4000:]
        proc.wait()
        if not report.exists():  # the command did not start
            raise RuntimeError(f"{what} did not run: {err.decode(errors='replace')[-300:]}")
        elapsed, peak_kib, cpu, status = report.read_text().split()
    code = os.waitstatus_to_exitcode(int(status))
    if code not in (0, 1):
        how = f"was killed by signal {-code}" if code < 0 else f"exited {code}"
        raise RuntimeError(f"{what} {how}: {err.decode(errors='replace')[-300:]}")
    return float(elapsed), float(peak_kib) / 1024, float(cpu)


def medians(argv: list[str], runs: int) -> tuple[float, float]:
    results = [run_process(argv) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


ZH = [sys.executable, "-m", "zhsearch"]
BASE = [sys.executable, str(BENCH / "baselines.py")]


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def warm_latencies(search, rounds: int = 5, questions=QUESTIONS) -> tuple[float, float]:
    """p50 and p95 over every question, several rounds, after one round untimed
    (warm: the pages each question reads are in memory, as on a server that has
    run a while); zhsearch's passage-text caches (normalize_text, fold_text) are
    cleared before each query, so a repeated question reads and normalises its
    candidates as a new one would (the small caches of query readings stay)."""
    from zhsearch.text.normalize import fold_text, normalize_text

    for q in questions:
        search(q)
    times = []
    for _ in range(rounds):
        for q in questions:
            normalize_text.cache_clear()
            fold_text.cache_clear()
            started = time.perf_counter()
            search(q)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def bench_cold(rows, runs: int) -> None:
    zh_index, base_index = WORK / "zh-shipped", WORK / "base-shipped"
    subprocess.run(ZH + ["index", "--rebuild", "--corpus", str(REPO / "corpus"), "--index", str(zh_index)],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(BASE + ["index", str(REPO / "corpus"), str(base_index)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    floor = medians([sys.executable, "-c", "import whoosh.index, opencc, click"], runs)
    # An installed zhsearch runs from bytecode (pip compiles a wheel at install; an
    # editable install writes __pycache__ on its first run), as whoosh and jieba do
    # here: compiled first, so that PYTHONDONTWRITEBYTECODE=1 in this environment
    # does not make every process compile zhsearch from source (about 30 ms more).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "zhsearch")], check=True)
    zh = medians(ZH + ["search", "九千会上门吗", "--index", str(zh_index)], runs)
    base = medians(BASE + ["search", str(base_index), "九千会上门吗"], runs)
    rows.append(("cold search, whole process (shipped corpus), median s", f"{zh[0]:.3f}", f"{base[0]:.3f}", f"{base[0] / zh[0]:.1f}× faster; floor (python + imports) {floor[0]:.3f}"))
    rows.append(("cold search peak memory, MiB", f"{zh[1]:.0f}", f"{base[1]:.0f}", f"floor {floor[1]:.0f}"))


def bench_poems(rows, count: int, label: str, runs: int = 7) -> None:
    import zhsearch
    from baselines import naive_parser

    corpus, chars = prepare_poems(count)
    text_mb = chars * 3 / 1e6  # UTF-8 bytes of the poem text (3 bytes a character)
    zh_index, base_index = WORK / f"zh-{label}", WORK / f"base-{label}"
    log(f"zhsearch index {label}")
    zh_secs, zh_mem, zh_cpu = run_timed(ZH + ["index", "--rebuild", "--corpus", str(corpus), "--index", str(zh_index)])
    log(f"baseline index {label}")
    base_secs, base_mem, base_cpu = run_timed(BASE + ["index", str(corpus), str(base_index)])
    rows.append((f"index {label} ({chars / 1e6:.1f} M chars), s", f"{zh_secs:.1f}", f"{base_secs:.1f}",
                 f"zhsearch {chars / zh_secs / 1000:.0f} k chars/s on {os.cpu_count()} cores, baseline {chars / base_secs / 1000:.0f} k chars/s on 1; "
                 f"{base_secs / zh_secs:.2f}× the baseline's pace"))
    rows.append((f"index {label}, CPU s (user + system, workers included)", f"{zh_cpu:.1f}", f"{base_cpu:.1f}", ""))
    rows.append((f"index {label} peak memory, MiB", f"{zh_mem:.0f}", f"{base_mem:.0f}", ""))
    zh_size, base_size = folder_size(zh_index), folder_size(base_index)
    rows.append((f"index {label} size, MB per MB of text", f"{zh_size / 1e6 / text_mb:.1f}", f"{base_size / 1e6 / text_mb:.1f}",
                 f"{zh_size / 1e6:.0f} MB and {base_size / 1e6:.0f} MB for {text_mb:.0f} MB"))

    # Cold: a whole `search` process on this index (files in the page cache, as
    # for any second search), a different question each run.
    zh_cold = [run_process(ZH + ["search", QUESTIONS[n % len(QUESTIONS)], "--index", str(zh_index)]) for n in range(runs)]
    base_cold = [run_process(BASE + ["search", str(base_index), QUESTIONS[n % len(QUESTIONS)]]) for n in range(runs)]
    zh_s, base_s = statistics.median(r[0] for r in zh_cold), statistics.median(r[0] for r in base_cold)
    rows.append((f"cold search {label}, whole process, median s", f"{zh_s:.3f}", f"{base_s:.3f}",
                 f"{base_s / zh_s:.1f}× faster" if zh_s < base_s else f"{zh_s / base_s:.1f}× slower"))
    rows.append((f"cold search {label} peak memory, MiB", f"{statistics.median(r[1] for r in zh_cold):.0f}",
                 f"{statistics.median(r[1] for r in base_cold):.0f}", ""))

    with zhsearch.open_index(zh_index) as idx:
        idx.search("热身")
        zh_p50, zh_p95 = warm_latencies(lambda q: idx.search(q, limit=10))
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(base_index))
    with ix.searcher() as searcher:
        parser = naive_parser(ix, any_word=True)
        base_p50, base_p95 = warm_latencies(lambda q: list(searcher.search(parser.parse(q), limit=10)))
    rows.append((f"warm query {label}, p50 / p95 ms", f"{zh_p50:.1f} / {zh_p95:.1f}", f"{base_p50:.1f} / {base_p95:.1f}",
                 "in-process; zhsearch with every relevance feature, baseline an OR of jieba words"))


def bench_incremental(rows) -> None:
    corpus, _ = prepare_poems(30000)
    folder = WORK / "incremental-corpus"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.jsonl"):
        old.unlink()
    lines = [line for path in sorted(corpus.glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()]
    for n in range(300):
        (folder / f"part_{n:03}.jsonl").write_text("\n".join(lines[n * 100 : (n + 1) * 100]) + "\n", encoding="utf-8")
    index = WORK / "zh-incremental"
    subprocess.run(ZH + ["index", "--rebuild", "--corpus", str(folder), "--index", str(index)], check=True,
                   stdout=subprocess.DEVNULL)
    unchanged, _ = run_process(ZH + ["index", "--corpus", str(folder), "--index", str(index)])
    target = folder / "part_150.jsonl"
    edited = target.read_text(encoding="utf-8").replace("月", "月亮", 3)
    target.write_text(edited, encoding="utf-8")
    changed, _ = run_process(ZH + ["index", "--corpus", str(folder), "--index", str(index)])
    rows.append(("incremental: 300 files, one edited, whole `zhsearch index`, s", f"{changed:.2f}", "n/a (rebuilds)",
                 f"nothing changed: {unchanged:.2f} s"))


def bench_serve(rows, runs: int) -> None:
    """/api/search warm, over HTTP on loopback, next to a whole `zhsearch search` process."""
    import socket
    import urllib.parse
    import urllib.request

    index = WORK / "zh-shipped"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(ZH + ["serve", "--index", str(index), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        questions = [json.loads(line)["query"] for line in (REPO / "examples" / "seeds_dev.jsonl").read_text(encoding="utf-8").splitlines()]
        for q in questions:  # warm
            urllib.request.urlopen(base + "/api/search?q=" + urllib.parse.quote(q)).read()
        times = []
        for n in range(100):
            q = questions[n % len(questions)]
            started = time.perf_counter()
            urllib.request.urlopen(base + "/api/search?q=" + urllib.parse.quote(q)).read()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        server.terminate()
        server.wait()
    cli = [run_process(ZH + ["search", q, "--index", str(index)])[0] * 1000 for q in questions]
    rows.append(("`/api/search` warm (100 requests, shipped corpus), median ms", f"{statistics.median(times):.1f}",
                 f"{statistics.median(cli):.0f} (whole `zhsearch search` process)", "same 20 dev questions"))


def bench_semantic(rows, runs: int) -> None:
    """The hybrid stage's costs at the shipped corpus: the two columns are the
    same corpus indexed with passage vectors (``--semantic``) and without.
    Each build starts from an empty folder (a rebuild would reuse the vectors)."""
    import shutil

    import zhsearch

    def build(index: Path, *extra: str) -> tuple[float, float, float]:
        shutil.rmtree(index, ignore_errors=True)
        return run_timed(ZH + ["index", "--corpus", str(REPO / "corpus"), "--index", str(index), *extra])

    indexes = {"hybrid": WORK / "zh-shipped-semantic", "lexical": WORK / "zh-shipped-lexical"}
    builds = {"hybrid": [], "lexical": []}
    for _ in range(max(1, runs // 3)):  # side by side, alternating
        builds["lexical"].append(build(indexes["lexical"]))
        builds["hybrid"].append(build(indexes["hybrid"], "--semantic"))
    (hw, hm, hc), (lw, lm, lc) = ([statistics.median(b[i] for b in builds[k]) for i in range(3)] for k in ("hybrid", "lexical"))
    passages = json.loads((next(indexes["hybrid"].glob("gen-*")) / "meta.json").read_text(encoding="utf-8"))["passages"]
    rows.append(("semantic: index shipped corpus, wall s / CPU s", f"{hw:.1f} / {hc:.1f}", f"{lw:.1f} / {lc:.1f}",
                 f"with vectors / without; {passages} passages, {passages / max(hc - lc, 1e-9):.0f} passages per CPU-s embedded"))
    rows.append(("semantic: index peak memory, MiB", f"{hm:.0f}", f"{lm:.0f}", "with vectors / without"))
    rows.append(("semantic: index size, kB", f"{folder_size(indexes['hybrid']) / 1e3:.0f}",
                 f"{folder_size(indexes['lexical']) / 1e3:.0f}", "with vectors / without (vectors: 388 B a passage)"))
    search = ZH + ["search", "九千会上门吗", "--index", str(indexes["hybrid"])]
    cold = {True: [], False: []}
    for _ in range(runs):  # alternating
        cold[True].append(run_timed(search))
        cold[False].append(run_timed(search + ["--no-semantic"]))
    (hw, hm, hc), (lw, lm, lc) = ([statistics.median(r[i] for r in cold[k]) for i in range(3)] for k in (True, False))
    rows.append(("semantic: cold search, whole process, median wall s / CPU s", f"{hw:.3f} / {hc:.3f}",
                 f"{lw:.3f} / {lc:.3f}", "same index; --no-semantic in the second column"))
    rows.append(("semantic: cold search peak memory, MiB", f"{hm:.0f}", f"{lm:.0f}", "the model loaded / not"))
    questions = [json.loads(line)["query"] for line in
                 (REPO / "examples" / "seeds_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    latencies, cpu = {}, {True: [], False: []}
    for _ in range(2):  # alternating, the second round counts
        for semantic in (True, False):
            with zhsearch.open_index(indexes["hybrid"], semantic=semantic) as idx:
                idx.search("热身")
                latencies[semantic] = warm_latencies(lambda q: idx.search(q, limit=10), questions=questions)
                for q in questions * 3:  # CPU time (every thread of the process)
                    started = time.process_time()
                    idx.search(q, limit=10)
                    cpu[semantic].append((time.process_time() - started) * 1000)
    rows.append(("semantic: warm query shipped corpus, p50 / p95 ms; CPU ms p50", "%.1f / %.1f" % latencies[True]
                 + f"; {statistics.median(cpu[True]):.1f}", "%.1f / %.1f" % latencies[False] + f"; {statistics.median(cpu[False]):.1f}",
                 "the 20 dev questions in-process, same index, semantic=False in the second column"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--poems", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--full", action="store_true", help="also index all ~312,000 poems")
    parser.add_argument("--serve", action="store_true", help="also time /api/search (needs the web extra)")
    parser.add_argument("--serve-only", action="store_true", help="with --serve: only the cold and server figures")
    parser.add_argument("--semantic", action="store_true", help="also the hybrid stage's costs (the semantic extra)")
    parser.add_argument("--semantic-only", action="store_true", help="only the hybrid stage's costs")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str, str]] = []
    sections = [lambda: bench_cold(rows, args.runs)] if not args.semantic_only else []
    if args.semantic or args.semantic_only:
        sections.append(lambda: bench_semantic(rows, args.runs))
    if args.serve:
        sections.append(lambda: bench_serve(rows, args.runs))
    if not (args.serve_only or args.semantic_only):
        sections.append(lambda: bench_poems(rows, args.poems, f"{args.poems // 1000}k poems", args.runs))
        sections.append(lambda: bench_incremental(rows))
        if args.full:
            sections.append(lambda: bench_poems(rows, 400_000, "all poems", args.runs))
    for section in sections:
        try:
            section()
        except Exception as exc:  # one failed measurement must not lose the others
            rows.append(("(failed)", "", "", f"{type(exc).__name__}: {exc}".replace("|", "/").replace("\n", " ")))
        print_rows(rows, file=sys.stderr)
    print_rows(rows)


def print_rows(rows, file=None) -> None:
    file = file or sys.stdout
    print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", file=file)
    print("| measure | zhsearch | baseline | note |\n|---|---|---|---|", file=file)
    for row in rows:
        print("| " + " | ".join(row) + " |", file=file)


if __name__ == "__main__":
    main()
