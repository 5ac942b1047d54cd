"""Output that scales: copies counted after a few locations, a long line's passages placed by column."""

import json

from click.testing import CliRunner

import zhsearch
from zhsearch.interfaces.cli import ALSO_SHOWN, main
from zhsearch.reading.passages import split_passages

from conftest import write

SENTENCE = "网贷逾期以后平台一般先打电话提醒借款人还款，很少直接派人上门催收。"


def test_a_long_line_gives_passages_placed_by_their_column():
    line = "".join(f"第{i}句说的是分期还款的第{i}种办法，和上门催收没有关系。" for i in range(60))
    passages = split_passages("标题在这里说明全文内容\n\n" + line + "\n", "long.txt")
    assert len(passages) > 3 and {p.line for p in passages} == {3}
    assert passages[0].column == 1 and passages[0].location == "long.txt:3"
    for p in passages:
        assert line[p.column - 1 :].startswith(p.text)  # the column is where its text starts in the line
    assert [p.column for p in passages] == sorted({p.column for p in passages})
    assert passages[1].location == f"long.txt:3:{passages[1].column}"


def test_cli_json_and_api_carry_the_column(tmp_path):
    corpus = tmp_path / "c"
    line = "".join(f"第{i}段讲分期还款的第{i}种办法，和催收无关。" for i in range(80)) + "最后一句讲上门取证的目的。"
    write(corpus, "long.txt", "标题在这里说明全文内容\n\n" + line + "\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    result = CliRunner().invoke(main, ["search", "上门取证的目的", "-n", "1", "--index", str(tmp_path / "ix")], env={})
    with zhsearch.open_index(tmp_path / "ix") as idx:
        hit = idx.search("上门取证的目的", limit=1)[0]
    assert hit.column > 1 and line[hit.column - 1 :].startswith(hit.text)
    assert f"long.txt:3:{hit.column}" in result.output
    data = json.loads(CliRunner().invoke(main, ["search", "上门取证的目的", "-n", "1", "--json", "--index",
                                                str(tmp_path / "ix")], env={}).output)
    assert data["hits"][0]["column"] == hit.column and data["hits"][0]["line"] == 3


def test_also_at_shows_a_few_locations_and_counts_the_rest(tmp_path):
    corpus = tmp_path / "c"
    for i in range(8):
        write(corpus, f"copy{i}.txt", f"第{i}份的标题写在这里\n\n{SENTENCE}\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    result = CliRunner().invoke(main, ["search", "上门催收", "-n", "1", "--index", str(tmp_path / "ix")], env={})
    (also,) = [line for line in result.output.splitlines() if "also at:" in line]
    assert also.count(".txt:") == ALSO_SHOWN and also.endswith(f"and {7 - ALSO_SHOWN} more")
    with zhsearch.open_index(tmp_path / "ix") as idx:
        assert len(idx.search("上门催收", limit=1)[0].also) == 7  # the library and JSON keep them all
