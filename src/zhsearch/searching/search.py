"""The library's front door: open an index, search it, get plain results.

>>> idx = open_index("index")                       # doctest: +SKIP
>>> idx.search("九千会上门吗", limit=3)[0].source     # doctest: +SKIP
'004_69b0fd6045c32687.txt'
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import zhsearch.whoosh_without_asyncio  # noqa: F401  (first: whoosh without asyncio)
from whoosh.filedb.filestore import StorageError
from whoosh.reading import ReaderClosed

from zhsearch.text.analyzer import char_bigrams, is_bigram_word
from zhsearch.errors import BadQueryError, IndexCorruptError, ZhsearchError
from zhsearch.searching.highlight import highlight_spans, merge_spans, snippet_window
from zhsearch.text.lexicon import active_lexicon, load_index_lexicon
from zhsearch.searching.retrieve import QueryTerm, holding_all, match
from zhsearch.searching.searcher import open_searcher
from zhsearch.searching.query import QueryPlan, plan_query, with_regional_readings
from zhsearch.searching.syntax import ParsedQuery, parse_query
from zhsearch.searching.features import QueryTerms, matched_terms
from zhsearch.searching.rank import (
    DEFAULT_RANKING,
    FIELDS,
    RankingConfig,
    Scored,
    feature_contributions,
    final_scores,
    score_formula,
    rescore,
    term_weights,
)
from zhsearch.text.pinyin import load_pinyin_map, pinyin_bigrams
from zhsearch.text.segment import COMPACT_FILE, Segmenter, full_segmenter
from zhsearch.storage.stored import StoredPassage, location, read_record, stored_fields_reader
from zhsearch.storage.listing import left_out_total
from zhsearch.text.normalize import HAN_RUN
from zhsearch.storage.layout import READ_ERRORS as _READ_ERRORS, rebuild_fix
from zhsearch.storage.layout import VERIFY_MAX_BYTES, open_generation, unsealed, verify_generation

MAX_LIMIT = 1000
EMPTY_QUERY = "the query is empty; type the words or question to search for"  # the library's, the CLI's, the API's
MAX_OFFSET = 10_000  # paging deeper reranks ever more candidates
REPR_CHARS = 20  # of a hit's text, and of the query, in a repr


@dataclass(frozen=True)
class Hit:
    """One ranked passage, copied out of the index (safe to keep after the search)."""

    rank: int
    score: float
    source: str
    title: str
    line: int
    text: str  # the passage as written (original script, pinyin glosses removed)
    highlights: tuple[tuple[int, int], ...]  # (start, end) spans of ``text``
    heading: str = ""
    also: tuple[str, ...] = ()  # "source:line" (or "file.pdf:p12") of the same passage elsewhere
    explanation: dict | None = None
    page: int = 0  # the page of a PDF passage (1-based); 0: the format has no pages
    column: int = 1  # where in its line the passage starts: >1 for a long line's later pieces

    @property
    def location(self) -> str:
        """``file.pdf:p12`` for a passage on a page, else ``source:line`` (``source:line:col``
        for a passage that starts inside its line)."""
        return location(self.source, self.line, self.page, self.column)

    @property
    def snippet(self) -> str:
        """The part of a long passage around its matches (the whole of a short one)."""
        start, end = snippet_window(self.text, list(self.highlights))
        return ("…" if start else "") + self.text[start:end] + ("…" if end < len(self.text) else "")

    def __repr__(self) -> str:
        """One line: ``Hit(rank=1, score=3.589, location='004_….txt:63', text='网贷逾期九千是否会直接上门…')``."""
        text = self.text if len(self.text) <= REPR_CHARS else self.text[:REPR_CHARS] + "…"
        return f"Hit(rank={self.rank}, score={self.score}, location={self.location!r}, text={text!r})"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["highlights"] = [list(span) for span in self.highlights]
        data["also"] = list(self.also)
        if self.explanation is None:
            data.pop("explanation")
        return data


@dataclass(frozen=True)
class SearchResults:
    """The hits of one query, best first; behaves as a sequence of :class:`Hit`."""

    query: str
    took_ms: float
    total: int  # passages that match: copies once among those ranked, apiece among those not read (exact when all are)
    hits: tuple[Hit, ...] = field(default_factory=tuple)
    reading: ParsedQuery | None = None  # how the query was read (zhsearch.searching.syntax)
    suggestions: tuple = ()  # zhsearch.searching.suggest.Suggestion: queries that sound alike and find more
    warnings: tuple[str, ...] = ()  # what the user should know of the index searched (its last update did not finish)

    def __repr__(self) -> str:
        """One short line, whatever the hits and the query hold: ``SearchResults(query='九千会上门吗', total=66, hits=10, took_ms=27.6)``."""
        query = self.query if len(self.query) <= REPR_CHARS else self.query[:REPR_CHARS] + "…"
        return (f"SearchResults(query={query!r}, total={self.total}, hits={len(self.hits)}, "
                f"took_ms={round(self.took_ms, 1)})")

    def __iter__(self):
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, item):
        return self.hits[item]

    def to_dict(self) -> dict:
        """The public JSON shape of ``zhsearch search --json``."""
        return {
            "query": self.query,
            "took_ms": round(self.took_ms, 2),
            "total": self.total,
            "hits": [hit.to_dict() for hit in self.hits],
            "suggestions": [s.to_dict() for s in self.suggestions],
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }


@dataclass(frozen=True)
class DocumentPassage:
    line: int
    heading: str
    text: str
    page: int = 0  # a PDF passage's page, else 0


@dataclass(frozen=True)
class Document:
    """One indexed document's passages in order (what a search page shows around a hit)."""

    source: str
    title: str
    passages: tuple[DocumentPassage, ...]

    def to_dict(self) -> dict:
        return asdict(self)


