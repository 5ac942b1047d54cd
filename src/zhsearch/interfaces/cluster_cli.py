"""``zhsearch cluster start|stop`` and ``zhsearch index --cluster``: the cluster's commands,
each a thin layer over :mod:`zhsearch.cluster`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from zhsearch.errors import ZhsearchError


def load_into_cluster(cluster: Path, corpus: Path | None, rebuild: bool, watch: bool) -> None:
    """``zhsearch index --cluster CLUSTER.toml``: load the corpus, or bring the cluster up to date."""
    from zhsearch.cluster import load_cluster, load_config

    if watch:
        raise ZhsearchError("--watch follows a local index; run `zhsearch index --cluster` after changes instead")
    config = load_config(cluster)
    corpus = corpus if corpus is not None else Path(os.environ.get("ZHSEARCH_CORPUS") or "corpus")
    report = load_cluster(corpus, config, rebuild=rebuild)
    for message in report.skipped + report.warnings:
        click.echo(f"zhsearch: warning: {message}", err=True)
    click.echo(f"{report.summary()} ({len(config.shards)} shards of {cluster})")


_DIR = click.option("--dir", "folder", type=click.Path(path_type=Path, file_okay=False), required=True,
                    help="The cluster's folder: configurations, tables, logs, cluster.toml, pids.json.")


@click.group("cluster")
def cluster_group() -> None:
    """Run a Sphinx/Manticore cluster on this machine (searchd on loopback ports)."""


@cluster_group.command("start")
@click.option("--shards", default=2, show_default=True, type=click.IntRange(1, 64), help="Real-time shards.")
@click.option("--mirrors", default=0, show_default=True, type=click.IntRange(0, 4), help="Mirrors of each shard.")
@_DIR
def start_command(shards: int, mirrors: int, folder: Path) -> None:
    """Start one searchd per shard (and mirror) plus the distributed table; write DIR/cluster.toml."""
    from zhsearch.cluster import running, start_cluster

    config = start_cluster(folder, shards=shards, mirrors=mirrors)
    pids = running(folder)
    click.echo(f"cluster of {len(config.shards)} shards running: {config.path} "
               f"(distributed table {config.table} at {config.distributed}; pids {' '.join(map(str, pids.values()))})")
    click.echo(f"next: zhsearch index --cluster {config.path} --corpus DIR", err=True)


@cluster_group.command("stop")
@_DIR
def stop_command(folder: Path) -> None:
    """Stop exactly the searchd processes `cluster start` started in DIR."""
    from zhsearch.cluster import stop_cluster

    stopped = stop_cluster(folder)
    if not stopped:
        click.echo(f"zhsearch: no cluster is running in {folder}", err=True)
        sys.exit(1)
    click.echo(f"stopped {len(stopped)} searchd processes ({' '.join(map(str, stopped))})")
