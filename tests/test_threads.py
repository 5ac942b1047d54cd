"""One open Index shared by threads, as ``zhsearch serve`` shares it (FastAPI runs
each request in a thread of its pool): every answer is the one a lone search gives."""

import threading
import time

import pytest

import zhsearch
from zhsearch.storage import mapped

QUESTIONS = [
    ("九千会上门吗", {}),
    ("網貸逾期上門取證怎麼辦", {}),
    ("逾期9000元会不会上门", {}),
    ("shangmen cuishou", {}),
    ("上门 file:001*", {}),
    ("九千会上门吗", {"explain": True}),
    ("逾期 上门", {"offset": 10, "limit": 5}),
]
THREADS = 4


def _answer(idx, question, options):
    results = idx.search(question, **options)
    return results.total, [(h.source, h.line, h.column, h.score, h.highlights, h.explanation) for h in results]


def _side_by_side(work, threads=THREADS):
    """``work(k)`` in ``threads`` threads started together; what each returned (or raised)."""
    barrier = threading.Barrier(threads)
    out = [None] * threads

    def run(k):
        barrier.wait()
        try:
            out[k] = work(k)
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            out[k] = exc

    started = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=60)
    return out


@pytest.fixture
def switch_after_seek(monkeypatch):
    """Another thread runs between a seek and the read after it (what a busy
    server's scheduler does now and then), so that a race shows every time."""
    seek = mapped.ViewReader.seek

    def seek_then_yield(self, *args):
        position = seek(self, *args)
        time.sleep(0)
        return position

    monkeypatch.setattr(mapped.ViewReader, "seek", seek_then_yield)


def test_searches_in_several_threads_answer_as_one_thread_does(index_dir, switch_after_seek):
    with zhsearch.open_index(index_dir) as idx:
        expected = [_answer(idx, q, options) for q, options in QUESTIONS]

        def ask_all(k):
            turn = QUESTIONS[k:] + QUESTIONS[:k]  # each thread starts elsewhere
            return [_answer(idx, q, options) for q, options in turn]

        for _ in range(3):
            for k, got in enumerate(_side_by_side(ask_all)):
                assert not isinstance(got, Exception), repr(got)
                assert got == expected[k:] + expected[:k]


def test_threads_that_search_a_fresh_index_open_one_searcher_which_close_closes(index_dir, monkeypatch):
    from zhsearch.searching import search

    opened, open_searcher = [], search.open_searcher

    def open_slowly(ix, weighting):  # the first searches of a server meet while it opens
        time.sleep(0.05)
        opened.append(open_searcher(ix, weighting))
        return opened[-1]

    monkeypatch.setattr(search, "open_searcher", open_slowly)
    idx = zhsearch.open_index(index_dir)
    answers = _side_by_side(lambda k: _answer(idx, *QUESTIONS[k]))
    assert not any(isinstance(a, Exception) for a in answers), answers
    assert len(opened) == 1
    idx.close()
    assert opened[0].is_closed


def test_a_search_whose_index_another_thread_closes_says_so(index_dir, monkeypatch):
    from zhsearch.searching import search

    reached, closed, match = threading.Event(), threading.Event(), search.match

    def match_after_close(*args, **kwargs):  # stage 1 of the search, once close() has run
        reached.set()
        closed.wait(10)
        return match(*args, **kwargs)

    monkeypatch.setattr(search, "match", match_after_close)
    idx = zhsearch.open_index(index_dir)
    outcome = []

    def search_once():
        try:
            outcome.append(_answer(idx, "九千会上门吗", {}))
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            outcome.append(exc)

    thread = threading.Thread(target=search_once)
    thread.start()
    assert reached.wait(10)
    idx.close()
    closed.set()
    thread.join(10)
    (error,) = outcome
    assert isinstance(error, zhsearch.ZhsearchError) and not isinstance(error, zhsearch.IndexCorruptError), repr(error)
    assert "was closed" in str(error) and "rebuild" not in str(error)
    monkeypatch.setattr(search, "match", match)
    assert _answer(idx, "九千会上门吗", {})[1], "a search after close() opens the index again"
    idx.close()


def test_a_suggester_made_while_another_thread_closes_the_index_is_not_kept(index_dir, monkeypatch):
    from zhsearch.searching import suggest

    made, init = [], suggest.Suggester.__init__

    def close_meanwhile(self, searcher, *args):  # another thread's close() lands while it is made
        init(self, searcher, *args)
        made.append(searcher)
        if len(made) == 1:
            idx.close()

    monkeypatch.setattr(suggest.Suggester, "__init__", close_meanwhile)
    idx = zhsearch.open_index(index_dir)
    try:
        idx.suggest("上门")
    except zhsearch.ZhsearchError:
        pass  # the first call read the searcher that was closed under it: said so
    assert [s.text for s in idx.suggest("上门")], "made again with the reopened searcher"
    assert len(made) == 2 and made[0] is not made[1]
    idx.close()


def test_an_error_of_its_own_is_not_taken_for_a_close_that_happened_meanwhile(index_dir, monkeypatch):
    from zhsearch.searching import search

    idx = zhsearch.open_index(index_dir)
    assert idx.search("九千会上门吗", limit=1)

    read_query, reads = search.Index._read_query, []

    def error_while_another_thread_closes(self, *args):
        reads.append(1)
        self.close()
        raise errors.pop()

    monkeypatch.setattr(search.Index, "_read_query", error_while_another_thread_closes)
    errors = [zhsearch.BadQueryError("a bad query"), ValueError("our own slip")]
    with pytest.raises(ValueError, match="our own slip"):
        idx.search("九千")
    with pytest.raises(zhsearch.BadQueryError, match="a bad query"):
        idx.search("九千")
    assert len(reads) == 2
    # a damaged index with no close meanwhile stays the damaged index
    monkeypatch.setattr(search.Index, "_read_query", lambda self, *args: (_ for _ in ()).throw(
        zhsearch.IndexCorruptError("index at x cannot be read")))
    with pytest.raises(zhsearch.IndexCorruptError):
        idx.search("九千")
    monkeypatch.setattr(search.Index, "_read_query", read_query)
    idx.close()
