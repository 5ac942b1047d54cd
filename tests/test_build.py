import shutil

import pytest

import zhsearch
from zhsearch.storage.layout import live_generation, read_meta, write_meta

from conftest import CORPUS, write


def test_update_reindexes_only_what_changed(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", "甲文档的标题在这\n\n甲的正文讲分期还款。\n")
    write(corpus, "b.txt", "乙文档的标题在这\n\n乙的正文讲征信记录。\n")
    assert zhsearch.build_index(corpus, index).mode == "full"
    write(corpus, "b.txt", "乙文档的标题在这\n\n乙的正文改讲上门催收。\n")
    write(corpus, "c.txt", "丙文档的标题在这\n\n丙的正文讲协商延期。\n")
    (corpus / "a.txt").unlink()
    report = zhsearch.build_index(corpus, index)
    assert (report.mode, report.files_indexed, report.files_removed) == ("update", 2, 1)
    with zhsearch.open_index(index) as idx:
        assert len(idx.search("分期还款")) == 0
        assert len(idx.search("征信记录")) == 0
        assert idx.search("上门催收")[0].source == "b.txt"
        assert idx.search("协商延期")[0].source == "c.txt"
    assert zhsearch.build_index(corpus, index).mode == "unchanged"


def test_rebuild_swaps_generations(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", "甲文档的标题在这\n\n甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, index)
    first = live_generation(index)
    zhsearch.build_index(corpus, index, rebuild=True)
    second = live_generation(index)
    assert first != second and not first.exists()


def test_index_from_another_version_is_reported(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", "甲文档的标题在这\n\n甲的正文。\n")
    zhsearch.build_index(corpus, index)
    gen = live_generation(index)
    write_meta(gen, {**read_meta(gen), "schema_version": 0}, seal=False)  # as another version writes it
    with pytest.raises(zhsearch.IndexVersionError, match="rebuild"):
        zhsearch.open_index(index)
    assert zhsearch.build_index(corpus, index).mode == "full"  # rebuilt automatically
    zhsearch.open_index(index).close()


def test_missing_and_corrupt_index_errors(tmp_path):
    with pytest.raises(zhsearch.IndexMissingError, match="zhsearch index"):
        zhsearch.open_index(tmp_path / "nothing")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "CURRENT").write_text("gen-123")
    with pytest.raises(zhsearch.IndexCorruptError, match="--rebuild"):
        zhsearch.open_index(tmp_path / "bad")


def test_corpus_errors(tmp_path):
    with pytest.raises(zhsearch.CorpusError, match="does not exist"):
        zhsearch.build_index(tmp_path / "missing", tmp_path / "i")


def test_update_extends_the_compact_dictionary_and_the_pinyin_map(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", "甲文档的标题在这\n\n甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, index)
    write(corpus, "b.txt", "乙文档的标题在这\n\n乙的正文讲律师函和仲裁。\n")
    assert zhsearch.build_index(corpus, index).mode == "update"
    with zhsearch.open_index(index) as idx:
        assert idx.segmenter.is_word("律师函")
        assert idx.search("律师函")[0].source == "b.txt"
        assert idx.search("zhongcai")[0].source == "b.txt"


def _titled_corpus(corpus, count: int) -> None:
    for n in range(count):
        write(corpus, f"f{n:03}.txt", f"批量处理说明{n}\n\n第{n}份文件讲分期还款的办法和逾期以后的协商。\n")


def _answers(index, query: str):
    with zhsearch.open_index(index) as idx:
        results = idx.search(query, limit=1000)
        return results.total, [(h.source, h.line, h.score) for h in results]


def test_an_update_after_deletions_answers_as_a_fresh_build_does(tmp_path):
    """Deleted passages no longer count in document frequencies: 批量 (in 150
    titles, 75 deleted) is searched in the context again, as after a rebuild."""
    corpus = tmp_path / "c"
    _titled_corpus(corpus, 150)
    zhsearch.build_index(corpus, tmp_path / "updated")
    for n in range(0, 150, 2):
        (corpus / f"f{n:03}.txt").unlink()
    write(corpus, "f001.txt", "批量处理说明1\n\n第1份文件改讲律师函的写法。\n")  # an edit too
    assert zhsearch.build_index(corpus, tmp_path / "updated").mode == "update"
    zhsearch.build_index(corpus, tmp_path / "fresh")
    for query in ("批量", "批量处理 分期还款", "律师函", "逾期以后的协商"):
        assert _answers(tmp_path / "updated", query) == _answers(tmp_path / "fresh", query), query
    assert _answers(tmp_path / "updated", "批量")[0] == 75


def _field_lengths(index):
    with zhsearch.open_index(index) as idx:
        reader = idx._get_searcher().reader()
        return {name: reader.field_length(name) for name in ("words", "bigrams", "context_bigrams")}


def test_a_segment_an_update_writes_again_keeps_its_field_lengths(tmp_path):
    """Whoosh's merge sums the lengths of the passages it copies from their one-byte
    codes (rounded up past 10): the updated index counts, and scores, as a fresh build."""
    corpus = tmp_path / "c"
    shutil.copytree(CORPUS, corpus)
    zhsearch.build_index(corpus, tmp_path / "updated")
    sorted(corpus.glob("*.txt"))[2].unlink()
    assert zhsearch.build_index(corpus, tmp_path / "updated").mode == "update"
    zhsearch.build_index(corpus, tmp_path / "fresh")
    assert _field_lengths(tmp_path / "updated") == _field_lengths(tmp_path / "fresh")
    assert _answers(tmp_path / "updated", "九千会上门吗") == _answers(tmp_path / "fresh", "九千会上门吗")


def test_updates_never_pile_up_segments(tmp_path):
    from whoosh import index as whoosh_index

    from zhsearch.storage.build import MAX_SEGMENTS
    from zhsearch.storage.layout import live_generation

    corpus = tmp_path / "c"
    _titled_corpus(corpus, 3)
    for n in range(MAX_SEGMENTS + 3):
        write(corpus, f"new{n}.txt", f"新增{n}\n\n第{n}次新增的文件讲律师函。\n")  # additions only: no deletion
        zhsearch.build_index(corpus, tmp_path / "i")
        assert len(whoosh_index.open_dir(str(live_generation(tmp_path / "i")))._segments()) <= MAX_SEGMENTS


def test_a_word_only_titles_hold_is_found_however_many_titles_hold_it(tmp_path):
    corpus = tmp_path / "c"
    _titled_corpus(corpus, 150)  # 批量 in 150 titles, above the context cap of 100, in no text
    zhsearch.build_index(corpus, tmp_path / "i")
    total, hits = _answers(tmp_path / "i", "批量")
    assert total == 150 and len(hits) == 150


def test_the_file_manifest_is_a_file_of_its_own_that_a_search_does_not_read(tmp_path):
    """meta.json names the manifest (every file's fingerprint, the files left out);
    a search opens the index without it, ``files`` and ``stats`` read it, and a
    manifest damaged on disk is the damaged-index error there, not in a search."""
    import json

    from zhsearch.errors import IndexCorruptError

    corpus, index = tmp_path / "c", tmp_path / "i"
    for n in range(3):
        write(corpus, f"{n}.txt", f"第{n}篇的标题\n\n正文讲上门催收的第{n}种情形。\n")
    zhsearch.build_index(corpus, index)
    gen = live_generation(index)
    on_disk = json.loads((gen / "meta.json").read_text(encoding="utf-8"))
    name, size, _ = on_disk["manifest"]
    assert "files" not in on_disk and (gen / name).stat().st_size == size
    with zhsearch.open_index(index) as idx:
        assert "files" not in idx.meta
        assert [f.path for f in idx.files()] == ["0.txt", "1.txt", "2.txt"]
        assert idx.stats()["files"] == len(idx.files())
    assert sorted(read_meta(gen)["files"]) == ["0.txt", "1.txt", "2.txt"]
    (gen / name).write_bytes((gen / name).read_bytes().replace(b"0.txt", b"9.txt"))
    with zhsearch.open_index(index) as idx:
        assert idx.search("上门催收")  # the search never reads it
        with pytest.raises(IndexCorruptError, match="does not match its checksum"):
            idx.files()


def test_an_index_whose_meta_holds_its_files_is_read_and_updated(tmp_path):
    """An index written before manifests had a file of their own (meta.json holds
    "files"): searched, listed, and updated into the new form; only the newest
    manifest and the one it replaced stay on disk."""
    from zhsearch.storage.layout import _meta_check, write_json_atomic

    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", "甲文档的标题\n\n甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, index)
    gen = live_generation(index)
    meta = read_meta(gen)  # with its files
    (gen / meta.pop("manifest")[0]).unlink()
    write_json_atomic(gen / "meta.json", {**meta, "check": _meta_check(meta)})  # the old form
    with zhsearch.open_index(index) as idx:
        assert [f.path for f in idx.files()] == ["a.txt"] and idx.search("分期还款")
    for n, topic in enumerate(("征信记录", "上门催收", "协商延期")):
        write(corpus, f"b{n}.txt", f"乙{n}文档的标题\n\n乙的正文讲{topic}。\n")
        assert zhsearch.build_index(corpus, index).mode == "update"
    assert "manifest" in read_meta(gen, manifest=False) and len(list(gen.glob("files-*.json"))) == 2
    with zhsearch.open_index(index) as idx:
        assert [f.path for f in idx.files()] == ["a.txt", "b0.txt", "b1.txt", "b2.txt"]
        assert idx.search("协商延期")[0].source == "b2.txt"


