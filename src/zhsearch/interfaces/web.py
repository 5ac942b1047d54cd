"""``zhsearch serve``: a JSON API and a search page over the same library calls as the CLI.

FastAPI (with uvicorn) is an optional extra: ``pip install 'zhsearch[web]'``.
The server keeps one open :class:`~zhsearch.Index` (and so the compact
dictionary) warm, and reopens it — every byte checked — when a rebuild swaps in
a new generation or an update commits into the live one.
Everything the page needs is served from this package: no CDN.
"""

from __future__ import annotations

import contextlib
import threading
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from starlette.convertors import Convertor, register_url_convertor

from zhsearch.errors import BadQueryError, ZhsearchError
from zhsearch.storage.layout import file_stamps, live_generation, read_meta, writer_active
from zhsearch.searching.query import MAX_QUERY_CHARS
from zhsearch.searching.search import EMPTY_QUERY, MAX_OFFSET, Index  # one offset limit: the library's, the CLI's and this

MAX_LIMIT = 100


class HitModel(BaseModel):
    rank: int
    score: float
    source: str
    title: str
    line: int
    text: str
    highlights: list[list[int]]
    heading: str = ""
    also: list[str] = []
    page: int = 0
    column: int = 1


class SuggestionModel(BaseModel):
    text: str
    passages: int
    reason: str


class SearchModel(BaseModel):
    """Exactly the ``zhsearch search --json`` contract."""

    query: str
    took_ms: float
    total: int
    hits: list[HitModel]
    suggestions: list[SuggestionModel] = []
    warnings: list[str] | None = None  # only when there is one (an update that did not finish)


class SuggestModel(BaseModel):
    query: str
    suggestions: list[SuggestionModel]


class PassageModel(BaseModel):
    line: int
    heading: str
    text: str
    page: int = 0


class DocumentModel(BaseModel):
    source: str
    title: str
    passages: list[PassageModel]


class ErrorModel(BaseModel):
    detail: str


class HealthModel(BaseModel):
    status: str  # "ok", or "unavailable" (503)
    index: str  # "ready", or what is wrong with the index and the command that fixes it


class IndexInfoModel(BaseModel):
    name: str  # the corpus folder's name
    files: int
    passages: int
    updated: str  # when the index was last built or updated (ISO 8601)


class _AnyPath(Convertor):
    """Starlette's ``path`` without its one flaw: a source may hold a newline."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anypath", _AnyPath())


class _Live:
    """The open index, reopened when anything it reads changes on disk: a rebuild
    swaps ``CURRENT``, an update commits (``meta.json`` is written last), or a
    file is damaged (its size or mtime moves).

    A request holds the index it was given (``with live.use() as index``) until
    it has answered: an index replaced meanwhile is closed by the last request
    that holds it, never under one (its files stay readable: POSIX keeps them
    while open)."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._index: Index | None = None
        self._stamps = None
        self._lock = threading.Lock()
        self._holders: dict[int, int] = {}  # id(index) -> requests holding it
        self._retired: dict[int, Index] = {}  # replaced, closed when no request holds it

    def get(self) -> Index:
        """The index to answer with now (for a caller that holds no lease: /health)."""
        with self._lock:
            return self._current()

    @contextlib.contextmanager
    def use(self):
        """The index to answer one request with, held until the request is done."""
        with self._lock:
            index = self._current()
            self._holders[id(index)] = self._holders.get(id(index), 0) + 1
        try:
            yield index
        finally:
            with self._lock:
                left = self._holders[id(index)] - 1
                if left:
                    self._holders[id(index)] = left
                else:
                    del self._holders[id(index)]
                    if self._retired.pop(id(index), None) is not None:
                        index.close()

    def _retire(self, index: Index) -> None:
        if self._holders.get(id(index)):
            self._retired[id(index)] = index
        else:
            index.close()

    def _current(self) -> Index:
        current = live_generation(self.index_dir)  # raises IndexCorruptError when damaged
        if self._index is not None:
            if current is not None and current.name == self._index.generation:
                if file_stamps(current, self._index.meta) == self._stamps:
                    return self._index
                if writer_active(self.index_dir):  # an update is being written: the open index serves until it commits
                    return self._index
            self._retire(self._index)
            self._index = None
        # Stamped before opening: a commit landing in between is picked up by the next request.
        stamps = file_stamps(current, read_meta(current, manifest=False)) if current is not None else None
        self._index = Index(self.index_dir, verify_bytes=None)  # IndexMissingError names the fix
        self._stamps = stamps
        return self._index


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def served_hosts(host: str, extra=()) -> tuple[str, ...]:
    """The names a server listening on ``host`` answers to: the address itself,
    the loopback names when it listens on loopback, this machine's names when it
    listens on every address; and ``extra`` (``serve --allow-host``)."""
    import socket

    names = [host]
    if host in LOOPBACK_NAMES or host.startswith("127."):
        names += LOOPBACK_NAMES
    elif host in ("0.0.0.0", "::", ""):
        hostname = socket.gethostname()
        names += [*LOOPBACK_NAMES, hostname, socket.getfqdn()]
        try:  # the addresses its name resolves to (others: --allow-host)
            names += socket.gethostbyname_ex(hostname)[2]
        except OSError:
            pass
    return tuple(dict.fromkeys(n.lower().strip("[]") for n in (*names, *extra) if n))


def _host_of(scope) -> str:
    """The Host header's name, without port or IPv6 brackets, lower case."""
    raw = next((v for k, v in scope.get("headers", ()) if k == b"host"), b"").decode("latin-1").strip().lower()
    if raw.startswith("["):
        return raw[1 : raw.find("]")] if "]" in raw else raw
    return raw.rsplit(":", 1)[0] if raw.count(":") == 1 else raw


