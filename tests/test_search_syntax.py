"""Operators and result controls on real indexes: the shipped corpus, and a corpus with folders."""

import dataclasses

import pytest

import zhsearch
from zhsearch.text.analyzer import segment
from zhsearch.text.normalize import fold_text
from zhsearch.searching.rank import DEFAULT_RANKING
from zhsearch.searching.restrict import run_pattern

from conftest import write

ALL = 1000


def passages(idx, corpus):
    """Every indexed passage as (source, line, text), read back from the index."""
    out = []
    for path in sorted(corpus.glob("*.txt")):
        for p in idx.document(path.name).passages:
            out.append((path.name, p.line, p.text))
    return out


def holding(idx, corpus, run):
    pattern = run_pattern(run)
    return {(s, line) for s, line, text in passages(idx, corpus) if pattern.search(fold_text(text))}


def found(results):
    """Every passage a result names: its hits and the copies listed under them."""
    places = {(h.source, h.line) for h in results}
    for h in results:
        places |= {(a.rsplit(":", 1)[0], int(a.rsplit(":", 1)[1])) for a in h.also}
    return places


def test_a_phrase_across_a_jieba_word_boundary_matches_every_passage_holding_it(idx, corpus_copy):
    assert [w for w, _, _ in segment("会上门")] == ["会", "上门"]
    results = idx.search('"会上门"', limit=ALL)
    expected = holding(idx, corpus_copy, "会上门")
    assert len(expected) >= 5
    assert found(results) == expected
    # jieba cuts the run inside passages too (不会 / 上门), and it is still found
    cut = [[w for w, _, _ in segment(fold_text(h.text))] for h in results]
    assert any(("不会", "上门") in zip(words, words[1:]) for words in cut)
    for hit in results:
        assert any("会上门" in fold_text(hit.text[s:e]) for s, e in hit.highlights)


def test_a_phrase_matches_in_both_scripts_and_highlights_the_run_as_written(idx, corpus_copy):
    simplified = idx.search('"上门取证"', limit=ALL)
    traditional = idx.search("「上門取證」", limit=ALL)
    curly = idx.search("“上門取證”", limit=ALL)
    assert found(simplified) == found(traditional) == found(curly) == holding(idx, corpus_copy, "上门取证")
    written = {h.text[s:e] for h in traditional for s, e in h.highlights}
    assert {"上門取證", "上门取证"} <= written
    assert written <= {"上門取證", "上门取证"}  # only the run lights up, never a stray 上门


def test_a_phrase_with_numerals_matches_digits_and_the_other_way(idx, corpus_copy):
    by_numerals = idx.search('"九千元"', limit=ALL)
    by_digits = idx.search('"9000元"', limit=ALL)
    assert found(by_numerals) == found(by_digits) == holding(idx, corpus_copy, "9000元")
    assert by_numerals.total >= 2
    assert all("九千元" in [h.text[s:e] for s, e in h.highlights] for h in by_numerals)


def test_a_phrase_that_adds_words_narrows_a_question_to_passages_holding_it(idx):
    plain = idx.search("九千会上门吗", limit=ALL)
    narrowed = idx.search('九千会上门吗 "九千元"', limit=ALL)  # its 元 is ranked too: the order may differ
    assert 0 < narrowed.total < plain.total
    assert found(narrowed) <= found(plain)
    assert all("9000元" in fold_text(h.text) for h in narrowed)


@pytest.mark.parametrize("phrase", ['"九千"', '"会上门"'])
def test_a_phrase_of_the_questions_words_narrows_it_and_keeps_its_ranking(idx, phrase):
    # (a phrase that adds words, "九千元", ranks them too: its order may differ)
    plain = idx.search("九千会上门吗", limit=ALL)
    narrowed = idx.search(f"九千会上门吗 {phrase}", limit=ALL)
    assert 0 < narrowed.total < plain.total
    kept = [(h.source, h.line) for h in plain if (h.source, h.line) in {(n.source, n.line) for n in narrowed}]
    assert [(h.source, h.line) for h in narrowed] == kept


@pytest.mark.parametrize("excluded", ["上門", "上门"])
def test_an_excluded_word_removes_every_passage_holding_it_in_either_script(idx, corpus_copy, excluded):
    everything = found(idx.search("逾期", limit=ALL))
    held = holding(idx, corpus_copy, "上门")
    scripts = {text for s, line, text in passages(idx, corpus_copy) if (s, line) in held}
    assert any("上門" in t for t in scripts) and any("上门" in t for t in scripts)
    assert everything & held  # the exclusion has something to remove
    results = idx.search(f"逾期 -{excluded}", limit=ALL)
    assert results.total > 0
    assert found(results) == everything - held


