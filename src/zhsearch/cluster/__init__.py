"""zhsearch over a Sphinx / Manticore cluster (SphinxQL): the same search, stored and
retrieved by a distributed engine.

zhsearch keeps doing what only it does — reading formats, OpenCC, jieba,
bigrams, cross-strait readings, the rerank and highlights — and the engine
stores the analysed passages in sharded real-time tables and answers stage 1
through a distributed table (docs/scale.md).

>>> from zhsearch.cluster import start_cluster, load_cluster, open_cluster   # doctest: +SKIP
>>> config = start_cluster("/tmp/zc", shards=2)                             # doctest: +SKIP
>>> load_cluster("corpus", config).summary()                                # doctest: +SKIP
>>> open_cluster("/tmp/zc/cluster.toml").search("九千会上门吗")[0].source     # doctest: +SKIP
"""

from zhsearch.cluster.config import ClusterConfig, Endpoint, Shard, load_config
from zhsearch.cluster.load import load_cluster
from zhsearch.cluster.local import running, searchd_binary, start_cluster, stop_cluster
from zhsearch.cluster.search import ClusterIndex, ClusterResults, open_cluster

__all__ = [
    "ClusterConfig", "ClusterIndex", "ClusterResults", "Endpoint", "Shard", "load_cluster", "load_config",
    "open_cluster", "running", "searchd_binary", "start_cluster", "stop_cluster",
]
