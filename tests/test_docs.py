"""The README is a user guide: short, about what a user runs, every command documented;
LICENSE, CHANGELOG and project URLs exist, and the wheel carries the license."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from zhsearch.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_is_a_short_user_guide():
    assert len(README) <= 30_000, len(README)
    for section in ("## Install", "## Quick start", "## Command line", "## Query syntax", "## Files it reads",
                    "## Search page and JSON API", "## Library", "## Configuration", "## Troubleshooting",
                    "## Relevance and speed"):
        assert section in README
    headings, fenced = [], False
    for line in README.splitlines():
        fenced ^= line.startswith("```")
        if line.startswith("#") and not fenced:  # (a shell comment in a code block is no heading)
            headings.append(line)
    assert len(headings) == len(set(headings)), "a heading twice: its link anchor goes to the first"


def test_readme_points_a_user_at_nothing_a_clone_lacks():
    assert "../shared" not in README  # development checkout only: docs/development.md says so
    assert "../shared/eval/run-all" in (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    for link in ("docs/design.md", "docs/benchmarks.md", "docs/development.md", "CHANGELOG.md", "LICENSE"):
        assert f"({link})" in README and (ROOT / link).is_file()


def test_readme_keeps_the_test_command_ci_runs():
    command = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test,web,semantic]' && python -m pytest"
    assert command in README


def test_every_command_is_documented():
    for name in main.commands:
        assert f"`zhsearch {name}" in README, name


def test_one_install_hint_per_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "zhsearch").rglob("*.py"))
    for extra in project["optional-dependencies"]:
        assert f"`{extra}`" in README, extra
        assert f"pip install -e '.[{extra}]'" not in sources  # messages name the package, as a user installed it


def test_license_changelog_and_urls():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert {"Homepage", "Changelog", "Issues"} <= set(project["urls"])
    assert (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").startswith("# Changelog")


def test_shell_completion_is_documented_and_works():
    assert "_ZHSEARCH_COMPLETE=bash_source zhsearch" in README
    env = {**os.environ, "_ZHSEARCH_COMPLETE": "bash_complete", "COMP_WORDS": "zhsearch se", "COMP_CWORD": "1"}
    result = CliRunner().invoke(main, [], prog_name="zhsearch", env=env)
    assert result.exit_code == 0
    assert "plain,search" in result.output and "plain,serve" in result.output


def test_ci_builds_and_tries_the_wheel():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in ci and "pip wheel" in ci and "/venv/bin/zhsearch\" search" in ci
