"""Stage 1 term at a time (searching.retrieve) scores as Whoosh's own collector does."""

import shutil

import pytest
from whoosh.query import Or, Term

import zhsearch
from zhsearch.searching.retrieve import QueryTerm, match
from zhsearch.searching.search import query_terms
from zhsearch.searching.query import plan_query

from conftest import CORPUS

QUESTIONS = ["九千会上门吗", "网贷逾期上门取证怎么办", "逾期9000元会不会上门", "催收 律师函", "上门"]


def _updated(tmp_path_factory, change):
    """The shipped corpus indexed, then ``change(corpus)`` and an update that keeps
    the segment it deletes from as it is (an update merges what it deletes from:
    here it must not)."""
    root = tmp_path_factory.mktemp("updated")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    zhsearch.build_index(corpus, root / "index")
    change(corpus)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("zhsearch.storage.build.merge_segments", lambda writer, segments: segments)
        zhsearch.build_index(corpus, root / "index")
    return zhsearch.open_index(root / "index")


def _edit_one(corpus):
    edited = sorted(corpus.glob("*.txt"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\n网贷逾期九千元，催收会上门吗？一般不会。\n", encoding="utf-8")


@pytest.fixture(scope="module")
def two_segments(tmp_path_factory):
    """The shipped corpus indexed, then one file edited: two segments, the old one with deleted passages."""
    idx = _updated(tmp_path_factory, _edit_one)
    yield idx
    idx.close()


def _terms(idx, question):
    searcher = idx._get_searcher()
    frequency = lambda field, term: searcher.doc_frequency(field, term)  # noqa: E731
    return query_terms(plan_query(question, idx.segmenter, is_word=lambda w: frequency("words", w) > 0), frequency)


def _or(terms):
    """The question's terms as Whoosh's own query: what its collector scores."""
    return Or([Term(t.fieldname, t.text, boost=t.boost) for t in terms])


def _whoosh(searcher, terms, limit, **within):
    return [(hit.docnum, hit.score) for hit in searcher.search(_or(terms), limit=limit, **within)]


def test_the_index_under_test_has_deleted_passages_in_an_older_segment(two_segments):
    leaves = two_segments._get_searcher().leaf_searchers()
    assert len(leaves) == 2 and leaves[0][0].reader().deleted_docs_set


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("limit", [1, 10, 70, 1000])
def test_the_best_passages_and_their_scores_are_whooshs(two_segments, question, limit):
    searcher = two_segments._get_searcher()
    terms = _terms(two_segments, question)
    found = match(searcher, terms, limit, "context_bigrams", 5)
    expected = _whoosh(searcher, terms, limit)
    _same(found.best, expected)
    assert found.count == len(searcher.search(_or(terms), limit=None))  # every match, deleted ones never
    # the passages best matched by their heading, each with its score by every term
    sections = [t for t in terms if t.fieldname == "context_bigrams"]
    scores = dict(_whoosh(searcher, terms, None))
    _same(found.sections, [(d, scores[d]) for d, _ in _whoosh(searcher, sections, 5)] if sections else [])


def _same(found, expected):
    assert [d for d, _ in found] == [d for d, _ in expected] and len(found) == len(expected)
    assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=1e-12)


def test_the_filters_keep_and_drop_as_whooshs_filter_and_mask(two_segments):
    searcher = two_segments._get_searcher()
    terms = _terms(two_segments, "网贷逾期会上门吗")
    everything = [d for d, _ in match(searcher, terms, 1000, "context_bigrams", 5).best]
    allowed, excluded = set(everything[::2]), set(everything[:4])
    found = match(searcher, terms, 1000, "context_bigrams", 5, allowed=allowed, excluded=excluded)
    assert [d for d, _ in found.best] == [d for d, _ in _whoosh(searcher, terms, 1000, filter=allowed, mask=excluded)]
    assert {d for d, _ in found.best} == allowed - excluded and found.count == len(allowed - excluded)


def test_a_term_the_index_never_saw_matches_nothing(two_segments):
    found = match(two_segments._get_searcher(), [QueryTerm("bigrams", "龘龘")], 10, "context_bigrams", 5)
    assert (found.best, found.sections, found.count) == ([], [], 0)


def test_ties_go_to_the_earlier_passage(two_segments):
    """Two copies of one text score alike: the one indexed first comes first, as in Whoosh."""
    searcher = two_segments._get_searcher()
    found = match(searcher, [QueryTerm("bigrams", "上门")], 1000, "context_bigrams", 5).best
    assert any(s1 == s2 for (_, s1), (_, s2) in zip(found, found[1:]))  # the corpus repeats an article
    for (d1, s1), (d2, s2) in zip(found, found[1:]):
        assert s1 > s2 or (s1 == s2 and d1 < d2)
    _same(found, _whoosh(searcher, [QueryTerm("bigrams", "上门")], 1000))


@pytest.mark.parametrize("weighting", ["BM25F", "TF_IDF", "Frequency", "PL2"])
def test_any_whoosh_weighting_scores_as_in_whoosh(two_segments, weighting):
    """BM25F takes the formula's fast path (WeightLengthScorer), any other model its scorer's own score()."""
    from whoosh import scoring

    terms = _terms(two_segments, "网贷逾期九千会上门吗")
    with two_segments._ix.searcher(weighting=getattr(scoring, weighting)()) as searcher:
        _same(match(searcher, terms, 50, "context_bigrams", 5).best, _whoosh(searcher, terms, 50))


def test_bm25f_over_raw_postings_scores_as_the_posting_at_a_time_path_to_the_last_bit(two_segments, monkeypatch):
    """The length-table path (raw blocks, deleted passages skipped) is taken, and
    equals Whoosh's formula called a posting at a time, score for score."""
    from zhsearch.searching import retrieve

    searcher = two_segments._get_searcher()
    taken = []
    fast_path = retrieve._add_bm25f
    monkeypatch.setattr(retrieve, "_add_bm25f", lambda *args: taken.append(1) or fast_path(*args))
    for question in QUESTIONS:
        terms = _terms(two_segments, question)
        fast = match(searcher, terms, 1000, "context_bigrams", 5)
        with monkeypatch.context() as patch:
            patch.setattr(retrieve, "_blocks", lambda matcher: None)
            slow = match(searcher, terms, 1000, "context_bigrams", 5)
        assert fast == slow
    assert taken


def test_length_codes_are_the_segments_field_lengths(two_segments):
    from whoosh.util.numeric import byte_to_length

    from zhsearch.searching.retrieve import _length_codes

    searcher = two_segments._get_searcher()
    for leaf, _ in searcher.leaf_searchers():
        reader = leaf.reader()
        codes = _length_codes(searcher, reader, "bigrams")
        assert len(codes) == reader.doc_count_all()
        for docnum in range(reader.doc_count_all()):
            if codes[docnum]:
                assert byte_to_length(codes[docnum]) == reader.doc_field_length(docnum, "bigrams")


def test_stored_records_read_from_their_segments_are_whooshs(two_segments):
    from zhsearch.storage.stored import stored_fields_reader

    searcher = two_segments._get_searcher()
    read = stored_fields_reader(searcher)
    assert all(read(d) == searcher.stored_fields(d) for d in range(searcher.doc_count_all()))


@pytest.fixture(scope="module")
def one_segment_with_deletions(tmp_path_factory):
    """The shipped corpus indexed, then one file removed: its passages deleted in the one
    segment (an update rewrites a segment only past a share of deletions)."""
    idx = _updated(tmp_path_factory, lambda corpus: sorted(corpus.glob("*.txt"))[2].unlink())
    yield idx
    idx.close()


@pytest.mark.parametrize("which", ["fresh", "with deletions"])
def test_a_one_segment_index_is_searched_by_the_lean_searcher_with_whooshs_figures(idx, one_segment_with_deletions,
                                                                                    which):
    """searching.searcher.LeanSearcher (no whoosh.searching imported) gives Whoosh's
    own Searcher's statistics, and stage 1 over it Whoosh's collector's hits."""
    from whoosh.searching import Searcher

    from zhsearch.searching.searcher import LeanSearcher

    idx = idx if which == "fresh" else one_segment_with_deletions
    searcher = idx._get_searcher()
    deleted = searcher.reader().has_deletions()
    assert deleted == (which == "with deletions") and searcher.reader().is_atomic()
    assert isinstance(searcher, LeanSearcher)
    whoosh_searcher = Searcher(searcher.reader(), weighting=searcher.weighting, closereader=False)
    for question in QUESTIONS:
        terms = _terms(idx, question)
        _same(match(searcher, terms, 1000, "context_bigrams", 5).best, _whoosh(whoosh_searcher, terms, 1000))
        assert [searcher.idf(t.fieldname, t.text) for t in terms] == [whoosh_searcher.idf(t.fieldname, t.text)
                                                                      for t in terms]
    for field in searcher.schema.names():
        assert searcher.avg_field_length(field) == whoosh_searcher.avg_field_length(field), field
    assert (searcher.doc_count(), searcher.doc_count_all()) == (whoosh_searcher.doc_count(),
                                                                whoosh_searcher.doc_count_all())
    assert searcher.documents(file=searcher.stored_fields(0)["file"])  # the rest: Whoosh's Searcher, made on demand


def test_the_lean_searcher_closes_its_reader_once(index_dir):
    idx = zhsearch.open_index(index_dir)
    assert len(idx.search("上门 file:0*", limit=3))  # a filter: Whoosh's Searcher made beside it
    assert idx.search("上们催收").suggestions  # did-you-mean: its suggester reads through the searcher
    searcher = idx._get_searcher()
    idx.close()
    assert searcher.is_closed and searcher.reader().is_closed
    # used again: a new searcher, and did-you-mean and completion with it, not with the closed one
    assert idx.search("上们催收").suggestions and idx.suggest("上门")
    idx.close()


def test_a_file_listing_counts_no_deleted_passage(one_segment_with_deletions):
    idx = one_segment_with_deletions
    live = {}
    for docnum, fields in idx._get_searcher().reader().iter_docs():
        live[fields["file"]] = live.get(fields["file"], 0) + 1
    assert len(live) == 4  # the shipped corpus less one file (named 00…, as every one)
    first = idx.search("file:00", limit=1)  # one passage read, the others counted by file
    assert first.total == sum(live.values())
