"""zhsearch files [--skipped], and .zhsearchignore keeping files and folders out."""

import json

from click.testing import CliRunner

import zhsearch
from zhsearch.interfaces.cli import main
from zhsearch.storage.listing import IGNORED

from conftest import write

ARTICLE = "网贷逾期以后，平台一般先打电话提醒，很少直接上门催收。\n"


def _corpus(tmp_path):
    corpus = tmp_path / "c"
    write(corpus, "a.txt", ARTICLE)
    write(corpus, "notes/b.md", "# 笔记\n\n" + ARTICLE + "\n协商分期还款是常见的做法。\n")
    write(corpus, "drafts/d.txt", "草稿：上门催收的说法还没核实。\n")
    write(corpus, "build/out.html", "<p>生成的页面，上门催收。</p>")
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    return corpus


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], env={})


def test_files_lists_every_indexed_file_with_its_passages_and_every_skipped_one_with_why(tmp_path):
    corpus, index = _corpus(tmp_path), tmp_path / "ix"
    zhsearch.build_index(corpus, index)
    result = _run("files", "--index", index)
    assert result.exit_code == 0
    listed = {line.split()[1]: int(line.split()[0]) for line in result.stdout.splitlines()}
    assert listed == {"a.txt": 1, "build/out.html": 1, "drafts/d.txt": 1, "notes/b.md": 1}
    assert "4 files, 4 passages" in result.stderr
    result = _run("files", "--skipped", "--index", index)
    assert result.stdout == "broken.docx  not a readable Word file (BadZipFile)\n"
    assert "1 file left out" in result.stderr
    with zhsearch.open_index(index) as idx:
        assert [(f.path, f.passages) for f in idx.files()][0] == ("a.txt", 1)
        assert [f.path for f in idx.skipped_files()] == ["broken.docx"]


def test_zhsearchignore_keeps_files_and_folders_out_and_an_update_notices_it(tmp_path):
    corpus, index = _corpus(tmp_path), tmp_path / "ix"
    zhsearch.build_index(corpus, index)
    (corpus / ".zhsearchignore").write_text("# drafts and build output\ndrafts/\nbuild/\n*.md\n!notes/keep.md\n",
                                            encoding="utf-8")
    assert "changed since the last update" in _run("files", "--index", index).stderr
    report = zhsearch.build_index(corpus, index)  # an update re-reads the rules: newly ignored files go
    assert report.files_removed == 3
    with zhsearch.open_index(index) as idx:
        assert [f.path for f in idx.files()] == ["a.txt"]
        assert {(f.path, f.reason) for f in idx.skipped_files()} >= {
            ("drafts/d.txt", IGNORED), ("build/out.html", IGNORED), ("notes/b.md", IGNORED)}
        assert not idx.search("草稿").total
    data = json.loads(_run("files", "--skipped", "--json", "--index", index).stdout)
    assert {"path": "drafts/d.txt", "reason": IGNORED} in data["skipped"]
    write(corpus, "notes/keep.md", "# 保留\n\n" + ARTICLE)  # a negated rule lets one back in
    (corpus / ".zhsearchignore").write_text("build/\n*.md\n!notes/keep.md\n", encoding="utf-8")
    zhsearch.build_index(corpus, index)
    with zhsearch.open_index(index) as idx:
        assert [f.path for f in idx.files()] == ["a.txt", "drafts/d.txt", "notes/keep.md"]
    assert "changed since" not in _run("files", "--index", index).stderr
    (corpus / ".zhsearchignore").unlink()  # no rules: everything comes back
    zhsearch.build_index(corpus, index)
    with zhsearch.open_index(index) as idx:
        assert len(idx.files()) == 5


def test_a_file_in_an_ignored_folder_stays_out_whatever_a_later_rule_says(tmp_path):
    """git's rule: it does not look inside a folder it ignores, so !drafts/b.txt takes nothing back."""
    from zhsearch.reading.passages import ignore_matcher

    ignored = ignore_matcher(["drafts/", "!drafts/b.txt", "*.md", "!keep/*.md", "!drafts/"])
    assert not ignored("drafts/b.txt")  # the folder itself taken back: its files with it
    ignored = ignore_matcher(["drafts/", "!drafts/b.txt", "*.md", "!keep/*.md", "logs"])
    assert ignored("drafts/b.txt") and ignored("drafts/sub/c.txt") and ignored("a/logs/x.txt")
    assert ignored("notes/x.md") and not ignored("keep/x.md") and not ignored("a.txt")
    # what git check-ignore says of git's documented ways to take files back
    assert not ignore_matcher(["drafts/**", "!drafts/keep.txt"])("drafts/keep.txt")  # ** names what is inside
    only_text = ignore_matcher(["*", "!*/", "!*.txt"])  # every folder back, then the .txt files in them
    assert not only_text("a/b.txt") and only_text("a/b.md") and not only_text("drafts.txt/z.txt")
    folders_only = ignore_matcher(["drafts/**/", "!drafts/sub/c.txt"])  # a rule ending in / names folders only
    assert not folders_only("drafts/b.txt") and folders_only("drafts/sub/c.txt")


def test_an_unreadable_ignore_file_is_one_line_with_the_fix(tmp_path):
    corpus = _corpus(tmp_path)
    (corpus / ".zhsearchignore").write_bytes(b"\xff\xfe\x00bad")
    result = _run("index", "--corpus", corpus, "--index", tmp_path / "ix")
    assert result.exit_code == 2
    assert result.stderr.startswith("zhsearch: error: cannot read") and "UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_rule_git_cannot_read_is_one_line_naming_it(tmp_path):
    corpus = _corpus(tmp_path)
    (corpus / ".zhsearchignore").write_text("drafts/\n!\n", encoding="utf-8")
    result = _run("index", "--corpus", corpus, "--index", tmp_path / "ix")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("zhsearch: error: line 2 of .zhsearchignore, '!', is not a gitignore rule (")
    assert result.stderr.rstrip().endswith("correct or remove it") and not (tmp_path / "ix").exists()


def test_watch_follows_the_ignore_file_though_it_is_hidden(tmp_path):
    from zhsearch.storage.watch import _change_filter

    wanted = _change_filter(tmp_path, tmp_path / "ix")
    assert wanted(None, str(tmp_path / ".zhsearchignore"))
    assert not wanted(None, str(tmp_path / ".hidden.txt"))