def test_an_excluded_phrase(idx, corpus_copy):
    everything = found(idx.search("上门", limit=ALL))
    results = idx.search('上门 -"上门催收"', limit=ALL)
    removed = holding(idx, corpus_copy, "上门催收")
    assert removed and found(results) == everything - removed
    assert found(idx.search("上门 -上门催收", limit=ALL)) == found(results)


def test_or_keeps_passages_holding_either_side(idx, corpus_copy):
    either = holding(idx, corpus_copy, "上门取证") | holding(idx, corpus_copy, "催收")
    for query in ("上门取证 OR 催收", "上门取证|催收", "「上門取證」 | 催收"):
        results = idx.search(query, limit=ALL)
        assert found(results) == either, query
    with_question = idx.search("网贷逾期 上门取证 OR 催收", limit=ALL)
    assert found(with_question) <= either and len(with_question)


def test_file_glob_and_prefix_on_the_shipped_corpus(idx):
    glob = idx.search("上门 file:004*", limit=ALL)
    assert len(glob) and all(h.source.startswith("004_") for h in glob)
    everything = idx.search("上门", limit=ALL)
    assert found(glob) == {p for p in found(everything) if p[0].startswith("004_")}
    several = idx.search("上门 file:003 file:004", limit=ALL)
    assert {h.source[:3] for h in several} == {"003", "004"}
    left_out = idx.search("上门 -file:004*", limit=ALL)
    assert found(left_out) == found(everything) - found(glob)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("folders")
    corpus = root / "corpus"
    write(corpus, "法规/民法典.txt", "民法典\n\n第六百七十五条 借款人应当按照约定的期限返还借款。\n\n逾期不还的，应当支付逾期利息。\n")
    write(corpus, "法规/催收规定.txt", "催收规定\n\n催收人员不得上门骚扰借款人的家人。\n")
    write(corpus, "案例/上门.txt", "上门案例\n\n借款人逾期九千元，平台派人上门催收。\n\n後來協商分期還款。\n")
    write(corpus, "notes.md", "# 笔记\n\n逾期9000元以后可以协商分期还款。\n")
    zhsearch.build_index(corpus, root / "index")
    with zhsearch.open_index(root / "index") as opened:
        yield opened


def test_file_folder_prefix_and_glob(folders):
    assert {h.source for h in folders.search("逾期 file:法规/", limit=ALL)} == {"法规/民法典.txt"}
    assert {h.source for h in folders.search("逾期 file:案例/ file:法规/", limit=ALL)} == {"法规/民法典.txt", "案例/上门.txt"}
    assert {h.source for h in folders.search("逾期 file:*.md", limit=ALL)} == {"notes.md"}
    assert {h.source for h in folders.search("逾期 -file:法规/", limit=ALL)} == {"案例/上门.txt", "notes.md"}
    assert len(folders.search("逾期 file:nothing/", limit=ALL)) == 0


def test_only_restrictions_list_passages_in_document_order(folders):
    results = folders.search("file:法规/", limit=ALL)
    assert [(h.source, h.line) for h in results] == sorted((h.source, h.line) for h in results)
    assert {h.source for h in results} == {"法规/民法典.txt", "法规/催收规定.txt"}
    assert results.total == len(results)
    assert all("催收" not in fold_text(h.text) for h in folders.search("-催收", limit=ALL))


def test_traditional_and_numerals_in_a_folder_corpus(folders):
    for query in ('"九千元"', '"9000元"', "“九千元”"):
        hits = folders.search(query)
        assert sorted(h.source for h in hits) == ["notes.md", "案例/上门.txt"], query
        assert sorted(h.text[s:e] for h in hits for s, e in h.highlights) == ["9000元", "九千元"]  # as written
    hits = folders.search("「分期还款」 file:案例/")
    assert len(hits) == 1 and [hits[0].text[s:e] for s, e in hits[0].highlights] == ["分期還款"]  # as written


@pytest.mark.parametrize("query", ["上门", "九千会上门吗", "逾期 -催收", '"上门"', "上门 OR 催收"])
def test_pages_are_disjoint_and_together_the_first_hits_of_one_big_query(idx, query):
    big = idx.search(query, limit=30)
    assert big.total > 30
    pages = [idx.search(query, limit=10, offset=offset) for offset in (0, 10, 20)]
    seen = [(h.rank, h.source, h.line, h.score) for page in pages for h in page]
    assert len(set(seen)) == 30
    assert seen == [(h.rank, h.source, h.line, h.score) for h in big]
    assert {page.total for page in pages} == {big.total}
    # Every match ranked, total is exact (copies once); the page past the last hit
    # is empty and says the same.
    everything = idx.search(query, limit=1000)
    assert len(everything) == everything.total >= 30
    beyond = idx.search(query, limit=10, offset=everything.total)
    assert len(beyond) == 0 and beyond.total == everything.total