FREQUENCY_CACHE = 100_000  # (field, term) doc frequencies kept per searcher


def _closed_meanwhile(method):
    """``method``, whose reads fail because another thread closed the index meanwhile:
    said so, not as the damaged index (or Whoosh's ReaderClosed, "Storage was closed")
    that they meet.
    Any other error (a bad query, our own slip) is raised as it is."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        closes = self._closes
        try:
            return method(self, *args, **kwargs)
        except (IndexCorruptError, ReaderClosed, StorageError) as exc:  # what reads of a closed index raise
            if self._closes == closes:
                raise
            raise ZhsearchError(
                f"the index at {self.path} was closed (Index.close()) while this call read it; "
                "close an Index only once no thread uses it"
            ) from exc

    return call


class Index:
    """A built index, opened for searching.  Cheap to keep open."""

    _semantic: object = False  # no hybrid stage unless __init__ finds passage vectors (a ClusterIndex has none)
    _closes = 0  # searchers close() has closed

    def __init__(
        self, index_dir: str | os.PathLike, ranking: RankingConfig = DEFAULT_RANKING,
        verify_bytes: int | None = VERIFY_MAX_BYTES, semantic: bool = True,
    ):
        self.ranking = ranking
        self.path = Path(index_dir)
        self._ix, self.meta = open_generation(self.path, verify_bytes)
        self._searcher = None
        self._searcher_lock = threading.Lock()  # held while the searcher is opened or taken out
        self._frequencies: tuple[object, dict] = (None, {})  # (searcher, (field, term) -> doc frequency)
        generation = Path(self._ix.storage.folder)
        # the index's own compact dictionary: segmenting a query costs no jieba start-up
        self.segmenter = (
            Segmenter.load_compact(generation)
            if "sums" in self.meta or (generation / COMPACT_FILE).exists()
            else full_segmenter()  # an index older than compact dictionaries
        )
        # the lexicon the index was built with (related terms, cues): its own, not ZHSEARCH_LEXICON's
        self.lexicon = load_index_lexicon(generation) or active_lexicon()
        self._pinyin_map = None  # loaded on the first pinyin query
        self._suggester = None  # zhsearch.searching.suggest, loaded when a search finds little
        # the hybrid stage (zhsearch.semantic) when the index holds passage vectors; read at the first query
        self._semantic: object | bool | None = None if semantic and self.meta.get("semantic") else False

    def _semantic_stage(self):
        """The index's vectors and model (zhsearch.semantic.rerank.SemanticStage), or None."""
        if self._semantic is None:
            from zhsearch.semantic.rerank import open_stage

            self._semantic = open_stage(Path(self._ix.storage.folder))
        return self._semantic or None

    @property
    def scoring(self) -> RankingConfig:
        """The weights that score a search: the hybrid set when the index's vectors are used."""
        stage = self._semantic_stage()
        return stage.hybrid.ranking(self.ranking) if stage else self.ranking

    def similarities(self, query: str, candidates: list[Scored]) -> list[float | None] | None:
        """Cosine similarity of ``query`` to each candidate (None: the index has no vectors)."""
        stage = self._semantic_stage()
        return stage.similarities(_clean_query(query), candidates) if stage else None

    def _pinyin_bigrams(self, plan: QueryPlan) -> dict[str, tuple[str, ...]]:
        if not plan.pinyin:
            return {}
        if self._pinyin_map is None:
            self._pinyin_map = load_pinyin_map(Path(self._ix.storage.folder))
        return {pair: tuple(pinyin_bigrams(self._pinyin_map.get(pair, ""))) for pair in plan.pinyin}

    def close(self) -> None:
        with self._searcher_lock:  # (two threads closing close it once)
            searcher, self._searcher = self._searcher, None
            if searcher is not None:
                self._closes += 1
        if searcher is not None:
            searcher.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _get_searcher(self):
        searcher = self._searcher
        if searcher is None:
            # Threads sharing this index (zhsearch serve) open one searcher: each
            # opening its own left all but the last unclosed by close().
            with self._searcher_lock:
                if self._searcher is None:
                    from whoosh import scoring

                    try:
                        self._searcher = open_searcher(self._ix, scoring.BM25F(B=self.ranking.bm25_b,
                                                                               K1=self.ranking.bm25_k1))
                    except _READ_ERRORS as exc:
                        raise self._unreadable(exc) from exc
                searcher = self._searcher
        return searcher

    def _warnings(self) -> tuple[str, ...]:
        """What a search of this index reports besides its hits: that its last
        update did not finish (killed, a power cut).  Searches of it go on
        (Whoosh's commit is atomic), but its passages may not be the corpus's,
        until the next ``zhsearch index`` builds it again.  Asked at every search
        while the generation was unsealed when opened: a server's index outlives
        the update it was opened during."""
        if not unsealed(self.meta):
            return ()
        from zhsearch.storage.layout import read_meta, writer_active

        gen = Path(self._ix.storage.folder)
        try:
            if writer_active(self.path) or not unsealed(read_meta(gen, manifest=False)):
                return ()  # an update under way (searched as its last commit left it), or sealed since
        except IndexCorruptError:
            return ()  # replaced meanwhile: the next open tells
        return (f"the last update of the index at {self.path} did not finish, so its passages may not match "
                f"the corpus; {rebuild_fix(self.path)}",)

    def _frequency(self, searcher):
        """``searcher.doc_frequency`` for the query planner: a damaged term table is the index error."""

        # A question asks for the same few dozen frequencies (term selection,
        # weights, highlights) and the next question many of them again: kept
        # while the searcher is, since a generation's term table never changes.
        if self._frequencies[0] is not searcher:
            self._frequencies = (searcher, {})
        known = self._frequencies[1]
        if len(known) > FREQUENCY_CACHE:
            known.clear()

        def frequency(fieldname: str, term: str) -> int:
            key = (fieldname, term)
            found = known.get(key)
            if found is None:  # (read into a local: another thread may clear the cache meanwhile)
                try:
                    found = known[key] = searcher.doc_frequency(fieldname, term)
                except _READ_ERRORS as exc:
                    raise self._unreadable(exc) from exc
            return found

        return frequency

    def _doc_count(self, searcher) -> int:
        try:
            return searcher.doc_count()
        except _READ_ERRORS as exc:
            raise self._unreadable(exc) from exc

    def _unreadable(self, exc: Exception) -> IndexCorruptError:
        return IndexCorruptError(
            f"index at {self.path} cannot be read ({type(exc).__name__}); {rebuild_fix(self.path)}"
        )

    @property
    def generation(self) -> str:
        """Name of the generation this object reads; a rebuild makes a new one."""
        return Path(self._ix.storage.folder).name

    @_closed_meanwhile
    def document(self, source: str) -> Document | None:
        """The passages of one indexed source (``file`` or ``file.jsonl#id``), or None.

        Only what the index holds is ever returned: the source is looked up as
        an index term, never opened as a path.
        """
        if not isinstance(source, str) or not source or "\x00" in source:
            return None
        try:
            in_file = list(map(read_record, self._get_searcher().documents(file=source.split("#", 1)[0])))
        except _READ_ERRORS as exc:
            raise self._unreadable(exc) from exc
        stored = [p for p in map(StoredPassage.from_fields, in_file) if p.source == source]
        if not stored:
            return None
        stored.sort(key=lambda p: (p.line, p.order))
        passages = tuple(DocumentPassage(p.line, p.heading, p.text, p.page) for p in stored)
        return Document(source, stored[0].title, passages)

    @functools.cached_property
    def manifest(self) -> dict:
        """The metadata with its file manifest (each file's fingerprint and
        passages, the files left out): read when first asked for, since a
        search never needs it (``meta`` holds the rest).  When updates or a
        rebuild have replaced the manifest this index opened with, the live one
        (slightly newer than what this index searches)."""
        from zhsearch.storage.layout import live_generation, read_manifest, read_meta

        gen = Path(self._ix.storage.folder)
        try:
            return {**self.meta, **read_manifest(gen, self.meta)}
        except IndexCorruptError:
            live = live_generation(self.path)
            if live is None or (live == gen and not _moved_on(gen, self.meta)):
                raise  # damaged, not replaced
            return read_meta(live)

    def files(self):
        """Every file the index holds, with its passage count (``zhsearch files``)."""
        from zhsearch.storage.listing import indexed_files

        return indexed_files(self.manifest)

    def skipped_files(self):
        """Every corpus file the index left out, with the reason (``zhsearch files --skipped``)."""
        from zhsearch.storage.listing import skipped_files

        return skipped_files(self.manifest)

    @_closed_meanwhile
    def stats(self) -> dict:
        """What the index holds: files, passages, terms per field, size on disk."""
        searcher = self._get_searcher()
        reader = searcher.reader()
        gen = Path(self._ix.storage.folder)
        try:
            verify_generation(gen, self.meta)  # every byte: stats is how a user checks an index
        except IndexCorruptError:
            if not _moved_on(gen, self.meta):
                raise
            # An update committed since this was opened: the files read are those
            # it opened (kept open), the new ones are checked by whoever opens them.
        sums = self.meta.get("sums")
        size = (sum(size for size, _ in sums.values()) if isinstance(sums, dict)
                else sum(p.stat().st_size for p in gen.iterdir() if p.is_file()))
        try:
            passages, terms = reader.doc_count(), {name: _term_count(reader, name) for name in FIELDS}
        except _READ_ERRORS as exc:
            raise self._unreadable(exc) from exc
        return {
            "index": str(self.path),
            "corpus": self.meta.get("corpus"),
            "built_at": self.meta.get("built_at"),
            "schema_version": self.meta.get("schema_version"),
            "files": len(self.manifest.get("files", {})),
            "passages": passages,
            "terms": terms,
            "size_bytes": size,
            # text left out: page furniture of HTML (characters, by why) and files skipped
            "left_out": {**left_out_total(self.manifest), "files skipped": len(self.manifest.get("skipped", {}))},
        }

    @_closed_meanwhile
    def search(
        self, query: str, limit: int = 10, explain: bool = False, offset: int = 0, per_file: int | None = None
    ) -> SearchResults:
        """Ranked passages for a question as a person would type it.

        The query may use the operators of :mod:`zhsearch.searching.syntax` (``"exact
        phrase"``, ``-word``, ``A OR B``, ``file:glob``).  ``offset`` skips that
        many hits (paging: ranks and ``total`` stay those of the whole ranking);
        ``per_file`` keeps at most that many passages of each source.
        """
        if not isinstance(query, str):
            raise BadQueryError("the query must be text")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise BadQueryError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {limit!r}")
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
            raise BadQueryError(f"offset must be a whole number from 0 to {MAX_OFFSET}, got {offset!r}")
        if per_file is not None and (not isinstance(per_file, int) or isinstance(per_file, bool) or per_file < 1):
            raise BadQueryError(f"per_file must be a whole number of at least 1, got {per_file!r}")
        limit = min(limit, MAX_LIMIT)
        started = time.perf_counter()
        query = _clean_query(query)
        if not query:
            raise BadQueryError(EMPTY_QUERY)
        searcher = self._get_searcher()
        reading, plan, frequency, is_word = self._read_query(searcher, query)
        if plan.empty and not reading.operators:
            suggestions = self._did_you_mean(plan, reading, 0, offset)
            return SearchResults(query, (time.perf_counter() - started) * 1000, 0, (), reading, suggestions,
                                 self._warnings())
        # The rerank always sees the same pool, whatever the limit: the first
        # N hits do not depend on how many are asked for.  Matches beyond the
        # pool (a page past it) follow the pool's, ranked among those read.
        # A page reaches offset + limit hits deep: page k is a slice of one ranking.
        config = self.ranking
        # Our own term selection and weights run outside the read guard (a slip
        # there is a bug, not a damaged index); their lookups are guarded.
        terms = query_terms(plan, frequency, config)
        weights = term_weights(plan, frequency, self._doc_count(searcher), config)
        listing = plan.empty  # only filters: a page of the passages they let through
        allowed, left_out = self._filters(searcher, reading) if not listing else (None, set())

        def hits_of(ranked: list[Scored]) -> list:
            """Copies of one text folded into one hit, at most ``per_file`` of each source."""
            groups = _collapse(ranked)
            return groups if per_file is None else _per_file(groups, per_file)

        counted = None  # the total when not every match is read (see _rank)
        if allowed is not None and not allowed:
            groups, unread = [], 0
        elif listing:  # by file name, then in document order; a page read, never the whole corpus
            want = offset + limit
            while True:
                listed, unread = self._listing(searcher, reading, want)
                groups = hits_of(_records(listed))  # records outside the read guard
                if not unread or len(groups) >= offset + limit or len(listed) < want:
                    break  # (fewer than asked: the page's budget of passages left out is spent)
                want *= 2
        else:
            # Copies of one text fold into one hit: read deeper until the page
            # is full or every match is read.
            take = max(config.candidates, offset + limit)
            while True:
                ranked, unread, counted, _ = self._rank(searcher, terms, plan, weights, take, allowed, left_out,
                                                        reading.ranked)
                groups = hits_of(ranked)
                if not unread or len(groups) >= offset + limit:
                    break
                take = max(2 * take, take + offset + limit - len(groups))
        marked = _highlight_plan(reading, plan, self.segmenter, is_word, frequency, self.lexicon)
        hits = []
        for rank, (best, others) in enumerate(groups[offset : offset + limit], start=offset + 1):
            hits.append(self._make_hit(rank, best, others, plan, explain, searcher, reading, marked))
        # Every match is counted in stage 1 (within the restrictions): the hits
        # of the pool (copies once), and the matches past it, copies apiece —
        # one figure on every page; exact when all matches are read at once.
        total = len(groups) if per_file is not None else counted if counted is not None else len(groups) + unread
        suggestions = self._did_you_mean(plan, reading, total, offset)
        return SearchResults(query, (time.perf_counter() - started) * 1000, total, tuple(hits), reading, suggestions,
                             self._warnings())

    def _read_query(self, searcher, query: str) -> tuple[ParsedQuery, QueryPlan, object, object]:
        """The query read (operators) and planned against this index: its words,
        pinyin pairs and other wordings the index holds."""
        reading = parse_query(query)
        frequency = self._frequency(searcher)
        is_word = lambda word: frequency("words", word) > 0  # noqa: E731
        plan = plan_query(reading.ranked, self.segmenter, is_word=is_word, lexicon=self.lexicon)
        plan = dataclasses.replace(plan, pinyin_bigrams=self._pinyin_bigrams(plan))
        plan = with_regional_readings(plan, lambda word: _indexed(frequency, word))
        return reading, plan, frequency, is_word

    @_closed_meanwhile
    def ranked_pool(self, query: str) -> tuple[list[Scored], int]:
        """The candidates the rerank scores for ``query`` (operators ignored),
        best first, each with its features, and how many of them are the pool
        (the rest, read when few match, rank after it): what ``bench/tune.py``
        fits the rerank's weights on.  Copies are not folded."""
        searcher = self._get_searcher()
        _, plan, frequency, _ = self._read_query(searcher, _clean_query(query))
        if plan.empty:
            return [], 0
        config = self.ranking
        terms = query_terms(plan, frequency, config)
        weights = term_weights(plan, frequency, self._doc_count(searcher), config)
        ranked, _, _, pooled = self._rank(searcher, terms, plan, weights, config.candidates, None, set())
        return ranked, pooled

    def _rank(self, searcher, terms, plan: QueryPlan, weights, take: int, allowed,
              left_out, query: str | None = None) -> tuple[list[Scored], int, int | None, int]:
        """The best ``take`` matches (all of them when twice the pool or fewer
        match, so that copies fold and ``total`` is exact) reranked; how many
        matches were not read; the total to report when not all are read
        (None: all are, and the hits are the total); how many of those ranked
        are the pool.

        The pool is the first ``candidates`` distinct texts by BM25F with their
        copies among them (copies of one text fold into one hit: counted apiece,
        five copies of a corpus would leave the pool a fifth of its texts), so
        the pool, and every hit in it, is the same whatever the limit or page.
        Matches past the pool rank below it.  ``query``: the text the hybrid
        stage compares with the pool's first passages (when the index has vectors)."""
        config = self.ranking
        every = 2 * config.candidates
        limit = max(take, every)
        while True:
            best, sections, count, record = self._stage_one(searcher, terms, limit, allowed, left_out)
            want = len(best) if count <= every else take
            found, pool_end = self._read_pool(best, want, record)
            if pool_end is not None or len(best) >= count:
                break
            limit *= 4  # copies took the pool's places: read deeper for its distinct texts
        pool = found[:pool_end]
        in_pool = {c.docnum for c in pool}
        for docnum, score in sections:
            if docnum not in in_pool:
                pool.append(Scored(docnum, record(docnum), score))
                in_pool.add(docnum)
        rest = [c for c in found[len(found) if pool_end is None else pool_end :] if c.docnum not in in_pool]
        query_terms = QueryTerms(plan, weights, config)  # what every candidate's features read of the query
        ranked = final_scores([rescore(c, plan, weights, config, query_terms) for c in pool], config)
        if query and (stage := self._semantic_stage()):
            ranked = stage.rerank(query, ranked, config)
        pooled = len(ranked)
        counted = None if count <= every else len(_collapse(ranked)) + count - len(pool)
        if rest:
            top = max((c.base for c in ranked), default=0.0)
            floor = ranked[-1].score if ranked else None
            below = final_scores([rescore(c, plan, weights, config, query_terms) for c in rest], config, top=top)
            for c in below:  # past the pool: ranked among themselves, never above its last hit
                if floor is not None and c.score > floor:
                    c.score = floor
            ranked += below
        return ranked, count - len(pool) - len(rest), counted, pooled

    def _record(self, read, docnum: int) -> StoredPassage:
        """One passage's stored record (``read``: :func:`stored_fields_reader`'s): a damaged
        segment fails here as the index error; a field missing in the record is our bug
        (a renamed field), outside the guard."""
        try:
            fields = read_record(read(docnum))
        except _READ_ERRORS as exc:
            raise self._unreadable(exc) from exc
        return StoredPassage.from_fields(fields)

    def _read_pool(self, best, want: int, record) -> tuple[list[Scored], int | None]:
        """Candidates of ``best`` in order, at least ``want`` and until the pool
        holds ``candidates`` distinct texts; and where the pool ends (None: it
        did not fill)."""
        found: list[Scored] = []
        keys: set[str] = set()
        pool_end = None
        for docnum, score in best:
            if pool_end is not None and len(found) >= want:
                break
            passage = record(docnum)
            if pool_end is None and passage.key not in keys:
                if len(keys) == self.ranking.candidates:
                    pool_end = len(found)
                    if len(found) >= want:
                        break
                keys.add(passage.key)
            found.append(Scored(docnum, passage, score))
        return found, pool_end

    # --- the seams a cluster backend (zhsearch.cluster) answers from its shards;
    # the rerank and everything after it are shared ---------------------------

    def _filters(self, searcher, reading: ParsedQuery):
        """``(allowed, left_out)``: the passages the query's operators allow (None: any) and
        those they leave out.  Here sets of docnums; a cluster has its own."""
        if not reading.operators:
            return None, set()
        from zhsearch.searching import restrict  # loaded only for a query with operators

        # The operators' filters read the index through guarded reads: only a
        # read fails as a damaged index, a slip in restrict is a bug.
        return restrict.doc_filters(_GuardedReads(searcher, self._unreadable), reading)

    def _listing(self, searcher, reading: ParsedQuery, want: int) -> tuple[list, int]:
        """A query of only filters: ``(docnum, stored fields, 0.0)`` of the first
        ``want`` passages they let through (by file, then document order), and
        how many more there are."""
        from zhsearch.searching import restrict

        listed, unread = restrict.listing(_GuardedReads(searcher, self._unreadable), reading, want)
        return [(d, f, 0.0) for d, f in listed], unread

    def _stage_one(self, searcher, terms, limit: int, allowed, left_out):
        """Stage 1: ``(best, sections, count, record)`` — the best ``limit``
        matches as ``(docnum, bm25f)``, the passages best matched by their
        heading, how many passages match, and ``record(docnum)``, the stored
        passage of one of them."""
        config = self.ranking
        try:
            # The passages under the headings that best match the question
            # join the pool even when their own text says little of it (the
            # answer under a heading that restates the question).
            matches = match(searcher, terms, limit, "context_bigrams", config.section_candidates,
                            allowed=allowed, excluded=left_out)
            read = stored_fields_reader(searcher)
        except _READ_ERRORS as exc:
            raise self._unreadable(exc) from exc
        return matches.best, matches.sections, matches.count, lambda docnum: self._record(read, docnum)

    def _did_you_mean(self, plan: QueryPlan, reading: ParsedQuery, total: int, offset: int) -> tuple:
        """Corrections, only when the search found little: nothing, or a query
        bigram the corpus never holds (an ordinary search costs one lookup a bigram)."""
        if offset or reading.operators or not _found_little(plan.normalized, total, self._frequency(self._get_searcher())):
            return ()
        return self._get_suggester().did_you_mean(plan.normalized, plan.concepts, reading.ranked)

    def _get_suggester(self):
        # Kept with the searcher it reads through: one made from a searcher that
        # another thread's close() took out meanwhile is made again, never kept.
        searcher = self._get_searcher()
        made_for, suggester = self._suggester or (None, None)
        if made_for is not searcher:
            from zhsearch.searching.suggest import Suggester

            suggester = Suggester(searcher, self.segmenter, Path(self._ix.storage.folder), _READ_ERRORS, self._unreadable)
            self._suggester = (searcher, suggester)
        return suggester

    @_closed_meanwhile
    def suggest(self, prefix: str, limit: int = 8) -> tuple:
        """Continuations of what is being typed, from the corpus's words, most found first.

        >>> idx.suggest("上门")[0].text                   # doctest: +SKIP
        '上门取证'
        """
        if not isinstance(prefix, str):
            raise BadQueryError("the prefix must be text")
        return self._get_suggester().complete(_clean_query(prefix)[:MAX_LIMIT], limit=limit)

    def _term_scores(self, best: Scored, plan: QueryPlan, searcher) -> list[dict]:
        """Each query term's BM25F share of ``best``'s stage-1 score (``--explain``)."""
        return _term_contributions(best, plan, searcher, self.ranking, self._unreadable, self._frequency(searcher))

    def _make_hit(
        self, rank, best: Scored, others, plan: QueryPlan, explain, searcher,
        reading: ParsedQuery | None = None, marked: QueryPlan | None = None,
    ) -> Hit:
        passage = best.passage
        explanation = None
        if explain:
            explanation = _explanation(best, plan, self.scoring, self._term_scores(best, plan, searcher))
        return Hit(
            rank=rank,
            score=round(best.score, 4),
            source=passage.source,
            title=passage.title,
            line=passage.line,
            text=passage.text,
            highlights=tuple(_highlights(passage.text, marked or plan, reading)),
            heading=passage.heading,
            also=tuple(location(o.passage.source, o.passage.line, o.passage.page, o.passage.column) for o in others),
            explanation=explanation,
            page=passage.page,
            column=passage.column,
        )


