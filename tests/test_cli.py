import json

from click.testing import CliRunner

import zhsearch
from zhsearch.interfaces.cli import main

from conftest import JUDGMENTS, write


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)


def test_search_json_has_the_contract_fields_and_matches_the_library(index_dir, idx):
    result = run("search", "九千会上门吗", "--index", str(index_dir), "--json", "-n", "5")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) == {"query", "took_ms", "total", "hits", "suggestions"}
    assert set(data["hits"][0]) >= {"rank", "score", "source", "title", "line", "text", "highlights"}
    library = idx.search("九千会上门吗", limit=5)
    assert [(h["source"], h["line"]) for h in data["hits"]] == [(h.source, h.line) for h in library]


def test_plain_output_shows_source_line_and_text(index_dir):
    result = run("search", "上门取证的目的", "--index", str(index_dir), "-n", "2")
    assert result.exit_code == 0
    assert "003_107d5c6a02a6c2dc.txt:" in result.output
    assert "\x1b[" not in result.output  # not a terminal: no colour


def test_no_results_exit_1(index_dir):
    result = run("search", "zzzzqqqq", "--index", str(index_dir))
    assert result.exit_code == 1


def test_errors_exit_2_with_one_line(tmp_path):
    (tmp_path / "corpus_file").write_text("x")
    result = CliRunner().invoke(main, ["index", "--corpus", str(tmp_path / "corpus_file"), "--index", str(tmp_path / "i")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["search", "x", "-n", "0", "--index", str(tmp_path / "i")])
    assert result.exit_code == 2


def test_first_search_builds_a_missing_index(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", "网贷逾期怎么办\n\n逾期以后应当主动联系平台协商还款。\n")
    index = tmp_path / "index"
    result = CliRunner().invoke(main, ["search", "协商还款", "--index", str(index), "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "building it" in result.output
    assert "a.txt:3" in result.output


def test_environment_variables_set_the_defaults(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", "标题标题标题标题\n\n正文说明分期还款的办法。\n")
    env = {"ZHSEARCH_CORPUS": str(corpus), "ZHSEARCH_INDEX": str(tmp_path / "ix")}
    assert run("index", env=env).exit_code == 0
    assert run("search", "分期还款", env=env).exit_code == 0


def test_index_reports_what_it_did(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", "标题标题标题标题\n\n第一段正文。\n")
    first = run("index", "--corpus", str(corpus), "--index", str(tmp_path / "i"))
    assert "indexed 1 file, 1 passage" in first.output
    again = run("index", "--corpus", str(corpus), "--index", str(tmp_path / "i"))
    assert "up to date" in again.output


def test_stats_and_analyze(index_dir):
    stats = run("stats", "--index", str(index_dir))
    assert stats.exit_code == 0 and "passages" in stats.output
    analyzed = run("analyze", "貸款九千")
    assert "words       0     0-2    贷款" in analyzed.output
    assert "9000" in analyzed.output
    assert "other wording 命令行 → 指令行/指令列" in run("analyze", "命令行选项").output


def test_eval_prints_the_measures(index_dir):
    result = run("eval", str(JUDGMENTS), "--index", str(index_dir))
    assert result.exit_code == 0
    assert "S@1" in result.output and "MRR@10" in result.output and "Recall@10" in result.output


def test_explain_flag(index_dir):
    result = run("search", "九千会上门吗", "--index", str(index_dir), "-n", "1", "--explain")
    assert "coverage" in result.output and "bm25f" in result.output


def test_search_rebuilds_an_index_from_another_version(tmp_path):
    from zhsearch.storage.layout import live_generation, read_meta, write_meta

    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", "标题标题标题标题\n\n正文说明分期还款的办法。\n")
    zhsearch.build_index(corpus, tmp_path / "i")
    gen = live_generation(tmp_path / "i")
    write_meta(gen, {**read_meta(gen), "schema_version": 1000}, seal=False)  # as another version writes it
    result = CliRunner().invoke(main, ["search", "分期还款", "--index", str(tmp_path / "i"), "--corpus", str(corpus)])
    assert result.exit_code == 0 and "rebuilding it" in result.output


def test_eval_with_bad_answers_is_one_line_and_exit_2(index_dir, tmp_path):
    for answers in ("[1, null]", '[""]', "[]", '["  "]', '"上门"'):
        judgments = tmp_path / "j.jsonl"
        judgments.write_text('{"id": "q1", "query": "上门", "answers": ["上门"]}\n'
                             f'{{"id": "q2", "query": "上门", "answers": {answers}}}\n', encoding="utf-8")
        result = run("eval", str(judgments), "--index", str(index_dir))
        assert result.exit_code == 2, (answers, result.output)
        assert result.output.startswith(f"zhsearch: error: {judgments}:2: not a judgment line (")
        assert result.output.count("\n") == 1, result.output


def test_an_empty_query_is_said_before_a_missing_index_is_built(tmp_path):
    for query in ("", "   "):
        result = run("search", query, "--index", str(tmp_path / "index"), "--corpus", str(tmp_path / "none"))
        assert result.exit_code == 2 and "the query is empty" in result.output and "building" not in result.output
    assert not (tmp_path / "index").exists()


def test_analyze_cuts_with_the_corpus_own_lexicon_and_leaves_the_process_as_it_was(tmp_path):
    from zhsearch.text.lexicon import active_lexicon

    write(tmp_path / "corpus", "a.txt", "网贷逾期\n")
    write(tmp_path / "corpus" / ".zhsearch", "userdict.txt", "网贷逾期 1000 n\n")
    before = active_lexicon()
    own = run("analyze", "网贷逾期", "--field", "words", "--corpus", str(tmp_path / "corpus"),
              "--index", str(tmp_path / "index"))
    assert active_lexicon() == before
    plain = run("analyze", "网贷逾期", "--field", "words", "--corpus", str(tmp_path / "none"),
                "--index", str(tmp_path / "index"))
    assert own.exit_code == plain.exit_code == 0
    assert "words       0     0-4    网贷逾期" in own.output
    assert "网贷逾期" not in plain.output.split("query words")[0].split("\n", 1)[1]