@pytest.mark.parametrize("query, candidates", [("九千会上门吗", DEFAULT_RANKING.candidates),
                                               ("网贷逾期上门取证怎么办", 70), ("逾期9000元会不会上门", 70)])
def test_when_few_passages_match_every_page_says_the_exact_total(index_dir, query, candidates):
    """The shipped corpus holds an article twice: more passages match than the pool
    holds, fewer than twice it, so all are ranked and copies count once (the shipped
    pool for one question; the others match more than twice it, so a pool of 70)."""
    with zhsearch.open_index(index_dir, ranking=dataclasses.replace(DEFAULT_RANKING, candidates=candidates)) as idx:
        everything = idx.search(query, limit=1000)
        copies = sum(len(h.also) for h in everything)
        assert copies and idx.ranking.candidates < len(everything) + copies <= 2 * idx.ranking.candidates
        totals = {idx.search(query, limit=n, offset=o).total for n, o in ((1, 0), (10, 0), (10, 60))}
        assert totals == {len(everything)}


def test_per_file_one_gives_one_hit_per_source_in_rank_order(idx):
    ranked = idx.search("上门", limit=ALL)
    first = list(dict.fromkeys(h.source for h in ranked))
    one = idx.search("上门", limit=ALL, per_file=1)
    assert [h.source for h in one] == first
    assert len(first) == 5 and one.total == 5
    assert [h.rank for h in one] == [1, 2, 3, 4, 5]
    best = {}
    for h in ranked:
        best.setdefault(h.source, (h.line, h.score))
    assert [(h.line, h.score) for h in one] == [best[s] for s in first]
    two = idx.search("上门", limit=ALL, per_file=2)
    assert all(sum(h.source == s for h in two) <= 2 for s in first) and len(two) == 10
    assert [h.source for h in idx.search("上门", limit=2, offset=2, per_file=1)] == first[2:4]


@pytest.mark.parametrize(
    "kwargs", [{"offset": -1}, {"offset": "1"}, {"offset": True}, {"offset": 10**9}, {"per_file": 0}, {"per_file": 1.5}]
)
def test_bad_result_controls_are_bad_query_errors(idx, kwargs):
    with pytest.raises(zhsearch.BadQueryError):
        idx.search("上门", **kwargs)


def test_plain_questions_are_read_as_themselves(idx):
    for query in ("九千会上门吗", "那“上门”呢", "上门 AND 催收", "title:上门"):
        results = idx.search(query, limit=5)
        assert not results.reading.operators
        assert results.reading.ranked == query


def test_explain_on_a_restricted_listing(folders):
    hit = folders.search("file:法规/", limit=1, explain=True)[0]
    assert hit.explanation["terms"] == [] and hit.score == 0


def _paragraphs(places: int) -> list[str]:
    """10 × ``places`` paragraphs that all hold 上门, all distinct, each long enough to be a passage of its own."""
    cities = "北京 上海 广州 深圳 杭州 南京 成都 武汉 西安 重庆 天津 苏州 长沙 郑州 青岛 大连 厦门 宁波 无锡 合肥".split()
    things = "电话 短信 律师函 上门 走访 核实 调解 协商 起诉 仲裁".split()
    return [f"{p}的借款人逾期以后，平台一般会先{t}，了解情况后再决定是否上门，借款人应当保留好相关的沟通记录，必要时可以向监管部门反映。"
            for p in cities[:places] for t in things]


def test_deep_pages_rank_enough_candidates(tmp_path):
    """Past the rerank pool a page still is the slice of one big ranking."""
    write(tmp_path / "c", "many.txt", "标题\n\n" + "\n\n".join(_paragraphs(15)) + "\n")
    zhsearch.build_index(tmp_path / "c", tmp_path / "i")
    with zhsearch.open_index(tmp_path / "i") as idx:
        big = idx.search("上门", limit=130)
        assert big.total >= 130 and len(big) == 130
        page = idx.search("上门", limit=10, offset=120)
        assert [(h.rank, h.line, h.score) for h in page] == [(h.rank, h.line, h.score) for h in big[120:130]]
        assert page.total == big.total