def _records(found) -> list[Scored]:
    """``(docnum, stored fields, bm25f)`` as candidates holding typed records."""
    return [Scored(docnum, StoredPassage.from_fields(fields), base) for docnum, fields, base in found]


def open_index(index_dir: str | os.PathLike, ranking: RankingConfig = DEFAULT_RANKING, semantic: bool = True) -> Index:
    """Open a built index for searching (``semantic=False``: leave its passage vectors unused).

    Raises IndexMissingError, IndexVersionError or IndexCorruptError with a
    message that says how to fix it.
    """
    return Index(index_dir, ranking, semantic=semantic)


# What reading a damaged or foreign index raises (Whoosh, our term table, the
# stored fields' pickles and zlib, the OS).
class _GuardedReads:
    """The index reads the operators' filters make (``restrict``), each
    turning a damaged index's error into IndexCorruptError — and nothing else:
    what restrict does with what it read is outside the guard."""

    def __init__(self, searcher, unreadable):
        self._searcher, self._unreadable = searcher, unreadable

    def _read(self, read):
        try:
            return read()
        except _READ_ERRORS as exc:
            raise self._unreadable(exc) from exc

    def stored_fields(self, docnum: int) -> dict:
        return self._read(lambda: read_record(self._searcher.stored_fields(docnum)))

    def docs_for_query(self, query) -> list[int]:
        return self._read(lambda: list(self._searcher.docs_for_query(query)))

    def holding_all(self, fieldname: str, texts) -> set[int]:
        """The passages holding every one of ``texts`` (:func:`retrieve.holding_all`)."""
        return self._read(lambda: holding_all(self._searcher, fieldname, texts))

    def field_terms(self, fieldname: str) -> list[str]:
        return self._read(lambda: list(self._searcher.reader().field_terms(fieldname)))

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self._read(lambda: self._searcher.doc_frequency(fieldname, text))

    def live_count(self, fieldname: str, text: str) -> int:
        """How many passages not deleted hold the term (``doc_frequency`` counts
        the deleted ones an update leaves in a segment it did not rewrite)."""
        reader = self._read(self._searcher.reader)
        if not self._read(reader.has_deletions):
            return self.doc_frequency(fieldname, text)
        from whoosh.query import Term

        return len(self.docs_for_query(Term(fieldname, text)))

    def iter_docs(self):
        """``(docnum, stored fields)`` of every live passage, each record checked whole."""
        docs = self._read(lambda: iter(self._searcher.reader().iter_docs()))

        def next_doc():
            item = next(docs, None)
            return item if item is None else (item[0], read_record(item[1]))

        while (item := self._read(next_doc)) is not None:
            yield item


