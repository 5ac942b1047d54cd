"""The ``zhsearch`` command: a thin click layer over the library.

Each command parses its arguments, calls one library function and prints.
Exit codes, like grep: 0 results found (or the command succeeded), 1 no
results, 2 an error (one line on stderr, no traceback).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import click

from zhsearch.errors import BadQueryError, IndexMissingError, IndexVersionError, ZhsearchError
from zhsearch.storage.stored import HEADING_SEPARATOR

EXIT_OK, EXIT_NO_RESULTS, EXIT_ERROR = 0, 1, 2


def _corpus_option(f):
    return click.option(
        "--corpus", "corpus", type=click.Path(path_type=Path), envvar="ZHSEARCH_CORPUS", default=None,
        help="Folder of text files (env ZHSEARCH_CORPUS)  [default: the index's own, else corpus]",
    )(f)


def _index_option(f):
    return click.option(
        "--index", "index_dir", type=click.Path(path_type=Path), envvar="ZHSEARCH_INDEX",
        default="index", show_default=True, help="Index folder (env ZHSEARCH_INDEX).",
    )(f)


def _no_semantic_option(f):
    return click.option("--no-semantic", is_flag=True,
                        help="Rank by the words alone, even if the index holds passage vectors.")(f)


def _cluster_option(f):
    return click.option(
        "--cluster", "cluster", type=click.Path(path_type=Path), envvar="ZHSEARCH_CLUSTER", default=None,
        help="A cluster file (CLUSTER.toml): use its Sphinx/Manticore shards instead of --index.",
    )(f)


def _fail(message: str) -> None:
    click.echo(f"zhsearch: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class _Group(click.Group):
    """Turns every ZhsearchError, and click's usage errors, into one line on stderr and exit code 2."""

    def main(self, *args, **kwargs):
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `zhsearch`: its help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "zhsearch"
            message = exc.format_message().rstrip(".")
            _fail(f"{message}{' ' if message.endswith('?') else '; '}see `{where} --help`")
        except click.ClickException as exc:
            _fail(exc.format_message())
        except click.Abort as exc:
            if isinstance(exc.__context__, EOFError):  # click turns an EOFError into Abort: a bug, shown as one
                raise exc.__context__ from None
            click.echo("zhsearch: interrupted", err=True)
            sys.exit(130)

    def invoke(self, ctx):
        # SIGTERM ends a command the way Ctrl-C does: a rebuild cleans up after itself.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            return super().invoke(ctx)
        except ZhsearchError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("zhsearch: interrupted; the index is unchanged", err=True)
            sys.exit(130)