def test_pages_reach_every_hit_when_copies_fold_past_the_pool(tmp_path):
    """More than twice the pool match and every text stands twice: pages of 10
    read deeper until full, so joined they are the whole ranking."""
    for name in ("a.txt", "b.txt"):
        write(tmp_path / "c", name, "标题很长很长的文章\n\n" + "\n\n".join(_paragraphs(8)) + "\n")
    zhsearch.build_index(tmp_path / "c", tmp_path / "i")
    with zhsearch.open_index(tmp_path / "i") as idx:
        everything = idx.search("上门", limit=1000)
        assert len(everything) == 80 and all(h.also for h in everything)
        # one total on every page: the pool's texts once, the matches past it apiece
        assert everything.total == idx.search("上门", limit=10).total > 2 * idx.ranking.candidates
        pages = [idx.search("上门", limit=10, offset=offset) for offset in range(0, len(everything) + 10, 10)]
        assert [(h.source, h.line) for page in pages for h in page] == [(h.source, h.line) for h in everything]
        assert {page.total for page in pages} == {everything.total}


def test_operators_after_an_incremental_update(tmp_path):
    """Passages deleted by an update (their postings linger in old segments) are never found."""
    corpus = tmp_path / "c"
    write(corpus, "a.txt", "甲\n\n借款人逾期以后平台派人上门取证，核实借款人的居住情况和还款能力，并且保留相关的证据材料。\n")
    write(corpus, "b.txt", "乙\n\n借款人逾期以后平台打电话催收，了解借款人的还款意愿，必要时发律师函提醒借款人尽快还款。\n")
    zhsearch.build_index(corpus, tmp_path / "i")
    write(corpus, "a.txt", "甲\n\n借款人逾期以后平台发短信提醒，告知借款人逾期的后果，并建议借款人尽快与平台协商分期还款。\n")
    assert zhsearch.build_index(corpus, tmp_path / "i").mode == "update"
    with zhsearch.open_index(tmp_path / "i") as idx:
        assert len(idx.search('"上门取证"')) == 0
        assert [h.source for h in idx.search('"分期还款"')] == ["a.txt"]
        listed = idx.search("file:a.txt")
        assert [h.text[:12] for h in listed] == ["借款人逾期以后平台发短信"] and listed.total == 1
        assert [h.source for h in idx.search("逾期 -短信")] == ["b.txt"]


def test_only_the_first_thousand_characters_are_read(idx):
    assert len(idx.search("上门 " * 400 + "-上门")) > 0  # the exclusion lies past the cut
    assert len(idx.search("-上门 " + "上门 " * 400)) == 0
    for soup in ("上门|" * 50_000, "-上门 " * 30_000, "「上门 " * 30_000):  # bounded work, whatever the length
        idx.search(soup, limit=1)


@pytest.fixture(scope="module")
def big_and_small(tmp_path_factory):
    """One corpus, and the same four times over: a query of only filters must cost the same on both."""
    indexes = []
    for copies in (1, 4):
        root = tmp_path_factory.mktemp(f"filters{copies}")
        for n in range(copies * 20):
            write(root / "c", f"big{n:03}.txt", f"文件{n}\n\n" + "\n\n".join(_paragraphs(3)) + "\n")
        zhsearch.build_index(root / "c", root / "i")
        indexes.append(root / "i")
    return indexes


@pytest.mark.parametrize("query", ["-zzz", "file:big*", "-元", "file:big0* -上门", "-file:big000.txt"])
def test_a_query_of_only_filters_reads_a_page_not_the_corpus(big_and_small, monkeypatch, query):
    from zhsearch.searching import search

    reads = []
    read_record = search.read_record  # every stored record a search reads comes through it
    monkeypatch.setattr(search, "read_record", lambda fields: reads.append(1) or read_record(fields))
    seen = []
    for index in big_and_small:
        with zhsearch.open_index(index) as idx:
            reads.clear()
            results = idx.search(query, limit=10)
            seen.append((len(reads), [(h.source, h.line) for h in results], results.total))
            if query == "file:big*":
                passages = idx._get_searcher().doc_count()
                assert results.total == passages  # every passage once (all distinct within a file)
    (small_reads, small_hits, small_total), (big_reads, big_hits, big_total) = seen
    assert big_hits == small_hits  # the same first files, in name and then document order
    if query == "file:big0* -上门":  # every passage left out: at most a budget is read to find none
        from zhsearch.searching.restrict import LISTING_MAX_SKIPPED

        assert big_hits == [] and small_reads < big_reads <= LISTING_MAX_SKIPPED + 10, seen
    else:
        assert big_reads == small_reads <= 40, seen  # a page's worth, whatever the corpus holds
        assert len(big_hits) == 10 and big_total > small_total