class _HostCheck:
    """Answers only requests addressed to a name the server listens as: a page
    elsewhere that rebinds its own name to this address (DNS rebinding) gets 400,
    not the corpus.  Pure ASGI, so that every route is covered."""

    def __init__(self, app, hosts: tuple[str, ...]):
        self.app, self.hosts = app, frozenset(hosts)

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and _host_of(scope) not in self.hosts:
            host = _host_of(scope) or "(none)"
            response = JSONResponse({"detail": f"this server does not answer as host {host!r}; "
                                               f"start it with --allow-host {host} to let it"}, status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(index_dir: str | Path, hosts: tuple[str, ...] | None = None) -> FastAPI:
    """The ASGI app serving ``index_dir``; with ``hosts`` (:func:`served_hosts`),
    only requests whose Host header names one of them are answered."""
    live = _Live(Path(index_dir))
    app = FastAPI(title="zhsearch", version=_version(), description="Search Chinese text by asking questions.")
    if hosts is not None:
        app.add_middleware(_HostCheck, hosts=tuple(hosts))

    @app.exception_handler(ZhsearchError)
    async def _zhsearch_error(request, exc: ZhsearchError):
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(BadQueryError)
    async def _bad_query(request, exc: BadQueryError):  # a query that is empty once cleaned
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.get("/health", responses={503: {"model": HealthModel}}, response_model=HealthModel)
    def health():
        """200 ``{"status": "ok", "index": "ready"}`` when the index can be searched;
        503 with what is wrong with it (missing, damaged, another version) and the
        command that fixes it, so a load balancer or ``curl -f`` sees it."""
        try:
            live.get()
            return {"status": "ok", "index": "ready"}
        except ZhsearchError as exc:
            return JSONResponse({"status": "unavailable", "index": str(exc)}, status_code=503)

    @app.get("/api/index", response_model=IndexInfoModel, responses={503: {"model": ErrorModel}})
    def index_info():
        """What the page shows above the search box: the corpus's name, its files
        and passages, and when the index was last built or updated (from its
        metadata: no byte of the index is read)."""
        meta = live.get().manifest  # read once an index generation
        corpus = meta.get("corpus") or ""
        return {"name": Path(corpus).name or str(live.index_dir), "files": len(meta.get("files", {})),
                "passages": int(meta.get("passages", 0)), "updated": meta.get("built_at") or ""}

    @app.get("/api/search", response_model=SearchModel, response_model_exclude_none=True,
             responses={503: {"model": ErrorModel}})
    def search(
        q: str = Query(..., min_length=1, max_length=MAX_QUERY_CHARS, description="the question"),
        limit: int = Query(10, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=MAX_OFFSET, description="skip this many hits (the next page)"),
        per_file: int | None = Query(None, ge=1, le=MAX_LIMIT, description="at most this many passages per source"),
    ):
        """Ranked passages for a question: the ``zhsearch search --json`` object.

        ``q`` may use the query syntax: ``"exact phrase"`` (also 「…」 “…”),
        ``-word`` / ``-"phrase"`` to leave out, ``A OR B`` / ``A|B``,
        ``file:004*`` / ``file:folder/`` (``-file:`` to leave out).
        """
        if not q.strip():
            raise HTTPException(422, EMPTY_QUERY)
        with live.use() as index:
            return index.search(q, limit=limit, offset=offset, per_file=per_file).to_dict()

    @app.get("/api/suggest", response_model=SuggestModel, responses={503: {"model": ErrorModel}})
    def suggest(
        q: str = Query(..., min_length=1, max_length=MAX_QUERY_CHARS, description="what is typed so far"),
        limit: int = Query(8, ge=1, le=20),
    ):
        """Continuations of what is typed, from the corpus's words and runs, most found
        first; a Latin prefix is read as pinyin (``shangm`` → 上门)."""
        with live.use() as index:
            found = index.suggest(q, limit=limit)
        return {"query": q, "suggestions": [s.to_dict() for s in found]}

    @app.get(
        "/api/documents/{source:anypath}",
        response_model=DocumentModel,
        responses={404: {"model": ErrorModel}, 503: {"model": ErrorModel}},
    )
    def document(source: str):
        """One indexed document's passages in order; only indexed sources exist here."""
        with live.use() as index:
            found = index.document(source)
        if found is None:
            raise HTTPException(404, f"no indexed document {source!r}")
        return found.to_dict()

    @app.get("/api/stats", responses={503: {"model": ErrorModel}})
    def stats() -> dict:
        """What the index holds."""
        with live.use() as index:
            return index.stats()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return resources.files("zhsearch.interfaces").joinpath("static/index.html").read_text(encoding="utf-8")

    return app


def _version() -> str:
    from zhsearch import __version__

    return __version__


def check_address(host: str, port: int) -> None:
    """Raise a ZhsearchError naming the fix when ``host:port`` cannot be listened on."""
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise ZhsearchError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); pick another --port") from exc


def serve(index_dir: str | Path, host: str = "127.0.0.1", port: int = 8000, follow=None, allow_hosts=()) -> None:
    """Run the server until Ctrl-C; ``follow(stop_event)``, when given, runs beside it
    (``serve --watch``: updating the index) until the server stops.  Requests are
    answered for the names it listens as (:func:`served_hosts`) and ``allow_hosts``."""
    import uvicorn

    check_address(host, port)
    stop = threading.Event()
    follower = threading.Thread(target=follow, args=(stop,), name="zhsearch-watch") if follow else None
    if follower:
        follower.start()
    try:
        uvicorn.run(create_app(index_dir, served_hosts(host, allow_hosts)), host=host, port=port, log_level="warning")
    finally:
        stop.set()  # an update under way finishes first
        if follower:
            follower.join()