def _indexed(frequency, word: str) -> bool:
    """Every bigram of ``word`` is in the index (a word's rarest part decides)."""
    grams = char_bigrams(word) or [word]
    return all(frequency("bigrams", g) for g in grams)


def _found_little(normalized: str, total: int, frequency) -> bool:
    """Nothing found, or the query holds a Han bigram the corpus never has."""
    if total == 0:
        return True
    for run in HAN_RUN.findall(normalized):  # a lone character has no bigram
        if any(not frequency("bigrams", g) for g in char_bigrams(run)):
            return True
    return False


def _clean_query(query: str) -> str:
    # Control characters, NUL and lone surrogates carry no meaning in a question.
    cleaned = "".join(
        " " if (ch < " " or "\ud800" <= ch <= "\udfff" or ch == "\x7f") else ch for ch in query
    )
    return " ".join(cleaned.split())


def query_terms(plan: QueryPlan, doc_frequency, config: RankingConfig = DEFAULT_RANKING) -> list[QueryTerm]:
    """The weighted terms a question is searched with (and explained by), here
    and on a cluster.

    ``doc_frequency(field, term)`` is the index's: a context term in more
    titles and headings than ``config.context_max_df`` is not searched (see below).
    """
    # A two-character Han word is also a bigram term and finds the same
    # passages: searching it twice only costs time (the rerank, not BM25, decides
    # between them).  A lone character (诗, 月) has enormous posting lists and
    # says little next to the question's other terms: it is searched only when
    # the question has nothing longer.  Longer words and Latin/digit words go to
    # the word field.
    longer = [w for w in plan.words if len(w) > 2 or (w.isascii() and len(w) > 1)]
    singles = [w for w in plan.words if len(w) == 1]
    long_words = longer + (singles if not (longer or any(len(b) == 2 for b in plan.bigrams)) else [])
    terms = []
    for name, values in (
        ("words", long_words),
        ("bigrams", plan.bigrams),
        # The context is searched so that the paragraphs under a heading (or
        # title) that names a term come in even when they do not repeat it.  A
        # term in more headings than a rerank pool holds cannot bring those
        # in on its own (it would fill the pool with weak matches), and
        # its long posting list is most of a query's cost on a large corpus:
        # it is left to the rerank, which still credits it in the heading.
        # A term found in no passage's text (a word only titles hold) is searched whatever its count:
        # nothing else would find those passages.
        ("context_bigrams", [b for b in plan.bigrams if doc_frequency("context_bigrams", b) <= config.context_max_df
                             or not doc_frequency("bigrams", b)]),
    ):
        terms.extend(QueryTerm(name, value, config.boost(name)) for value in values)
    # A pinyin pair is searched as the indexed bigrams that sound so.
    homophones = {b for bigrams in plan.pinyin_bigrams.values() for b in bigrams}
    terms.extend(QueryTerm("bigrams", b, config.pinyin_boost) for b in sorted(homophones))
    # Related terms of the lexicon bring in passages that say the same thing
    # in other words, at a fraction of the weight.
    related = plan.related_terms
    # A two-character term is its own bigram; longer ones are left to the word
    # field, as their bigrams alone (个人, 记录) would bring in noise.
    for t in related:
        field = "bigrams" if is_bigram_word(t) else "words"
        terms.append(QueryTerm(field, t, config.boost(field) * config.related_boost))
    return terms


