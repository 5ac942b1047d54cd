"""Fault injection: every kind of file an index holds, damaged in each of a few ways.

Each time `search`, `stats` and the server say so in one line (or a JSON 503)
naming the fix, and `zhsearch index --rebuild` then restores identical results.
"""

import json
import shutil
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

import zhsearch
from zhsearch.interfaces.cli import main
from zhsearch.storage.layout import live_generation

from conftest import write

fastapi = pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[web]'")
from fastapi.testclient import TestClient  # noqa: E402

from zhsearch.interfaces.web import create_app  # noqa: E402

QUERIES = ("上门取证的目的", "shangmen quzheng", "协商还款")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("damage")
    corpus, index = root / "corpus", root / "index"
    write(corpus, "a.txt", "网贷逾期怎么办\n\n逾期以后应当主动联系平台协商还款，催收人员不得上门骚扰。\n")
    write(corpus, "b.md", "# 上门取证\n\n工作人員上門取證的主要目的是確認借款人的居住情況。\n")
    write(corpus, "c.jsonl", json.dumps({"id": "q1", "text": "协商还款可以申请延期或者分期。"}, ensure_ascii=False) + "\n")
    zhsearch.build_index(corpus, index)
    return corpus, index, answers(index)


def answers(index: Path):
    out = []
    for query in QUERIES:
        result = run("search", query, "--index", str(index), "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        out.append([(h["source"], h["line"], h["score"], h["highlights"]) for h in data["hits"]])
    return out


def target(index: Path, kind: str) -> Path:
    gen = live_generation(index)
    return {
        "segment": lambda: next(gen.glob("*.seg")),
        "table of contents": lambda: next(gen.glob("*.toc")),
        "compact dictionary": lambda: gen / "segdict.marshal",
        "pinyin map": lambda: gen / "pinyin.table",
        "meta": lambda: gen / "meta.json",
        "CURRENT": lambda: index / "CURRENT",
        "generation": lambda: gen,
    }[kind]()


def damage(path: Path, how: str) -> None:
    if how == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "flip bytes":
        data = bytearray(path.read_bytes())
        for at in (len(data) // 3, len(data) // 2, len(data) - 2):
            data[at] ^= 0x5A
        path.write_bytes(bytes(data))
    elif how == "delete":
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    elif how == "replace with a folder":
        shutil.rmtree(path) if path.is_dir() else path.unlink()
        path.mkdir()
        (path / "x").write_text("x")
    elif how == "replace with a file":
        shutil.rmtree(path)
        path.write_text("x")
    elif how == "term table":  # bytes flipped inside the segment's term dictionary
        data = bytearray(path.read_bytes())
        at = data.find(b"ZHT2")
        assert at >= 0
        for offset in (6, 40, 80):
            data[at + offset] ^= 0x5A
        path.write_bytes(bytes(data))
    else:
        raise AssertionError(how)


FILES = ("segment", "table of contents", "compact dictionary", "pinyin map", "meta", "CURRENT")
WAYS = ("truncate", "flip bytes", "delete", "replace with a folder")
CASES = [(kind, how) for kind in FILES for how in WAYS] + [
    ("segment", "term table"),
    ("generation", "delete"),
    ("generation", "replace with a file"),
]


@pytest.mark.parametrize("kind, how", CASES, ids=[f"{k}-{h}" for k, h in CASES])
def test_damaged_index_is_one_line_naming_the_fix_and_a_rebuild_restores_it(pristine, tmp_path, kind, how):
    corpus, original, expected = pristine
    index = tmp_path / "index"
    shutil.copytree(original, index)
    damage(target(index, kind), how)

    for args in (("search", QUERIES[0], "--json"), ("search", QUERIES[1]), ("stats",)):
        result = run(*args, "--index", str(index))
        assert result.exit_code == 2, (args, result.output)
        assert result.output.startswith("zhsearch: error: index at ") and result.output.count("\n") == 1, result.output
        # this index, run from anywhere (with --corpus DIR when meta.json no longer names it)
        assert f"run `zhsearch index --rebuild --index {index}" in result.output
        assert result.output.rstrip().endswith((f"--index {index}`", f"--index {index} --corpus DIR`"))

    with TestClient(create_app(index)) as client:
        health = client.get("/health").json()
        assert health["index"] != "ready" and "--rebuild" in health["index"]
        for query in QUERIES:
            response = client.get("/api/search", params={"q": query})
            assert response.status_code == 503 and "--rebuild" in response.json()["detail"]
        assert client.get("/api/stats").status_code == 503

    rebuilt = run("index", "--rebuild", "--corpus", str(corpus), "--index", str(index))
    assert rebuilt.exit_code == 0, rebuilt.output
    assert answers(index) == expected
    assert [p.name for p in index.iterdir() if p.name.startswith("gen-")] == [live_generation(index).name]


def test_a_plain_update_of_a_damaged_index_builds_it_again_and_says_so(pristine, tmp_path):
    corpus, original, expected = pristine
    index = tmp_path / "index"
    shutil.copytree(original, index)
    damage(target(index, "segment"), "flip bytes")
    result = run("index", "--index", str(index))  # the corpus is the index's own
    assert result.exit_code == 0, result.output
    assert "zhsearch: warning: index at" in result.output and "was damaged" in result.output
    assert answers(index) == expected


def test_a_rebuild_finds_the_corpus_of_an_index_whose_pointer_is_damaged(pristine, tmp_path, monkeypatch):
    corpus, original, expected = pristine
    index = tmp_path / "index"
    shutil.copytree(original, index)
    (index / "CURRENT").write_text("garbage")
    monkeypatch.chdir(tmp_path)  # no ./corpus here
    result = run("index", "--rebuild", "--index", str(index))
    assert result.exit_code == 0, result.output
    assert answers(index) == expected


def test_an_index_that_no_longer_names_its_corpus_is_never_rebuilt_from_another_folder(pristine, tmp_path, monkeypatch):
    """Metadata emptied: ./corpus here holds other text, which must not replace the index's."""
    _, original, _ = pristine
    index = tmp_path / "index"
    shutil.copytree(original, index)
    target(index, "meta").write_text("{}", encoding="utf-8")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "tea.txt").write_text("绿茶用八十度的水冲泡。\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = sorted((p.relative_to(index), p.stat().st_size) for p in index.rglob("*") if p.is_file())
    for args in (("search", "上门"), ("index",), ("index", "--rebuild")):
        result = run(*args, "--index", str(index))
        assert result.exit_code == 2 and "pass --corpus DIR" in result.output, (args, result.output)
    assert sorted((p.relative_to(index), p.stat().st_size) for p in index.rglob("*") if p.is_file()) == before


def test_the_fix_printed_for_a_relative_index_rebuilds_that_index_from_anywhere(pristine, tmp_path, monkeypatch):
    """The message names the index in full: run from another folder, the printed
    command rebuilds the damaged index, not ./index there; one whose metadata no
    longer names its corpus asks for it."""
    corpus, original, expected = pristine
    shutil.copytree(original, tmp_path / "here" / "index")
    index = (tmp_path / "here" / "index").resolve()
    target(index, "segment").write_bytes(b"damaged")
    monkeypatch.chdir(tmp_path / "here")
    result = run("search", QUERIES[0], "--index", "index")
    assert result.exit_code == 2 and f"run `zhsearch index --rebuild --index {index}`" in result.output, result.output
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    command = result.output.split("run `")[1].split("`")[0].split()[1:]
    assert run(*command).exit_code == 0 and answers(index) == expected
    target(index, "meta").write_text("{}", encoding="utf-8")
    assert run("stats", "--index", str(index)).output.rstrip().endswith(f"--index {index} --corpus DIR`")


def test_a_first_build_killed_before_it_finished_is_built_again_from_the_corpus(tmp_path, monkeypatch):
    write(tmp_path / "corpus", "a.txt", "绿茶用八十度的水冲泡。\n")
    (tmp_path / "index" / "gen-1700000000000000000").mkdir(parents=True)  # what the killed build left
    monkeypatch.chdir(tmp_path)
    result = run("search", "绿茶", "--index", "index")
    assert result.exit_code == 0 and "绿茶" in result.output, result.output


def test_a_missing_meta_is_named_as_such(pristine, tmp_path):
    _, original, _ = pristine
    index = tmp_path / "index"
    shutil.copytree(original, index)
    target(index, "meta").unlink()
    result = run("search", "上门", "--index", str(index))
    assert "meta.json is missing" in result.output and "names a missing" not in result.output


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_folder_that_is_not_an_index_is_never_written_into(tmp_path, rebuild):
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", "标题标题标题标题\n\n正文说明分期还款的办法。\n")
    folder = tmp_path / "documents"
    write(folder, "notes.txt", "my notes")
    (folder / "gen-photos").mkdir()  # named like a generation, but in a folder that is not an index
    (folder / "gen-photos" / "cat.jpg").write_bytes(b"\xff\xd8")
    args = ["index", "--corpus", str(corpus), "--index", str(folder)] + (["--rebuild"] if rebuild else [])
    result = run(*args)
    assert result.exit_code == 2
    assert result.output == (f"zhsearch: error: {folder} is not a zhsearch index: it holds 'gen-photos' and "
                             "1 more; pass --index a new or empty folder\n")
    assert sorted(p.name for p in folder.iterdir()) == ["gen-photos", "notes.txt"]
    assert (folder / "gen-photos" / "cat.jpg").exists()


def test_a_folder_named_like_a_generation_is_not_taken_for_one(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", "标题标题标题标题\n\n正文说明分期还款的办法。\n")
    write(tmp_path / "documents" / "gen-photos", "cat.txt", "mine")
    result = run("index", "--rebuild", "--corpus", str(corpus), "--index", str(tmp_path / "documents"))
    assert result.exit_code == 2 and "is not a zhsearch index: it holds 'gen-photos'" in result.output
    assert (tmp_path / "documents" / "gen-photos" / "cat.txt").read_text() == "mine"


def test_an_index_folder_with_only_hidden_files_is_used(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", "标题标题标题标题\n\n正文说明分期还款的办法。\n")
    write(tmp_path / "index", ".gitkeep", "")  # as the repository's ./index holds
    assert run("index", "--corpus", str(corpus), "--index", str(tmp_path / "index")).exit_code == 0
    assert (tmp_path / "index" / ".gitkeep").exists()


def test_an_interrupted_update_leaves_the_index_checked_and_searchable(pristine, tmp_path):
    corpus, original, expected = pristine
    work = tmp_path / "corpus"
    shutil.copytree(corpus, work)
    index = tmp_path / "index"
    assert run("index", "--rebuild", "--corpus", str(work), "--index", str(index)).exit_code == 0
    write(work, "d.txt", "标题标题标题标题\n\n新增的文件讲律师函。\n")

    def interrupt(_):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        zhsearch.build_index(work, index, progress=interrupt)
    meta = zhsearch.storage.layout.read_meta(live_generation(index))
    assert isinstance(meta["sums"], dict)  # restored: the generation is checked again
    assert answers(index) == expected
    assert run("stats", "--index", str(index)).exit_code == 0


def test_a_real_process_on_a_damaged_index_prints_one_line(pristine, tmp_path):
    import subprocess
    import sys

    _, original, _ = pristine
    index = tmp_path / "index"
    shutil.copytree(original, index)
    damage(target(index, "compact dictionary"), "flip bytes")
    proc = subprocess.run([sys.executable, "-m", "zhsearch", "search", "上门", "--index", str(index)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("zhsearch: error: index at ") and proc.stderr.count("\n") == 1, proc.stderr


@pytest.mark.parametrize("kind", ["segment", "compact dictionary", "pinyin map"])
def test_an_index_too_large_to_read_whole_fails_only_with_the_index_error(pristine, tmp_path, kind):
    """Past VERIFY_MAX_BYTES a search checks sizes only: flipped bits then surface
    while reading, and must still be the one error (or a search that works)."""
    import random

    from zhsearch.searching.search import Index

    _, original, _ = pristine
    rng = random.Random(17)
    outcomes = set()
    for trial in range(25):
        index = tmp_path / f"index{trial}"
        shutil.copytree(original, index)
        path = target(index, kind)
        data = bytearray(path.read_bytes())
        for _ in range(3):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(data))
        try:
            with Index(index, verify_bytes=0) as idx:  # as a search of a large index checks it
                for query in QUERIES:
                    idx.search(query, limit=10)
                idx.document("a.txt")
            outcomes.add("searched")
        except zhsearch.ZhsearchError as exc:
            assert "--rebuild" in str(exc)
            outcomes.add("error")
    assert "error" in outcomes


def test_a_term_record_pointing_outside_its_postings_is_the_index_error(index_dir, monkeypatch):
    """Whoosh's matcher raises a bare Exception ("Block tag error") when the postings a
    damaged term record points at do not start with their tag: the one index error."""
    from zhsearch.storage import terms

    decode = terms.decode_terminfo

    def shifted(data):
        info = decode(data)
        if not info.is_inlined():
            offset, length = info.extent()
            info.set_extent(offset + 3, length)
        return info

    with zhsearch.open_index(index_dir) as idx:  # the shipped corpus: terms with postings of their own
        monkeypatch.setattr(terms, "decode_terminfo", shifted)
        with pytest.raises(zhsearch.IndexCorruptError, match="--rebuild"):
            idx.search("上门")


def test_stats_of_a_term_table_that_cannot_be_read_is_the_index_error(index_dir, monkeypatch):
    """A term table that fails while ``stats`` counts its terms is the damaged index, not
    a field with no terms."""
    from zhsearch.storage import terms

    def unreadable(self, fieldname, prefix):
        raise zlib.error("invalid stored block lengths")

    with zhsearch.open_index(index_dir) as idx:
        assert idx.stats()["terms"]["words"] > 0
        monkeypatch.setattr(terms.CompactTermsReader, "terms_from", unreadable)
        with pytest.raises(zhsearch.IndexCorruptError, match="--rebuild"):
            idx.stats()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names an open file through /proc")
def test_a_build_and_an_update_flush_their_files_before_meta_and_current_name_them(tmp_path, monkeypatch):
    """A power cut must not leave a meta.json (or CURRENT) naming files that never
    reached the disk: every data file is fsynced before meta.json is replaced,
    and the generation before CURRENT names it."""
    import os

    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("sync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", str(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write(corpus, "a.txt", "绿茶用八十度的水冲泡。\n")

    def check(events: list[tuple[str, str]]) -> int:
        gen = live_generation(index)
        metas = [i for i, (what, path) in enumerate(events) if what == "replace" and path == str(gen / "meta.json")]
        assert metas, events
        synced_before = {path for what, path in events[: metas[-1]] if what == "sync"}
        recorded = json.loads((gen / "meta.json").read_text(encoding="utf-8"))["sums"]
        assert recorded and all(str(gen / name) in synced_before for name in recorded), (recorded, events)
        assert ("sync", str(gen)) in events[: metas[-1]]  # their names too
        for i, (what, path) in enumerate(events):  # what names the rest flushes its data before its rename
            if what == "replace" and path.endswith(("meta.json", "CURRENT")):
                assert ("sync", path + ".tmp") in events[:i], (path, events)
        return metas[-1]

    zhsearch.build_index(corpus, index)
    last_meta = check(events)
    current = [i for i, (what, path) in enumerate(events) if what == "replace" and path == str(index / "CURRENT")]
    assert current and current[-1] > last_meta
    assert ("sync", str(index)) in events[last_meta:current[-1]]  # the new generation's folder, before CURRENT
    assert ("sync", str(index)) in events[current[-1]:]  # and CURRENT's new content

    events.clear()
    write(corpus, "b.txt", "红茶用沸水冲泡。\n")
    assert zhsearch.build_index(corpus, index).mode == "update"
    check(events)


def _disk_full(*args, **kwargs):
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_during_a_rebuild_is_one_line_and_leaves_the_live_index_as_it_was(tmp_path, monkeypatch):
    from zhsearch.storage import build

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write(corpus, "a.txt", "绿茶用八十度的水冲泡。\n")
    zhsearch.build_index(corpus, index)
    live = live_generation(index)
    write(corpus, "b.txt", "红茶用沸水冲泡。\n")
    monkeypatch.setattr(build, "write_meta", _disk_full)  # the new generation's last write
    result = CliRunner().invoke(main, ["index", "--rebuild", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert "\n" not in message and "No space left on device" in message and "the live index is unchanged" in message
    monkeypatch.undo()
    assert live_generation(index) == live and list(index.glob("gen-*")) == [live]  # nothing half-written beside it
    with zhsearch.open_index(index) as idx:
        assert idx.search("绿茶").total == 1 and idx.search("红茶").total == 0


def _update_dies_after_its_commit(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """Index 绿茶 (a.txt) and 乌龙茶 (c.txt), then add 红茶 (b.txt), delete c.txt
    and update: the disk fills after Whoosh's commit, as a kill there would end it."""
    from zhsearch.storage import build

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write(corpus, "a.txt", "绿茶用八十度的水冲泡。\n")
    write(corpus, "c.txt", "乌龙茶要先温杯。\n")
    zhsearch.build_index(corpus, index)
    write(corpus, "b.txt", "红茶用沸水冲泡。\n")
    (corpus / "c.txt").unlink()
    with monkeypatch.context() as patched:
        patched.setattr(build, "_save_lookups", _disk_full)
        with pytest.raises(zhsearch.IndexWriteError, match="stays searchable, and the next `zhsearch index` builds it again"):
            zhsearch.build_index(corpus, index)
    return corpus, index


def test_a_full_disk_after_an_update_committed_leaves_it_searchable_and_the_next_run_finishes_it(tmp_path, monkeypatch):
    corpus, index = _update_dies_after_its_commit(tmp_path, monkeypatch)
    with zhsearch.open_index(index) as idx:
        assert idx.search("绿茶").total == 1
    report = zhsearch.build_index(corpus, index)  # an update that did not finish is built again, and says so
    assert report.mode == "full" and report.warnings[0].startswith("its last update did not finish")
    with zhsearch.open_index(index) as idx:
        assert [idx.search(q).total for q in ("绿茶", "红茶", "乌龙茶")] == [1, 1, 0]
        assert idx.search("红茶")[0].source == "b.txt"


def test_a_search_of_an_unfinished_update_says_so_until_the_next_run_finishes_it(tmp_path, monkeypatch):
    corpus, index = _update_dies_after_its_commit(tmp_path, monkeypatch)
    with zhsearch.open_index(index) as idx:
        results = idx.search("绿茶")
    assert results.total == 1  # still searchable
    assert results.warnings == (f"the last update of the index at {index} did not finish, so its passages may not "
                                f"match the corpus; run `zhsearch index --rebuild --index {index.resolve()}`",)
    assert json.loads(json.dumps(results.to_dict()))["warnings"] == list(results.warnings)
    shown = run("search", "绿茶", "--index", str(index), "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["total"] == 1
    assert shown.stderr.startswith(f"zhsearch: warning: the last update of the index at {index} did not finish")
    with TestClient(create_app(index)) as client:  # the web API carries it too
        assert client.get("/api/search", params={"q": "绿茶"}).json()["warnings"] == list(results.warnings)
    with zhsearch.open_index(index) as server:  # an index kept open (a server's) from before it was killed ...
        with zhsearch.storage.layout.write_lock(index):  # ... says nothing while an update is under way
            assert server.search("绿茶").warnings == ()
        assert server.search("绿茶").warnings == results.warnings  # ... and again once none is
        zhsearch.build_index(corpus, index)  # finished: sealed
        assert server.search("绿茶").warnings == ()
    with TestClient(create_app(index)) as client:
        assert "warnings" not in client.get("/api/search", params={"q": "绿茶"}).json()
    with zhsearch.open_index(index) as idx:
        assert idx.search("绿茶").warnings == ()
        assert "warnings" not in idx.search("绿茶").to_dict()


def test_a_corpus_put_back_after_an_unfinished_update_is_what_the_index_holds(tmp_path, monkeypatch):
    """An update killed after Whoosh's commit, then the corpus put back as it was:
    its manifest still lists the files as they were, so an update would find
    nothing changed and keep the passages of the killed one."""
    corpus, index = _update_dies_after_its_commit(tmp_path, monkeypatch)
    (corpus / "b.txt").unlink()
    write(corpus, "c.txt", "乌龙茶要先温杯。\n")
    zhsearch.build_index(corpus, index)
    with zhsearch.open_index(index) as idx:
        assert [idx.search(q).total for q in ("绿茶", "红茶", "乌龙茶")] == [1, 0, 1]
    assert isinstance(zhsearch.storage.layout.read_meta(live_generation(index))["sums"], dict)  # checked again


def test_a_disk_refusing_the_update_writer_is_the_write_error_not_damage(tmp_path, monkeypatch):
    import errno

    from whoosh.filedb.filestore import FileStorage

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write(corpus, "a.txt", "绿茶用八十度的水冲泡。\n")
    zhsearch.build_index(corpus, index)
    write(corpus, "b.txt", "红茶用沸水冲泡。\n")

    def no_inodes(self, name, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileStorage, "create_file", no_inodes)
    with pytest.raises(zhsearch.IndexWriteError, match="stays searchable"):
        zhsearch.build_index(corpus, index)
    monkeypatch.undo()
    with zhsearch.open_index(index) as idx:
        assert idx.search("绿茶").total == 1


def test_a_failure_after_the_swap_keeps_the_generation_current_names(tmp_path, monkeypatch):
    import errno

    from zhsearch.storage import build

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write(corpus, "a.txt", "绿茶用八十度的水冲泡。\n")
    zhsearch.build_index(corpus, index)
    write(corpus, "b.txt", "红茶用沸水冲泡。\n")
    real = build.write_bytes_atomic

    def swapped_then_failed(path, data):
        real(path, data)
        if path.name == "CURRENT":
            raise OSError(errno.EIO, "Input/output error")  # the folder's fsync after the rename

    monkeypatch.setattr(build, "write_bytes_atomic", swapped_then_failed)
    with pytest.raises(zhsearch.IndexWriteError, match="the new index is in place"):
        zhsearch.build_index(corpus, index, rebuild=True)
    monkeypatch.undo()
    with zhsearch.open_index(index) as idx:
        assert idx.search("红茶").total == 1