def test_an_open_index_lists_its_files_after_updates_replaced_its_manifest(tmp_path):
    """A server's index opened before two updates (the manifest it opened with
    is gone by then) lists the live files instead of calling itself damaged."""
    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", "甲文档的标题\n\n甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, index)
    with zhsearch.open_index(index) as idx:
        for n in range(2):
            write(corpus, f"b{n}.txt", f"乙{n}文档的标题\n\n乙的正文讲征信记录。\n")
            zhsearch.build_index(corpus, index)
        assert [f.path for f in idx.files()] == ["a.txt", "b0.txt", "b1.txt"]


def test_a_damaged_manifest_is_rebuilt_from_the_corpus_the_index_names(tmp_path, monkeypatch):
    """Only the manifest damaged: `zhsearch index --rebuild` without --corpus still
    finds the corpus in meta.json, and a killed manifest write leaves no file behind."""
    from click.testing import CliRunner

    from zhsearch.interfaces.cli import main

    corpus, index = tmp_path / "c", tmp_path / "i"
    write(corpus, "a.txt", "甲文档的标题\n\n甲的正文讲分期还款。\n")
    zhsearch.build_index(corpus, index)
    gen = live_generation(index)
    manifest = next(gen.glob("files-*.json"))
    manifest.write_bytes(manifest.read_bytes() + b" ")
    monkeypatch.chdir(tmp_path)  # no ./corpus here
    result = CliRunner().invoke(main, ["files", "--index", str(index)])
    assert result.exit_code == 2 and "damaged" in result.output
    result = CliRunner().invoke(main, ["index", "--rebuild", "--index", str(index)])
    assert result.exit_code == 0, result.output
    with zhsearch.open_index(index) as idx:
        assert [f.path for f in idx.files()] == ["a.txt"]
    killed = live_generation(index) / "files-0badc0de.json.tmp"  # a manifest write killed half-way
    killed.write_text("{")
    write(corpus, "b.txt", "乙文档的标题\n\n乙的正文讲征信记录。\n")
    zhsearch.build_index(corpus, index)
    assert not killed.exists()
