"""What a search asks of Whoosh's ``Searcher``, without importing ``whoosh.searching``.

``whoosh.searching`` imports ``whoosh.query``, ``whoosh.highlight`` and
``whoosh.classify`` (English morphology tables, HTML entities …): 241 → 213 ms
of a cold ``zhsearch search`` in an A/B (docs/benchmarks.md), for a ranking that
reads postings, frequencies and stored records straight from the reader
(``searching.retrieve``).  :class:`LeanSearcher` answers those questions for an
index of one segment with Whoosh's own code for them (the figures are the
same); anything else — ``docs_for_query`` for a filter or a suggestion,
``documents`` for a document's view — goes to a Whoosh ``Searcher`` over the
same reader, made the first time it is needed.
"""

from __future__ import annotations


def open_searcher(ix, weighting):
    """A searcher of Whoosh's index ``ix``: it answers as ``ix.searcher(weighting=…)`` would."""
    reader = ix.reader()
    if reader.is_atomic():
        return LeanSearcher(reader, weighting, ix)
    from whoosh.searching import Searcher  # several segments: Whoosh's sub-searchers

    return Searcher(reader, weighting=weighting, fromindex=ix)


class LeanSearcher:
    """Whoosh's ``Searcher`` for one segment: its methods the ranking uses,
    as Whoosh writes them; the rest from a Whoosh ``Searcher`` made on demand."""

    def __init__(self, reader, weighting, ix=None):
        self.ixreader = reader
        self.weighting = weighting
        self.schema = reader.schema
        self.is_closed = False
        self._ix = ix
        self._doccount = reader.doc_count_all()
        self._idf_cache: dict = {}
        self._whoosh = None

    def reader(self):
        return self.ixreader

    def is_atomic(self) -> bool:
        return True

    def has_parent(self) -> bool:
        return False

    def get_parent(self):
        return self

    def leaf_searchers(self):
        return [(self, 0)]

    def doc_count(self) -> int:
        return self.ixreader.doc_count()

    def doc_count_all(self) -> int:
        return self._doccount

    def field_length(self, fieldname: str) -> int:
        return self.ixreader.field_length(fieldname)

    def avg_field_length(self, fieldname: str, default=None):
        if not self.schema[fieldname].scorable:
            return default
        return self.field_length(fieldname) / (self._doccount or 1)

    def idf(self, fieldname: str, text) -> float:
        key = (fieldname, text)
        if key not in self._idf_cache:
            self._idf_cache[key] = self.weighting.idf(self, fieldname, text)
        return self._idf_cache[key]

    def doc_frequency(self, fieldname: str, text) -> int:
        return self.ixreader.doc_frequency(fieldname, text)

    def term_info(self, fieldname: str, text):
        return self.ixreader.term_info(fieldname, text)

    def stored_fields(self, docnum: int):
        return self.ixreader.stored_fields(docnum)

    def close(self) -> None:
        if self._whoosh is not None:
            self._whoosh.close()  # made with closereader=False: the reader is closed once, here
        self.ixreader.close()
        self.is_closed = True

    def __getattr__(self, name: str):
        if name.startswith("__"):  # (copy, pickle and the like probe for these)
            raise AttributeError(name)
        whoosh_searcher = self.__dict__.get("_whoosh")
        if whoosh_searcher is None:  # (two threads may each make one: it holds nothing, the loser is dropped)
            from whoosh.searching import Searcher

            whoosh_searcher = self._whoosh = Searcher(self.ixreader, weighting=self.weighting, closereader=False,
                                                      fromindex=self._ix)
        return getattr(whoosh_searcher, name)
