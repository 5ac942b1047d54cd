"""Searching a cluster: the local index's search, with stage 1 answered by the shards.

:class:`ClusterIndex` is an :class:`~zhsearch.searching.search.Index` whose
stage 1 (``_stage_one``), operator filters (``_filters``, ``_listing``) and
term statistics come from the cluster's distributed table; parsing, the query
plan, the rerank, folding copies, paging and highlights are the local index's
own code.  When opened, it reads the lexicon the cluster was loaded with
(``cluster.lexicon``).  Per query the client sends (docs/scale.md):

1. one round trip for the document frequencies of the query's terms (a
   ``MATCH`` of their keywords, then ``SHOW META``), the passage count and
   the ranked fields' total lengths; a term the plan asks about later (a
   regional reading) costs one more;
2. one round trip for the candidates: a weighted ``MATCH`` of every term
   (an OR, which each shard ranks by its own approximation of BM25F), the
   phrases as ANDed bigram phrases, the exclusions as NOTs, ``file:`` as an
   attribute filter — and the passages best matched by their headings; each
   comes back with its stored fields, field lengths and the engine's
   per-keyword factors, and ``SHOW META`` gives every keyword's document
   frequency over all the shards.  The client scores each candidate as the
   local index would, with those statistics (zhsearch.cluster.scoring), and
   keeps the best: twice as many are fetched as are kept;
3. (sometimes) one more for the total score of a heading match that is not
   among the candidates.

A shard that does not answer leaves its passages out: the distributed table
answers from the others (or the shard's mirror) and the results carry the
engine's warning.  A query typed in pinyin costs one more round trip: the
bigrams it sounds like are read from passages whose ``pinyin`` field holds it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields

from zhsearch.cluster.client import Connection, file_groups, literal, meta
from zhsearch.cluster.config import ClusterConfig, load_config
from zhsearch.cluster.filters import PushedFilters
from zhsearch.cluster.lexicon import PASSAGES, read_lexicon
from zhsearch.cluster.rows import STORED_COLUMNS, file_id, keyword, stored_fields
from zhsearch.cluster.scoring import (LENGTH_COLUMNS, ClusterStatistics, KeywordScorer, keyword_frequencies,
                                      weighted_keywords)
from zhsearch.errors import BadQueryError, ClusterUnavailableError
from zhsearch.searching.query import QueryPlan
from zhsearch.searching.rank import DEFAULT_RANKING, RankingConfig
from zhsearch.searching.search import (MAX_LIMIT, MAX_OFFSET, Document, DocumentPassage, Index, SearchResults,
                                       query_terms)
from zhsearch.searching.syntax import ParsedQuery
from zhsearch.storage.stored import StoredPassage
from zhsearch.text.analyzer import analyze, char_bigrams
from zhsearch.text.normalize import HAN_RUN, fold_text

SCORE_SCALE = 10_000  # the expression ranker's weight is an integer: BM25F × this (its order is all that is used)
MIRROR_RETRIES = 2  # statements sent again when a mirrored shard's replica did not answer
PINYIN_PASSAGES = 100  # passages a pinyin pair's bigrams are read from
LISTED_MAX = MAX_OFFSET + MAX_LIMIT  # a query of only filters lists at most this many passages
CANDIDATE_MARGIN = 2  # candidates the shards choose, for each one kept after the client scores them
_COLUMNS = ", ".join(("id",) + STORED_COLUMNS)
_RANKED_COLUMNS = ", ".join(("id",) + STORED_COLUMNS + LENGTH_COLUMNS + ("packedfactors()",))


# The table's analysed fields, by the local index's field whose boost they carry.
_RANKED_FIELDS = (("words", "words"), ("bigrams", "bigrams"), ("context_bigrams", "context"))


def ranker(config: RankingConfig, statistics: ClusterStatistics) -> str:
    """The engine's ranking expression, which chooses each shard's candidates: BM25F, field by field.

    Only the order matters: the candidates are scored again by the client
    (zhsearch.cluster.scoring), with the whole cluster's statistics.
    Sphinx 2.2 keeps each passage's field lengths (``words_len`` …, from
    ``index_field_lengths``) but not their averages in a real-time table: its
    own ``bm25f()`` then scores every passage 0.5 whenever ``b`` > 0.  So the
    formula is written out over the engine's per-field factors, with the
    averages the client reads: in each field, the matched keywords' IDFs
    times BM25's saturation of their mean frequency at the field's length,
    times the field's boost.  The engine's plain IDF is log(N/n) / (2 log(N+1));
    Whoosh's, log(N/(n+1)) + 1: the sum is scaled back and each matched
    keyword adds its 1 (N: the cluster's passage count).  The field is told
    apart by its weight (``FIELD_IDS``), the only per-field value the
    engine's ``sum()`` can read.
    """
    k1, b = config.bm25_k1, config.bm25_b
    scale = 2 * math.log(statistics.passages + 1)
    parts = []
    for field, table in _RANKED_FIELDS:
        tf = "(hit_count/word_count)"
        average = max(statistics.average_length(table), 1e-3)
        norm = f"({1 - b:g}+{b:g}*{table}_len/{average:.4f})"
        parts.append((FIELD_IDS[table], f"{config.boost(field):g}*(sum_idf*{scale:.4f}+word_count)*{tf}*{k1 + 1:g}/({tf}+{k1:g}*{norm})"))
    expression = "0"
    for field_id, part in reversed(parts):
        expression = f"if(user_weight=={field_id},{part},{expression})"
    return f"{SCORE_SCALE}*sum({expression})"


FIELD_IDS = {"words": 1, "bigrams": 2, "context": 3, "pinyin": 4}
# Plain IDF, log(N/n): the engine's default subtracts, and goes below zero for a
# term in over half the passages (common on a small corpus); field weights name the fields.
RANK_OPTIONS = ("idf='plain,tfidf_unnormalized', field_weights=("
                + ",".join(f"{name}={number}" for name, number in FIELD_IDS.items()) + ")")


@dataclass(frozen=True)
class ClusterResults(SearchResults):
    """:class:`SearchResults` of a cluster (a class of its own for ``isinstance``):
    its ``warnings`` also name a shard that did not answer."""


class _ClusterSearcher:
    """One search's view of the cluster: its round trips, term statistics and warnings."""

    def __init__(self, index: "ClusterIndex"):
        self._index = index
        self.table = index.config.table
        self.frequencies: dict[tuple[str, str], int] = {}
        self.warnings: list[str] = []
        self._count: int | None = None
        self.statistics = ClusterStatistics(0, {})  # the passage count and fields' total lengths
        # stage 1's scorer of every term, and what the shards said of each candidate it
        # scored (keywords' tf by place, field lengths): what --explain's terms are read from
        self.scorer: KeywordScorer | None = None
        self.factors: dict[int, tuple[dict[int, int], dict[str, int]]] = {}

    def query(self, *statements: str) -> list:
        """Run statements on the distributed table.  A shard that did not answer is
        warned of; when it has mirrors the statements are sent again (Sphinx 2.2 tries
        one mirror a query and learns which are down only from its pings)."""
        for _ in range(1 + MIRROR_RETRIES):
            results = self._index._query(*statements)
            warned = [row[1] for rows in results for row in rows
                      if len(row) == 2 and row[0] == "warning" and isinstance(row[1], str)]
            self.warnings.extend(w for w in dict.fromkeys(warned) if w not in self.warnings)
            if not any(self._index.mirrored(w) for w in warned):
                break
        return results

    def lookup(self, pairs, count: bool = False) -> None:
        """Fetch the document frequencies of ``(field, term)`` pairs in one round trip."""
        wanted = {keyword(f, t): (f, t) for f, t in pairs if (f, t) not in self.frequencies}
        statements = []
        if count:
            # 64-bit sums whatever the cluster's size (Sphinx 2.2 computes on a uint column in 32 bits: a product wraps)
            totals = ", ".join(f"SUM(BIGINT({column}))" for column in LENGTH_COLUMNS)
            statements.append(f"SELECT COUNT(*), {totals} FROM {self.table} WHERE {PASSAGES}")
        if wanted:
            clause = " | ".join(wanted)
            statements += [f"SELECT id FROM {self.table} WHERE MATCH({literal(clause)}) LIMIT 1 OPTION ranker=none",
                           "SHOW META"]
        if not statements:
            return
        results = self.query(*statements)
        if count:
            row = results[0][0] if results[0] else (0,) + (0,) * len(LENGTH_COLUMNS)
            self._count = int(row[0])
            self.statistics = ClusterStatistics(self._count, {
                column[: -len("_len")]: int(float(total or 0)) for column, total in zip(LENGTH_COLUMNS, row[1:])})
        if wanted:
            _, docs = meta(results[-1])
            for word, pair in wanted.items():
                self.frequencies[pair] = docs.get(word, 0)

    def doc_frequency(self, field: str, term: str) -> int:
        if (field, term) not in self.frequencies:
            self.lookup([(field, term)])
        return self.frequencies[(field, term)]

    def doc_count(self) -> int:
        if self._count is None:
            self.lookup([], count=True)
        return self._count

    def close(self) -> None:
        pass


class ClusterIndex(Index):
    """A cluster opened for searching: the same ``search()`` as a local :class:`Index`.
    Unlike a local one, not to be shared between threads (one connection, the search
    under way kept on the object): open one a thread.

    >>> idx = open_cluster("cluster.toml")              # doctest: +SKIP
    >>> idx.search("九千会上门吗", limit=3)[0].source     # doctest: +SKIP
    '004_69b0fd6045c32687.txt'
    """

    def __init__(self, config: ClusterConfig, ranking: RankingConfig = DEFAULT_RANKING):
        from zhsearch.text.lexicon import active_lexicon
        from zhsearch.text.segment import _segmenter_with  # full_segmenter() of a given lexicon

        self.ranking = ranking
        self.config = config
        self.path = config.path
        self.meta = {"cluster": str(config.path)} if config.path else {}
        self._pinyin_map = None
        self._suggester = None
        self._searcher = None
        self._frequencies = (None, {})
        self._connection: Connection | None = None
        self._connect()  # an unreachable cluster is reported when it is opened
        # the lexicon the cluster was loaded with (its user words, related terms, cues):
        # its own, not ZHSEARCH_LEXICON's; a cluster loaded before it was stored: the active one
        stored, self._lexicon_warning = read_lexicon(self._query, config.table)
        self.lexicon = stored or active_lexicon()
        # jieba's own dictionary (a cluster has no compact one) and the lexicon's words
        self.segmenter = _segmenter_with(self.lexicon.user_words)

    # --- the round trips ---------------------------------------------------
    def mirrored(self, warning: str) -> bool:
        """The warning names an agent (``host:api_port``) of a shard that has another replica."""
        return any(f"agent {e.host}:{e.api_port}" in warning
                   for shard in self.config.shards if len(shard.replicas) > 1 for e in shard.replicas)

    def _connect(self) -> Connection:
        if self._connection is None:
            self._connection = Connection(self.config.distributed, f"the distributed table {self.config.table}")
        return self._connection

    def _query(self, *statements: str) -> list:
        """Run statements on the distributed table; a dropped connection (a restarted
        ``searchd``) is opened again once."""
        try:
            return self._connect().query(*statements)
        except ClusterUnavailableError:
            self._drop_connection()
            return self._connect().query(*statements)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        self._drop_connection()

    @property
    def generation(self) -> str:
        return f"cluster:{self.config.table}"

    # --- the local index's search, stage 1 answered here --------------------
    def search(self, query: str, limit: int = 10, explain: bool = False, offset: int = 0,
               per_file: int | None = None) -> ClusterResults:
        """Ranked passages, as :meth:`Index.search`; ``warnings`` names shards that did not answer."""
        searcher = self._searcher = _ClusterSearcher(self)
        if isinstance(query, str):  # the terms a plan asks about, fetched in one round trip
            searcher.lookup(_likely_terms(query[:MAX_LIMIT]), count=True)
        try:
            results = super().search(query, limit=limit, explain=explain, offset=offset, per_file=per_file)
        finally:
            self._searcher = None
        values = {f.name: getattr(results, f.name) for f in fields(SearchResults) if f.name != "warnings"}
        warnings = ((self._lexicon_warning,) if self._lexicon_warning else ()) + tuple(searcher.warnings)
        return ClusterResults(**values, warnings=results.warnings + warnings)

    def _get_searcher(self):
        return self._searcher or _ClusterSearcher(self)

    def _pinyin_bigrams(self, plan: QueryPlan) -> dict[str, tuple[str, ...]]:
        """The bigrams each pinyin pair sounds like, read from the passages that hold one
        (the local index looks them up in its map of every bigram it holds)."""
        if not plan.pinyin:
            return {}
        from zhsearch.text.pinyin import bigram_keys

        table = self.config.table
        results = self._get_searcher().query(*(
            f"SELECT id, norm FROM {table} WHERE MATCH({literal(keyword('pinyin', pair))}) LIMIT {PINYIN_PASSAGES}"
            for pair in plan.pinyin))
        out = {}
        for pair, rows in zip(plan.pinyin, results):
            heard: dict[str, int] = {}
            for _, norm in rows:
                for run in HAN_RUN.findall(norm):
                    for gram in char_bigrams(run):
                        if pair in bigram_keys(gram):
                            heard[gram] = heard.get(gram, 0) + 1
            out[pair] = tuple(sorted(heard, key=lambda g: (-heard[g], g)))
        return out

    def _did_you_mean(self, plan, reading, total, offset) -> tuple:
        return ()

    def suggest(self, prefix: str, limit: int = 8) -> tuple:
        if not isinstance(prefix, str):
            raise BadQueryError("the prefix must be text")
        return ()

    def _term_scores(self, best, plan, searcher) -> list[dict]:
        """Each query term's BM25F share of ``best``'s stage-1 score (``--explain``), as the
        local index lists them, from the factors the shards sent with it."""
        factors, scorer = searcher.factors.get(best.docnum), searcher.scorer
        if factors is None or scorer is None:
            return []
        tfs, lengths = factors
        places = {word.keyword: place for place, word in enumerate(scorer.keywords)}
        out = []
        for term in query_terms(plan, self._frequency(searcher), self.ranking):
            place = places.get(keyword(term.fieldname, term.text))
            if place is not None and tfs.get(place):
                share = scorer.term_score(place, tfs[place], lengths, term.boost)
                out.append({"field": term.fieldname, "term": term.text, "score": round(share, 4)})
        return out

    def _filters(self, searcher, reading: ParsedQuery):
        if not reading.operators:
            return None, set()
        files = None
        if reading.files or reading.excluded_files:
            from zhsearch.searching.restrict import file_matches

            held = self.files(searcher)
            if reading.files:
                files = tuple(i for name, i in held.items() if any(file_matches(name, p) for p in reading.files))
                if not files:
                    return set(), set()  # no file matches: nothing is allowed
            excluded = tuple(i for name, i in held.items() if any(file_matches(name, p) for p in reading.excluded_files))
        else:
            excluded = ()
        runs = tuple(tuple(group) for group in reading.required)
        return PushedFilters(runs, tuple(reading.excluded), files, excluded), set()

    @property
    def manifest(self) -> dict:
        """A cluster keeps no file manifest here: its metadata is all there is."""
        return self.meta

    def files(self, searcher=None) -> dict[str, int]:
        """Every file the cluster holds, with its id."""
        searcher = searcher or _ClusterSearcher(self)
        return {name: int(i) for i, name, _ in file_groups(searcher, self.config.table)}

    def _select(self, where: list[str], order: str = "", limit: int = 0, option: str = "", ranked: bool = False) -> str:
        """A ``SELECT`` of passages' stored fields; ``ranked``: with their field lengths and
        the engine's per-keyword factors, which the client scores them from."""
        clause = " AND ".join(w for w in where + [PASSAGES] if w)
        columns = _RANKED_COLUMNS if ranked else _COLUMNS
        return (f"SELECT {columns} FROM {self.config.table}" + (f" WHERE {clause}" if clause else "")
                + (f" ORDER BY {order}" if order else "") + f" LIMIT {limit} OPTION max_matches={limit}" + option)

    def _stage_one(self, searcher, terms, limit: int, allowed, left_out):
        """The shards choose ``CANDIDATE_MARGIN`` × ``limit`` candidates by their own
        statistics; each is scored again with the cluster's (zhsearch.cluster.scoring),
        and the best ``limit`` kept, as the local index would score them."""
        if not terms:  # a plan of only pinyin nobody's bigrams sound like
            return [], [], 0, None
        config = self.ranking
        filters = allowed if isinstance(allowed, PushedFilters) else PushedFilters()
        required, excluded = filters.match()
        searcher.doc_count()  # and the fields' total lengths
        statistics = searcher.statistics
        rank = f", ranker=expr({literal(ranker(config, statistics))}), {RANK_OPTIONS}"
        keywords = weighted_keywords(terms)  # the OR is written first: its keywords are word0, word1 …
        context = [k for k in keywords if k.field == "context_bigrams"]

        def select(words, count: int, extra: tuple[str, ...] = (), filtered: bool = True) -> str:
            """``filtered``: with the operators' MATCH and filters; else the OR alone
            (of passages already chosen by ``extra``'s ids)."""
            ored = " | ".join(k.matched(config) for k in words)
            match = " ".join(p for p in (f"({ored})", required, excluded) if p) if filtered else f"({ored})"
            return self._select([f"MATCH({literal(match)})", filters.where() if filtered else "", *extra],
                                "weight() DESC, file ASC, page ASC, line ASC, column ASC", count, rank, ranked=True)

        def by_ids(ids) -> tuple[str, ...]:
            return (f"id IN ({','.join(map(str, ids))})",)

        statements = [select(keywords, CANDIDATE_MARGIN * limit), "SHOW META"]
        if context:
            statements += [select(context, CANDIDATE_MARGIN * config.section_candidates)]
        results = searcher.query(*statements)
        values, frequencies = meta(results[1])  # every keyword's passages over all the shards
        if required:
            # A phrase's keywords repeat the OR's, and the engine then counts them twice
            # in PACKEDFACTORS(): the chosen passages' factors are read again, of the OR alone.
            chosen = sorted({row[0] for rows in results[::2] for row in rows})
            if chosen:
                again = {row[0]: row for row in searcher.query(select(keywords, len(chosen), by_ids(chosen), False))[0]}
                results = [[again.get(row[0], row) for row in rows] if i % 2 == 0 else rows
                           for i, rows in enumerate(results)]
        by_every_term = searcher.scorer = KeywordScorer.over(keywords, frequencies, statistics, config)

        def scored(rows, scorer: KeywordScorer) -> tuple[list, int]:
            found, dropped = _candidates(rows, filters, ranked=True)
            if scorer is by_every_term:
                searcher.factors.update((docnum, (tfs, lengths)) for docnum, _, (lengths, tfs) in found)
            rescored = [(docnum, record, scorer.score(tfs, lengths)) for docnum, record, (lengths, tfs) in found]
            return sorted(rescored, key=lambda c: (-c[2], _corpus_order(c[1]))), dropped

        found, dropped = scored(results[0], by_every_term)
        count = int(values.get("total_found", len(found))) - dropped
        by_id = {docnum: (fields_, score) for docnum, fields_, score in found}
        sections = []
        if context:  # the passages best matched by their headings, each with its score by every term
            by_heading = KeywordScorer.over(context, frequencies, statistics, config)
            heading_matches = scored(results[2], by_heading)[0][: config.section_candidates]
            missing = [d for d, _, _ in heading_matches if d not in by_id]
            if missing:
                more = searcher.query(select(keywords, len(missing), by_ids(missing), False))[0]
                by_id.update({d: (f, s) for d, f, s in scored(more, by_every_term)[0]})
            sections = [(d, by_id[d][1]) for d, _, _ in heading_matches if d in by_id]
        best = [(d, score) for d, _, score in found[:limit]]
        return best, sections, max(count, len(best)), lambda docnum: StoredPassage.from_fields(by_id[docnum][0])

    def _listing(self, searcher, reading: ParsedQuery, want: int) -> tuple[list, int]:
        listed = sorted(self._listed(searcher, *self._filters(searcher, reading)),
                        key=lambda row: (row[1]["source"], row[1]["line"], row[1]["order"]))
        return listed[:want], max(0, len(listed) - want)

    def _listed(self, searcher, allowed, left_out) -> list:
        filters = allowed if isinstance(allowed, PushedFilters) else PushedFilters()
        required, _ = filters.match()  # a MATCH of only NOTs cannot be run: the check leaves those out
        where = [f"MATCH({literal(required)})" if required else "", filters.where()]
        rows = searcher.query(self._select(where, "", LISTED_MAX))[0]
        return _candidates(rows, filters)[0]

    # --- documents and stats ------------------------------------------------
    def document(self, source: str) -> Document | None:
        if not isinstance(source, str) or not source or "\x00" in source:
            return None
        rows = _ClusterSearcher(self).query(
            self._select([f"file_id={file_id(source.split('#', 1)[0])}"], "", LISTED_MAX))[0]
        stored = [p for p in (StoredPassage.from_fields(f) for _, f, _ in _candidates(rows, PushedFilters())[0])
                  if p.source == source]
        if not stored:
            return None
        stored.sort(key=lambda p: (p.line, p.order))
        return Document(source, stored[0].title, tuple(DocumentPassage(p.line, p.heading, p.text, p.page) for p in stored))

    def stats(self) -> dict:
        searcher = _ClusterSearcher(self)
        return {"cluster": str(self.config.path), "table": self.config.table, "shards": len(self.config.shards),
                "files": len(self.files(searcher)), "passages": searcher.doc_count(), "warnings": searcher.warnings}


def _candidates(rows, filters: PushedFilters, ranked: bool = False) -> tuple[list, int]:
    """``(docnum, stored fields, extra)`` of the rows that pass ``filters``' exact check,
    and how many did not; ``extra``, of a ranked row: ``(its field lengths by column,
    its keywords' tf by place)``."""
    out, dropped = [], 0
    stored_end = 1 + len(STORED_COLUMNS)
    for row in rows:
        record = stored_fields(dict(zip(STORED_COLUMNS, row[1:stored_end])))
        if not filters.holds(record["norm"]):
            dropped += 1
        elif ranked:
            lengths = {column[: -len("_len")]: int(value) for column, value in zip(LENGTH_COLUMNS, row[stored_end:-1])}
            out.append((row[0], record, (lengths, keyword_frequencies(row[-1]))))
        else:
            out.append((row[0], record, 0.0))  # unranked: a listing's passage, as the local index lists it
    return out, dropped


def _corpus_order(record: dict) -> tuple:
    """Where a passage stands in the corpus: what breaks a tie of scores, as a local
    index built from the corpus breaks it (its passages numbered file by file, in order)."""
    return record["file"], record["page"], record["line"], record["column"], record["order"]


def _likely_terms(query: str) -> list[tuple[str, str]]:
    """The ``(field, term)`` pairs a plan of ``query`` asks the frequency of, most of them."""
    norm = fold_text(query)
    pairs = []
    for token in analyze(norm, "bigrams", normalized=True):
        pairs += [("bigrams", token.text), ("context_bigrams", token.text)]
        if len(token.text) == 1:
            pairs.append(("words", token.text))
    for token in analyze(norm, "words", normalized=True):
        pairs.append(("words", token.text))
    return list(dict.fromkeys(pairs))


def open_cluster(path: str | os.PathLike, ranking: RankingConfig = DEFAULT_RANKING) -> ClusterIndex:
    """Open the cluster CLUSTER.toml describes, for searching (as :func:`open_index` opens a folder).

    Raises ClusterConfigError, ClusterUnavailableError or ClusterTableMissingError
    with a message that says how to fix it.
    """
    return ClusterIndex(load_config(path), ranking)
