"""Shared fixtures: a real index of the shipped corpus, built once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import zhsearch

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
JUDGMENTS = REPO / "examples" / "seeds_dev.jsonl"
LEXICON = CORPUS / ".zhsearch"  # the shipped corpus's own lexicon


@pytest.fixture(scope="session")
def corpus_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS, target, dirs_exist_ok=True)  # with its lexicon, .zhsearch/
    return target


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, corpus_copy) -> Path:
    target = tmp_path_factory.mktemp("index")
    zhsearch.build_index(corpus_copy, target)
    return target


@pytest.fixture(scope="session")
def idx(index_dir):
    with zhsearch.open_index(index_dir) as opened:
        yield opened


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