def _highlight_plan(reading: ParsedQuery, plan: QueryPlan, segmenter, is_word, frequency, lexicon) -> QueryPlan:
    """What lights up word by word: the ranked words, less the runs (a phrase
    lights up only where it stands whole)."""
    if not reading.required:
        return plan
    loose = plan_query(reading.loose, segmenter, is_word=is_word, lexicon=lexicon)
    return with_regional_readings(loose, lambda word: _indexed(frequency, word))


def _highlights(text: str, plan: QueryPlan, reading: ParsedQuery | None) -> list[tuple[int, int]]:
    spans = highlight_spans(text, plan)
    if reading is None or not reading.required:
        return spans
    from zhsearch.searching.restrict import run_spans

    runs = [run for group in reading.required for run in group]
    return merge_spans(spans + run_spans(text, runs))


def _per_file(groups, per_file: int):
    """At most ``per_file`` groups of each source, in rank order (Meilisearch's ``distinct``)."""
    seen: dict[str, int] = {}
    kept = []
    for best, others in groups:
        source = best.passage.source
        seen[source] = seen.get(source, 0) + 1
        if seen[source] <= per_file:
            kept.append((best, others))
    return kept


def _collapse(ranked: list[Scored]) -> list[tuple[Scored, list[Scored]]]:
    """One group per distinct passage text, in rank order; copies listed under the best."""
    groups: dict[str, tuple[Scored, list[Scored]]] = {}
    for candidate in ranked:
        key = candidate.passage.key
        if key in groups:
            groups[key][1].append(candidate)
        else:
            groups[key] = (candidate, [])
    return list(groups.values())


