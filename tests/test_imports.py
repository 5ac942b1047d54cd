"""What a cold search loads: whoosh without asyncio (src/zhsearch/whoosh_without_asyncio.py),
and without whoosh.searching (src/zhsearch/searching/searcher.py).

Each test runs a fresh interpreter: the test process has asyncio loaded already."""

import subprocess
import sys


def run(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_search_imports_no_asyncio(index_dir):
    loaded = run(
        "import sys\n"
        "from zhsearch.searching.search import open_index\n"
        "hits = open_index(sys.argv[1]).search('九千会上门吗', limit=3)\n"
        "assert len(hits) == 3\n"
        "print(sorted(name for name in ('asyncio', 'ssl', 'subprocess', 'whoosh.searching', 'whoosh.query', 'logging')\n"
        "             if name in sys.modules))\n",
        str(index_dir),
    )
    assert loaded == "[]"


def test_a_filter_loads_whooshs_searcher_when_it_needs_it(index_dir):
    loaded = run(
        "import sys\n"
        "from zhsearch.searching.search import open_index\n"
        "idx = open_index(sys.argv[1])\n"
        "hits = idx.search('九千会上门吗 file:004*', limit=3)\n"
        "assert len(hits) == 3 and all(h.source.startswith('004') for h in hits)\n"
        "idx.close()\n"
        "print('whoosh.searching' in sys.modules)\n",
        str(index_dir),
    )
    assert loaded == "True"


def test_whoosh_async_api_and_a_later_asyncio_are_the_real_ones():
    out = run(
        "import sys, zhsearch, whoosh.index, whoosh.util.async_utils as au\n"
        "assert 'asyncio' not in sys.modules\n"
        "async def seven(): return 7\n"
        "print(au.run_async_from_sync(seven()))\n"  # through the stand-in
        "import asyncio, asyncio.events\n"
        "print(type(asyncio).__name__, asyncio.events is sys.modules['asyncio.events'])\n"
        "print(asyncio.iscoroutinefunction(seven), whoosh.index.asyncio.iscoroutinefunction(seven))\n"
    )
    assert out.splitlines() == ["7", "module True", "True True"]


def test_the_stand_in_answers_iscoroutinefunction_as_asyncio_does():
    out = run(
        "import sys, zhsearch, whoosh.index\n"
        "stand_in = whoosh.index.asyncio\n"
        "async def co(): pass\n"
        "def plain(): pass\n"
        "print(stand_in.iscoroutinefunction(co), stand_in.iscoroutinefunction(plain), 'asyncio' in sys.modules)\n"
    )
    assert out == "True False False"
