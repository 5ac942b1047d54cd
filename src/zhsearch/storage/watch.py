"""Follow the corpus folder: update the index whenever its files change.

watchfiles (the ``watch`` extra) reports file system events (inotify, FSEvents,
ReadDirectoryChangesW); a burst of them — an editor's save, a folder copied in —
is one batch, and each batch is one call of the ordinary incremental update
(:func:`zhsearch.storage.build.build_index`), which works out from sizes, times and
content hashes what was added, edited, renamed or deleted.  Searches keep
reading the index while it is updated (Whoosh commits atomically).

>>> for report in watch_index("corpus", "index"):    # doctest: +SKIP
...     print(report.summary())
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

from zhsearch.errors import IndexLockedError, WatchUnavailableError
from zhsearch.reading.passages import IGNORE_FILE
from zhsearch.storage.build import BuildReport, build_index
from zhsearch.text.lexicon import CORPUS_FOLDER

INSTALL_EXTRA = "pip install 'zhsearch[watch]'"
# watchfiles yields a batch once no new event came for STEP_MS, or after
# DEBOUNCE_MS of continuous events; an editor's save (write, rename, chmod) is one.
STEP_MS = 300
DEBOUNCE_MS = 1600
LOCK_RETRY_SECONDS = 1.0
IDLE_MS = 500  # watchfiles wakes this often when nothing happens (to see the stop event)


def require_watchfiles() -> None:
    """Raise WatchUnavailableError (naming the extra) unless watchfiles can be imported."""
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        raise WatchUnavailableError(f"--watch needs the watch extra: {INSTALL_EXTRA}") from None


def _change_filter(corpus_dir: Path, index_dir: Path):
    def wanted(change, path: str) -> bool:
        p = Path(path)
        if p == index_dir or index_dir in p.parents:
            return False  # the index's own writes, when it lives inside the corpus
        try:
            rel = p.relative_to(corpus_dir)
        except ValueError:
            return False
        if rel.as_posix() == IGNORE_FILE:
            return True  # new ignore rules: the update leaves out (or takes back) what they name
        if rel.parts and rel.parts[0] == CORPUS_FOLDER:
            return True  # the corpus's own lexicon changed: the update builds the index again
        return not any(part.startswith(".") for part in rel.parts)

    return wanted


def watch_index(
    corpus_dir: str | os.PathLike,
    index_dir: str | os.PathLike,
    stop_event: threading.Event | None = None,
    on_ready: Callable[[], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> Iterator[BuildReport]:
    """After each batch of changes under ``corpus_dir``, update ``index_dir`` and yield
    what the update did; batches that change nothing indexed are not yielded,
    unless a file was skipped (so that its warning is seen).

    ``on_ready`` is called once the watcher runs, after an update that takes in
    whatever changed before it started; ``on_batch(n)`` before the update of a
    batch of ``n`` file system changes.  Runs until ``stop_event`` is set or
    Ctrl-C (KeyboardInterrupt).  An update interrupted half-way is cancelled:
    the index keeps the previous update.
    """
    require_watchfiles()
    from watchfiles import watch

    corpus_dir, index_dir = Path(corpus_dir).resolve(), Path(index_dir).resolve()
    changes = watch(
        corpus_dir,
        watch_filter=_change_filter(corpus_dir, index_dir),
        debounce=DEBOUNCE_MS,
        step=STEP_MS,
        stop_event=stop_event,
        raise_interrupt=True,
        rust_timeout=IDLE_MS,
        yield_on_timeout=True,
    )
    ready = False
    for batch in changes:
        if not batch and ready:
            continue  # idle
        if batch and on_batch:
            on_batch(len(batch))
        while True:
            try:
                report = build_index(corpus_dir, index_dir)
                break
            except IndexLockedError:
                # another process (a rebuild) is writing: our changes wait for it
                if stop_event is not None and stop_event.wait(LOCK_RETRY_SECONDS):
                    return
                time.sleep(0 if stop_event is not None else LOCK_RETRY_SECONDS)
        if report.mode != "unchanged" or (ready and (report.skipped or report.warnings)):
            yield report  # (a file that cannot be read changes nothing, and is said once a batch)
        if not ready:
            ready = True
            if on_ready:
                on_ready()
