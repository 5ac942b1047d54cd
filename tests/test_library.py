"""The library as a new user meets it: short reprs, a readable signature, fixed eval keys,
an honest progress estimate, plurals."""

import inspect
import json

import pytest
from click.testing import CliRunner

import zhsearch
from zhsearch.interfaces.cli import ProgressEstimate, main
from zhsearch.searching.rank import RankingConfig
from zhsearch.storage.build import BuildReport, counted

from conftest import JUDGMENTS


def test_reprs_are_one_short_line(idx):
    results = idx.search("九千会上门吗")
    text = repr(results)
    assert text.startswith("SearchResults(query='九千会上门吗', total=") and "hits=10" in text
    assert len(text) < 100 and "\n" not in text
    hit = repr(results[0])
    assert hit.startswith("Hit(rank=1, score=") and "location='004_69b0fd6045c32687.txt:" in hit
    assert len(hit) < 150 and results[0].text not in hit  # the text cut short
    report = zhsearch.evaluate(idx, JUDGMENTS, k=10)
    assert repr(report).startswith("EvalReport(k=10, queries=20, success_at_1=") and len(repr(report)) < 120
    pasted = repr(idx.search("上门" * 5_000))  # a page pasted as the query
    assert pasted.startswith("SearchResults(query='上门上门") and len(pasted) < 100


def test_an_unknown_field_to_analyze_is_a_zhsearch_error():
    with pytest.raises(zhsearch.BadQueryError, match="unknown field 'nope'; expected one of"):
        zhsearch.analyze("網貸九千", "nope")


def test_open_index_signature_names_the_default_ranking():
    signature = str(inspect.signature(zhsearch.open_index))
    assert "ranking: 'RankingConfig' = DEFAULT_RANKING" in signature and len(signature) < 120
    assert repr(RankingConfig()) == "DEFAULT_RANKING"
    assert repr(RankingConfig(heading_match=0.8, candidates=200)) == "RankingConfig(candidates=200, heading_match=0.8)"


def test_dir_lists_the_public_names_not_what_importing_left_behind(idx):
    names = dir(zhsearch)  # with an index open: submodules are loaded by now
    assert set(zhsearch._LAZY) <= set(zhsearch.__all__) <= set(names) and "__version__" in names
    assert not {"TYPE_CHECKING", "annotations", "errors", "whoosh_without_asyncio", "searching"} & set(names)
    assert all(getattr(zhsearch, name) is not None for name in zhsearch.__all__)


def test_eval_json_keys_do_not_change_with_k(index_dir):
    def keys(*extra):
        result = CliRunner().invoke(main, ["eval", str(JUDGMENTS), "--index", str(index_dir), "--json", *extra], env={})
        assert result.exit_code == 0
        return json.loads(result.output)

    three, ten = keys("-k", "3"), keys()
    assert {"queries", "k", "success_at_1", "mrr", "recall", "misses"} == set(three) and three["k"] == 3
    # ../shared/eval/run-all reads these three from the default k=10: they stay
    assert ten["k"] == 10 and {"success_at_1", "mrr_at_10", "recall_at_10"} <= set(ten)
    assert (ten["mrr_at_10"], ten["recall_at_10"]) == (ten["mrr"], ten["recall"])
    assert not any(key.endswith("_at_3") for key in three)


def test_the_first_estimate_leaves_out_the_start_up():
    """A 25.7 s build was first estimated at 3 min 56 s: the first file paid jieba's start-up."""
    now = [0.0]
    estimate = ProgressEstimate(100 * 1000, clock=lambda: now[0])
    steps = []
    for i in range(100):
        now[0] = 4.0 + 0.2 * i if i else 0.0  # the first file takes 4 s (start-up), the rest 0.2 s each
        steps.append(estimate.start(f"f{i}", 1000))
        if i == 3:
            left = estimate.seconds_left()
            assert left is not None and 15 < left < 25  # 96 files × 0.2 s ≈ 19 s, not 96 × 1.4 s
    assert sum(steps) == 99 * 1000 and estimate.shown().endswith(" s left")
    assert ProgressEstimate(10).shown() == ""  # nothing measured yet: nothing claimed


@pytest.mark.parametrize("n, expected", [(0, "0 changed files"), (1, "1 changed file"), (2, "2 changed files")])
def test_plurals(n, expected):
    assert counted(n, "changed file") == expected


def test_summaries_say_one_file(tmp_path):
    assert BuildReport("update", files_indexed=1, files_removed=0, passages_total=1).summary().startswith(
        "updated 1 changed file, removed 0; 1 passage in all")
    assert "skipped 1 unreadable file" in BuildReport("full", skipped=["x"]).summary()
    assert BuildReport("full", files_indexed=1, passages_total=2).summary().startswith("indexed 1 file, 2 passages")