def _term_contributions(best: Scored, plan: QueryPlan, searcher, config: RankingConfig, unreadable, frequency) -> list[dict]:
    """Per-term BM25F contributions to ``best`` by field (Whoosh's own matcher of each term)."""
    from whoosh.query import Term

    contributions = []
    for term in query_terms(plan, frequency, config):
        try:  # each term's postings read again: only these reads are guarded
            matcher = Term(term.fieldname, term.text, boost=term.boost).matcher(searcher)
            if not matcher.is_active():
                continue
            matcher.skip_to(best.docnum)
            if not (matcher.is_active() and matcher.id() == best.docnum):
                continue
            value = matcher.score()
        except _READ_ERRORS as exc:
            raise unreadable(exc) from exc
        contributions.append({"field": term.fieldname, "term": term.text, "score": round(value, 4)})
    return contributions


def _explanation(best: Scored, plan: QueryPlan, config: RankingConfig, contributions: list[dict]) -> dict:
    """The stage-1 score and its terms, plus every rerank feature (in FEATURES order)."""
    return {
        "bm25f": round(best.base, 4),
        "terms": contributions,
        "features": {name: round(value, 4) for name, value in best.features.items()},
        # what each feature adds to the log score (coverage: its log, weight 1)
        "contributions": feature_contributions(best.features, config),
        "matched": matched_terms(plan, best.context, config) if best.context else {},  # not reranked: {}
        "intents": [intent.name for intent in plan.intents],
        "score": round(best.score, 4),
        "formula": score_formula(config),
    }


def _moved_on(gen: Path, meta: dict) -> bool:
    """An update is writing into ``gen`` or has committed since ``meta`` was read."""
    from zhsearch.storage.layout import read_meta, writer_active

    try:
        return writer_active(gen.parent) or read_meta(gen, manifest=False) != meta
    except IndexCorruptError:
        return False


def _term_count(reader, fieldname: str) -> int:
    """Distinct terms of a field (0 for a field with none).  A read error is the
    caller's to report: counted as 0, a damaged term table looked like an empty one."""
    return sum(1 for _ in reader.lexicon(fieldname))