@click.group("zhsearch", cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zhsearch")
def main() -> None:
    """Search Chinese text by asking questions: 九千会上门吗."""


def _use_color() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


def _run_build(corpus: Path | None, index_dir: Path, rebuild: bool, semantic: bool | str | None = None):
    from zhsearch.reading.passages import corpus_files
    from zhsearch.storage.build import build_index
    from zhsearch.storage.layout import resolve_corpus

    corpus = resolve_corpus(corpus, index_dir, rebuild)
    files = corpus_files(corpus)
    if sys.stderr.isatty() and files:
        sizes = {path.relative_to(corpus).as_posix(): _size(path) for path in files}
        estimate = ProgressEstimate(sum(sizes.values()))
        with click.progressbar(length=estimate.total, label="indexing", file=sys.stderr, show_eta=False,
                               item_show_func=lambda _: estimate.shown()) as bar:

            def progress(rel: str) -> None:
                bar.update(estimate.start(rel, sizes.get(rel, 0)))

            report = build_index(corpus, index_dir, rebuild=rebuild, progress=progress, semantic=semantic,
                                 embed_progress=_embed_progress())
    else:
        report = build_index(corpus, index_dir, rebuild=rebuild, semantic=semantic, embed_progress=_embed_progress())
    for message in report.skipped + report.warnings:
        click.echo(f"zhsearch: warning: {_shown(message)}", err=True)
    return report


def _embed_progress():
    """A progress line with the time left for embedding passages (``index --semantic``), on stderr."""
    state: dict = {}

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        start = state.setdefault("start", (now, done))
        rate = (done - start[1]) / (now - start[0]) if now > start[0] and done > start[1] else 0.0
        left = f", about {round((total - done) / rate)} s left" if rate else ""
        end = "\n" if done >= total else ""
        if sys.stderr.isatty():
            click.echo(f"\rembedding {done}/{total} passages{left}   {end}", err=True, nl=False)
        elif done >= total or done - state.get("shown", 0) >= 500:  # a log: a line every 500
            state["shown"] = done
            click.echo(f"zhsearch: embedded {done}/{total} passages{left}", err=True)

    return show


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class ProgressEstimate:
    """Time left for a build, by bytes read. The first file pays the start-up
    (jieba's dictionary, ~1 s) and is left out of the rate: counting it made the
    first estimate of a 25.7 s build 3 min 56 s.

    >>> e = ProgressEstimate(400, clock=iter([10, 12]).__next__)  # a done at 10 s; b, c by 12 s
    >>> [e.start(name, 100) for name in "abcd"], e.shown()
    ([0, 100, 100, 100], 'about 1 s left')
    """

    def __init__(self, total: int, clock=time.monotonic):
        self.total, self.clock = max(total, 1), clock
        self.done = 0  # bytes of the files finished
        self.current = 0  # bytes of the file being read
        self.since: tuple[float, int] | None = None  # (time, bytes done) when the first file was finished

    def start(self, name: str, size: int) -> int:
        """A file begins: the one before it is done. Returns the bytes to advance the bar by."""
        finished, self.current = self.current, size
        self.done += finished
        if self.since is None and self.done:
            self.since = (self.clock(), self.done)
        return finished

    def seconds_left(self) -> float | None:
        if self.since is None:
            return None
        elapsed, read = self.clock() - self.since[0], self.done - self.since[1]
        if read <= 0 or elapsed <= 0:
            return None
        return (self.total - self.done) * elapsed / read

    def shown(self) -> str:
        left = self.seconds_left()
        if left is None:
            return ""
        left = round(left)
        return f"about {left // 60} min {left % 60} s left" if left >= 60 else f"about {left} s left"


@main.command("index")
@_corpus_option
@_index_option
@click.option("--rebuild", is_flag=True, help="Start from scratch instead of updating.")
@click.option("--watch", is_flag=True, help="Then keep the index in step with the corpus folder until Ctrl-C.")
@click.option("--semantic/--no-semantic", default=None,
              help="Also embed the passages for the hybrid ranking (the semantic extra); the index remembers it.")
@click.option("--semantic-model", type=click.Path(path_type=Path, file_okay=False),
              help="Embed with this local sentence-embedding model folder instead of the bundled one.")
@_cluster_option
def index_command(corpus: Path, index_dir: Path, rebuild: bool, watch: bool, semantic: bool | None,
                  semantic_model: Path | None, cluster: Path | None) -> None:
    """Build the index, or update it with the files that changed."""
    if cluster is not None:
        from zhsearch.interfaces.cluster_cli import load_into_cluster

        return load_into_cluster(cluster, corpus, rebuild, watch)
    if watch:
        from zhsearch.storage.watch import require_watchfiles

        require_watchfiles()
    if semantic_model is not None and semantic is not False:
        semantic = str(semantic_model)
    report = _run_build(corpus, index_dir, rebuild, semantic)
    click.echo(report.summary())
    if watch:
        _follow(corpus, index_dir, seen=set(report.skipped + report.warnings))


def _follow(corpus: Path | None, index_dir: Path, seen: set[str], stop_event=None, err: bool = False) -> None:
    """Update the index after each batch of changes and print what each update did."""
    import time

    from zhsearch.storage.layout import resolve_corpus
    from zhsearch.storage.watch import watch_index

    corpus = resolve_corpus(corpus, index_dir, rebuild=True)  # the folder just indexed: the index's own now

    def ready() -> None:
        click.echo(f"zhsearch: watching {corpus} for changes (Ctrl-C to stop)", err=True)

    def batch(changes: int) -> None:
        click.echo(f"zhsearch: {_count(changes, 'change')} in {corpus}; updating the index", err=True)

    try:
        for report in watch_index(corpus, index_dir, stop_event, on_ready=ready, on_batch=batch):
            for message in report.skipped + report.warnings:
                if message not in seen:  # an unreadable file is reported once, not after every change
                    seen.add(message)
                    click.echo(f"zhsearch: warning: {message}", err=True)
            click.echo(f"{time.strftime('%H:%M:%S')} {report.summary()}", err=err)
    except KeyboardInterrupt:
        click.echo("zhsearch: stopped watching; the index holds the last finished update", err=True)


def _open_or_build(index_dir: Path, corpus: Path | None, cluster: Path | None = None, semantic: bool = True):
    """Open the index; build it first when it is missing or from another version.

    ``corpus`` (when given) must be the index's own: an index of another folder
    would answer for the wrong documents.  ``cluster``: open that cluster instead."""
    if cluster is not None:
        from zhsearch.cluster.search import open_cluster

        return open_cluster(cluster)
    from zhsearch.searching.search import open_index
    from zhsearch.storage.layout import check_corpus, resolve_corpus

    try:
        idx = open_index(index_dir, semantic=semantic)
    except IndexMissingError:
        shown = resolve_corpus(corpus, index_dir)
        click.echo(f"zhsearch: no index at {index_dir}; building it from {shown} first", err=True)
    except IndexVersionError as exc:
        shown = resolve_corpus(corpus, index_dir)
        click.echo(f"zhsearch: {exc}; rebuilding it from {shown} now", err=True)
    else:
        if corpus is not None:
            try:
                check_corpus(idx.meta, corpus, index_dir)
            except ZhsearchError:
                idx.close()
                raise
        return idx
    click.echo(_run_build(corpus, index_dir, rebuild=False).summary(), err=True)
    return open_index(index_dir, semantic=semantic)


def _limit(ctx, param, value: int) -> int:
    from zhsearch.searching.search import MAX_LIMIT

    if value < 1:
        raise click.BadParameter(f"must be at least 1, got {value}")
    return min(value, MAX_LIMIT)


def _offset(ctx, param, value: int) -> int:
    from zhsearch.searching.search import MAX_OFFSET  # the library's limit, which the API keeps too

    if not 0 <= value <= MAX_OFFSET:
        raise click.BadParameter(f"{value} is not in the range 0<=x<={MAX_OFFSET}")
    return value


class _QueryCommand(click.Command):
    """A command whose words may start with ``-`` (``-催收`` leaves 催收 out):
    an argument that is none of the command's options is a word of the query,
    wherever it stands; ``--typo`` is still an unknown option."""

    def parse_args(self, ctx, args):
        valued, flags = set(), set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                (flags if param.is_flag or param.count else valued).update(param.opts + param.secondary_opts)
        options, words, i = [], [], 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                words.extend(args[i + 1 :])
                break
            name = arg.split("=", 1)[0]
            if arg.startswith("--") or name in flags or name in valued:
                options.append(arg)
                if name in valued and "=" not in arg:
                    if i + 1 == len(args):  # the "--" put before the words would become its value
                        raise click.BadOptionUsage(name, f"Option '{name}' requires an argument.", ctx=ctx)
                    options.append(args[i + 1])
                    i += 1
            elif arg[:2] in valued:  # -n5
                options.append(arg)
            else:
                words.append(arg)
            i += 1
        return super().parse_args(ctx, options + ["--"] + words)


@main.command("search", cls=_QueryCommand)
@click.argument("query", nargs=-1, required=True)
@_index_option
@_corpus_option
@click.option("-n", "--limit", default=10, show_default=True, type=int, callback=_limit,
              help="How many passages to show (at most 1000).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the stable contract).")
@click.option("--explain", is_flag=True, help="Show how the query was read and how each hit's score was made.")
@click.option("--offset", default=0, show_default=True, type=int, callback=_offset,
              help="Skip this many hits (the next page: --offset 10); at most 10000.")
@click.option("--per-file", "per_file", type=click.IntRange(min=1), default=None,
              help="At most this many passages of each source.")
@_no_semantic_option
@_cluster_option
def search_command(query, index_dir: Path, corpus: Path, limit: int, as_json: bool, explain: bool,
                   offset: int, per_file: int | None, no_semantic: bool, cluster: Path | None) -> None:
    """Ranked passages for QUERY (a question, in either script, or pinyin).

    \b
    A plain question is ranked as it is. Operators (space-separated):
      "上门取证"  「上门取证」  “上门取证”   the passage holds this exact run
                                     (both scripts, width, 九千 = 9000)
      -催收   -"暴力催收"                  leave out passages holding it
      上门 OR 催收   上门|催收              hold at least one of them
      file:004*   file:法规/   -file:faq/  only (or not) files whose path matches
                                     the glob, or starts with the prefix
    Anything unbalanced or unknown is plain text: "unclosed, -, file:, title:x.
    A word may start with -: zhsearch search 上门 -催收 -n 3
    """
    text = " ".join(query)
    if not text.strip():  # said before a missing index is built for it
        from zhsearch.searching.search import EMPTY_QUERY

        raise BadQueryError(EMPTY_QUERY)
    with _open_or_build(index_dir, corpus, cluster, semantic=not no_semantic) as idx:
        results = idx.search(text, limit=limit, explain=explain, offset=offset, per_file=per_file)
    for warning in results.warnings:  # an update that did not finish; a cluster's shard that did not answer
        click.echo(f"zhsearch: warning: {_shown(warning)}", err=True)
    if as_json:
        data = results.to_dict()
        if explain and results.reading is not None:
            data["reading"] = results.reading.to_dict()
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        if explain and results.reading is not None:
            for line in results.reading.describe():
                click.echo(f"query: {line}")
            click.echo()
        _print_results(results, explain)
    for suggestion in results.suggestions[:1]:  # on stderr: stdout stays the results
        click.echo(f"did you mean: {suggestion.text} ({_count(suggestion.passages, 'passage')})", err=True)
    sys.exit(EXIT_OK if len(results) else EXIT_NO_RESULTS)


# Control characters (a tab is whitespace, shown as it is), and the bidirectional
# overrides and isolates that would reorder what a terminal shows (U+202A-202E, U+2066-2069)
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
ECHO_CHARS = 60


def _shown(text: str) -> str:
    """Corpus text (and file names) as a terminal shows it safely: control
    characters — an escape sequence that would recolour or retitle the terminal,
    a newline in a file name, a right-to-left override — written as ``\\x1b``,
    ``\\u202e``; a tab (a table's cells) stays."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if m.group() < "\u0100" else f"\\u{ord(m.group()):04x}",
                        text)


def _styled(text: str, spans) -> str:
    out, last = [], 0
    for start, end in spans:
        out.append(_shown(text[last:start]))
        out.append(click.style(_shown(text[start:end]), fg="red", bold=True))
        last = end
    out.append(_shown(text[last:]))
    return "".join(out)


def _print_results(results, explain: bool) -> None:
    color = _use_color()
    if not len(results):
        query = results.query if len(results.query) <= ECHO_CHARS else results.query[:ECHO_CHARS] + "…"
        if results.total:  # --offset beyond the last hit
            click.echo(f"no more passages: {results.total} match {query!r}", err=True)
        else:
            click.echo(f"no passages match {query!r}", err=True)
        return
    for hit in results:
        head = click.style(f"{hit.rank:>2}. {_shown(hit.location)}", fg="cyan")
        click.echo(f"{head}  score {hit.score:.3f}", color=color)
        context = _shown(HEADING_SEPARATOR.join(part for part in (hit.title, hit.heading) if part))
        if context:
            click.echo(click.style(f"    {context}", dim=True), color=color)
        start, end = _snippet_bounds(hit)
        spans = [(max(s, start) - start, min(e, end) - start) for s, e in hit.highlights if e > start and s < end]
        prefix = "…" if start else ""
        suffix = "…" if end < len(hit.text) else ""
        click.echo("    " + prefix + _styled(hit.text[start:end], spans) + suffix, color=color)
        if hit.also:
            click.echo(f"    also at: {_shown(_also(hit.also))}", color=color)
        if explain and hit.explanation:
            _print_explanation(hit.explanation)
        click.echo()
    shown = f"{len(results)}" if results[0].rank == 1 else f"{results[0].rank}–{results[-1].rank}"
    click.echo(f"{shown} of {_count(results.total, 'matching passage')} in {results.took_ms:.1f} ms", err=True)


ALSO_SHOWN = 3  # locations of a passage's copies shown; the rest are counted


def _also(locations) -> str:
    """``a.txt:3, b.txt:9, c.txt:1 and 66 more``: a line that stays one line."""
    shown = ", ".join(locations[:ALSO_SHOWN])
    rest = len(locations) - ALSO_SHOWN
    return shown + (f" and {rest} more" if rest > 0 else "")


def _snippet_bounds(hit):
    from zhsearch.searching.highlight import snippet_window

    return snippet_window(hit.text, list(hit.highlights), width=160)


def _print_explanation(info: dict) -> None:
    click.echo(f"    explain: {info['formula']}")
    features = "  ".join(f"{name} {value}" for name, value in info["features"].items())
    # stage 1's own BM25F, then the features (their bm25f: that score over the pool's best)
    click.echo(f"      stage 1 {info['bm25f']}  {features}  → {info['score']}")
    adds = "  ".join(f"{name} {value:+g}" for name, value in info["contributions"].items())
    click.echo(f"      log score = {adds}")
    click.echo(f"      intents: {', '.join(info['intents']) or 'none'}")
    for term in info["terms"]:
        click.echo(f"      {term['field']:<16} {term['term']:<10} {term['score']}")
    for term, where in info["matched"].items():
        click.echo(f"      coverage: {term} in {where}")


@main.command("serve")
@_index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--watch", is_flag=True, help="Also keep the index in step with --corpus as its files change.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer requests addressed to this host name (repeatable); by default only "
                   "the names the server listens as.")
@_corpus_option
def serve_command(index_dir: Path, host: str, port: int, watch: bool, allow_hosts: tuple, corpus: Path) -> None:
    """A search page at / and a JSON API at /api (needs the web extra)."""
    try:
        from zhsearch.interfaces.web import check_address, serve
    except ImportError:
        _fail("zhsearch serve needs the web extra: pip install 'zhsearch[web]'")
    check_address(host, port)
    from zhsearch.storage.layout import live_generation

    if not watch:
        try:
            missing = live_generation(index_dir) is None and f"no index at {index_dir} yet"
        except ZhsearchError as exc:  # damaged: served as 503s until it is rebuilt
            missing = str(exc)
        if missing:
            click.echo(f"zhsearch: warning: {missing}; /health answers 503 until `zhsearch index` builds it", err=True)
    follow = None
    if watch:
        from zhsearch.storage.watch import require_watchfiles

        require_watchfiles()
        report = _run_build(corpus, index_dir, rebuild=False)
        click.echo(report.summary(), err=True)
        seen = set(report.skipped + report.warnings)

        def follow(stop_event) -> None:
            try:
                _follow(corpus, index_dir, seen, stop_event, err=True)
            except ZhsearchError as exc:  # the page keeps serving the index as it is
                click.echo(f"zhsearch: error: {exc}; stopped watching", err=True)
    click.echo(f"zhsearch: serving {index_dir} at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    serve(index_dir, host=host, port=port, follow=follow, allow_hosts=allow_hosts)


@main.command("stats")
@_index_option
def stats_command(index_dir: Path) -> None:
    """What the index holds."""
    from zhsearch.searching.search import open_index

    with open_index(index_dir) as idx:
        info = idx.stats()
    for key, value in info.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        click.echo(f"{key:<15} {value}")


@main.command("files")
@_index_option
@click.option("--skipped", is_flag=True, help="List the files left out, and why, instead.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def files_command(index_dir: Path, skipped: bool, as_json: bool) -> None:
    """Every indexed file with its passage count (or, --skipped, every file left out and why)."""
    from zhsearch.searching.search import open_index
    from zhsearch.storage.listing import ignore_rules_changed

    with open_index(index_dir) as idx:
        listed = idx.skipped_files() if skipped else idx.files()
        meta = idx.meta
    if as_json:
        click.echo(json.dumps({"skipped" if skipped else "files": [f.to_dict() for f in listed]},
                              ensure_ascii=False, indent=1))
    elif skipped:
        for entry in listed:
            click.echo(f"{_shown(entry.path)}  {_shown(entry.reason)}")
        click.echo(f"{_count(len(listed), 'file')} left out", err=True)
    else:
        for entry in listed:
            left = "".join(f"  ({chars} characters of {why} left out)" for why, chars in entry.left_out)
            click.echo(f"{entry.passages:>7}  {_shown(entry.path)}{left}")
        click.echo(f"{_count(len(listed), 'file')}, {_count(sum(f.passages for f in listed), 'passage')}", err=True)
    if ignore_rules_changed(meta):
        click.echo("zhsearch: warning: .zhsearchignore changed since the last update; "
                   "run `zhsearch index` to apply it", err=True)


def _count(n: int, noun: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@main.command("analyze")
@click.argument("text", nargs=-1, required=True)
@click.option("--field", "fields", multiple=True, type=click.Choice(["words", "bigrams"]),
              help="Only this field (repeatable); default all.")
@_index_option
@_corpus_option
def analyze_command(text, fields, index_dir: Path, corpus: Path | None) -> None:
    """Print the tokens the analysis chain makes of TEXT, with the corpus's own
    lexicon (CORPUS/.zhsearch/, or ZHSEARCH_LEXICON) as an index of it would."""
    from zhsearch.storage.layout import resolve_corpus
    from zhsearch.text.analyzer import FIELDS, analyze, is_bigram_word
    from zhsearch.text.lexicon import corpus_lexicon
    from zhsearch.text.normalize import normalize_text, wording_changes
    from zhsearch.searching.query import plan_query, translators_wordings

    try:  # the index's corpus, else --corpus or ./corpus, as `index` would take it
        folder = resolve_corpus(corpus, index_dir, rebuild=True)
    except ZhsearchError:  # an index that no longer names its corpus: the one given, if any
        folder = corpus
    with corpus_lexicon(folder):
        value = " ".join(text)
        click.echo(f"normalized  {normalize_text(value).text}")
        variety, changes = wording_changes(value)
        if changes:  # why 程式 meets 程序: the Taiwan / Hong Kong wording as the index holds it
            click.echo(f"wording     {variety}: " + ", ".join(f"{a} → {b}" for a, b in changes))
        for name in fields or FIELDS:
            for token in analyze(value, name):
                note = "  (indexed as a bigram)" if name == "words" and is_bigram_word(token.text) else ""
                click.echo(f"{name:<8} {token.position:>4}  {token.start:>4}-{token.end:<4} {token.text}{note}")
        plan = plan_query(value)
        click.echo(f"query words   {' '.join(plan.words)}")
        click.echo(f"query bigrams {' '.join(plan.bigrams)}")
        if plan.pinyin:
            click.echo(f"query pinyin  {' '.join(plan.pinyin)}")
        # the other side's wording of a query word, searched too where an index holds it
        others = [f"{word} → {'/'.join(ws)}" for word in plan.concepts if (ws := translators_wordings(word))]
        if others:
            click.echo(f"other wording {', '.join(others)}  (searched where the index holds it)")


@main.command("eval")
@click.argument("judgments", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@_index_option
@_corpus_option
@click.option("-k", default=10, show_default=True, type=click.IntRange(1, 1000), help="Cut-off rank.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_no_semantic_option
@click.option("--compare", is_flag=True, help="Score the lexical and the hybrid ranking side by side.")
@_cluster_option
def eval_command(judgments: Path, index_dir: Path, corpus: Path, k: int, as_json: bool, no_semantic: bool,
                 compare: bool, cluster: Path | None) -> None:
    """Measure S@1, MRR@k and Recall@k on judged questions (JSONL)."""
    from zhsearch.searching.evaluation import evaluate

    if compare:
        return _compare(judgments, index_dir, corpus, k, as_json, cluster)
    with _open_or_build(index_dir, corpus, cluster, semantic=not no_semantic) as idx:
        report = evaluate(idx, judgments, k=k)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        return
    for miss in report.misses:
        where = f"relevant at {miss.first_relevant_rank}" if miss.first_relevant_rank else f"none in top {k}"
        click.echo(f"miss {_shown(str(miss.id))} {_shown(miss.query)}  ({where})\n     first: {_shown(str(miss.first_hit))}")
    click.echo(f"queries {len(report.outcomes)}  S@1 {report.success_at_1:.3f}  "
               f"MRR@{k} {report.mrr:.3f}  Recall@{k} {report.recall:.3f}")


from zhsearch.interfaces.cluster_cli import cluster_group  # noqa: E402  (its commands load the cluster code lazily)

main.add_command(cluster_group)


def _compare(judgments: Path, index_dir: Path, corpus: Path, k: int, as_json: bool, cluster: Path | None) -> None:
    """``eval --compare``: the same questions ranked by the words alone and with the index's vectors."""
    from zhsearch.searching.evaluation import evaluate

    reports = {}
    for name, semantic in (("lexical", False), ("hybrid", True)):
        with _open_or_build(index_dir, corpus, cluster, semantic=semantic) as idx:
            if semantic and not getattr(idx, "meta", {}).get("semantic"):
                raise BadQueryError(f"the index at {index_dir} holds no passage vectors: "
                                    "build it with `zhsearch index --semantic` to compare")
            reports[name] = evaluate(idx, judgments, k=k)
    if as_json:
        click.echo(json.dumps({name: r.to_dict() for name, r in reports.items()}, ensure_ascii=False, indent=1))
        return
    lexical, hybrid = reports["lexical"], reports["hybrid"]
    def rr(outcome) -> float:
        return 1 / outcome.first_relevant_rank if outcome.first_relevant_rank else 0.0

    better = sum(rr(h) > rr(w) for w, h in zip(lexical.outcomes, hybrid.outcomes))
    worse = sum(rr(h) < rr(w) for w, h in zip(lexical.outcomes, hybrid.outcomes))
    click.echo(f"{'':10}{'lexical':>9}{'hybrid':>9}")
    for label, attr in (("S@1", "success_at_1"), (f"MRR@{k}", "mrr"), (f"Recall@{k}", "recall")):
        click.echo(f"{label:10}{getattr(lexical, attr):9.3f}{getattr(hybrid, attr):9.3f}")
    click.echo(f"queries {len(lexical.outcomes)}: hybrid ranks the first relevant passage higher on {better}, "
               f"lower on {worse}")
