"""What a cold search loads: whoosh without asyncio (src/zhsearch/whoosh_without_asyncio.py),
without whoosh.searching (src/zhsearch/searching/searcher.py), and for a question and
hits in simplified script without OpenCC (text/t2s_changes.txt).

Each test runs a fresh interpreter: the test process has asyncio loaded already
(pytest's anyio plugin), so the tests in-process never meet the stand-in."""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "zhsearch"


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
        "print(sorted(name for name in ('asyncio', 'ssl', 'subprocess', 'whoosh.searching', 'whoosh.query', 'logging',\n"
        "                              'opencc')\n"
        "             if name in sys.modules))\n",
        str(index_dir),
    )
    assert loaded == "[]"


def test_a_did_you_mean_loads_no_whoosh_query_classes(index_dir):
    loaded = run(
        "import sys\n"
        "from zhsearch.searching.search import open_index\n"
        "results = open_index(sys.argv[1]).search('网带逾期', limit=3)\n"  # 网带: a bigram the corpus lacks
        "assert [s.text for s in results.suggestions] == ['网贷逾期']\n"
        "print(sorted(name for name in ('whoosh.query', 'whoosh.searching') if name in sys.modules))\n",
        str(index_dir),
    )
    assert loaded == "[]"


def test_a_filter_loads_whooshs_searcher_when_it_needs_it(index_dir):
    loaded = run(
        "import sys\n"
        "from zhsearch.searching.search import open_index\n"
        "idx = open_index(sys.argv[1])\n"
        "assert len(idx.search('九千会上门吗', limit=3)) == 3 and 'whoosh.searching' not in sys.modules\n"
        "hits = idx.search('九千会上门吗 file:004*', limit=3)\n"
        "assert len(hits) == 3 and all(h.source.startswith('004') for h in hits)\n"
        "idx.close()\n"
        "print('whoosh.searching' in sys.modules)\n",
        str(index_dir),
    )
    assert loaded == "True"


def test_whoosh_async_api_and_a_later_asyncio_are_the_real_ones():
    out = run(
        "import sys, zhsearch.whoosh_without_asyncio, whoosh.index, whoosh.util.async_utils as au\n"
        "assert 'asyncio' not in sys.modules\n"
        "async def seven(): return 7\n"
        "print(au.run_async_from_sync(seven()))\n"  # through the stand-in
        "import asyncio, asyncio.events\n"
        "print(type(asyncio).__name__, asyncio.events is sys.modules['asyncio.events'])\n"
        "print(asyncio.iscoroutinefunction(seven), whoosh.index.asyncio.iscoroutinefunction(seven))\n"
    )
    assert out.splitlines() == ["7", "module True", "True True"]


def test_a_command_that_reads_no_index_loads_no_whoosh():
    out = run(
        "import sys, zhsearch\n"
        "from zhsearch.interfaces.cli import main\n"
        "sys.argv = ['zhsearch', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(name for name in sys.modules if name.split('.')[0] in ('whoosh', 'asyncio')))\n"
    )
    assert out.splitlines()[-1] == "LOADED []"


def test_every_module_that_loads_whoosh_loads_it_without_asyncio_first():
    """(Module level only: a function's whoosh import runs after its module's.)"""
    checked = 0
    for path in sorted(SRC.rglob("*.py")):
        imports = [node for node in ast.parse(path.read_text(encoding="utf-8")).body
                   if isinstance(node, (ast.Import, ast.ImportFrom))]
        modules = [node.module if isinstance(node, ast.ImportFrom) else node.names[0].name for node in imports]
        first_whoosh = next((i for i, m in enumerate(modules) if m and m.split(".")[0] == "whoosh"), None)
        if first_whoosh is not None and path.name != "whoosh_without_asyncio.py":
            assert "zhsearch.whoosh_without_asyncio" in modules[:first_whoosh], path
            checked += 1
    assert checked >= 7  # analyzer, retrieve, records, terms, bulk, mapped, cluster scoring


def test_asyncio_imported_before_zhsearch_stays_the_one_whoosh_uses():
    out = run(
        "import asyncio, sys, zhsearch.storage.layout, whoosh.index, whoosh.util.async_utils as au\n"
        "print(whoosh.index.asyncio is asyncio is sys.modules['asyncio'] is au.asyncio)\n"
    )
    assert out == "True"


def test_asyncio_imported_after_is_whole():
    out = run(
        "import zhsearch.storage.layout\n"
        "import asyncio, asyncio.events\n"
        "loop = asyncio.new_event_loop()\n"
        "print(asyncio.AbstractEventLoop is asyncio.events.AbstractEventLoop,\n"
        "      isinstance(loop, asyncio.events.AbstractEventLoop))\n"
        "loop.close()\n"
    )
    assert out == "True True"


def test_the_stand_in_read_while_standing_in_gives_way_to_asyncio():
    out = run(
        "import sys\n"
        "from zhsearch.whoosh_without_asyncio import _Asyncio\n"
        "stand_in = sys.modules['asyncio'] = _Asyncio('asyncio')\n"
        "future = stand_in.Future\n"
        "real = sys.modules['asyncio']\n"
        "print(type(real).__name__, future is real.Future)\n"
    )
    assert out == "module True"


def test_the_stand_in_answers_iscoroutinefunction_as_asyncio_does():
    out = run(
        "import sys, zhsearch.whoosh_without_asyncio, whoosh.index\n"
        "stand_in = whoosh.index.asyncio\n"
        "async def co(): pass\n"
        "def plain(): pass\n"
        "print(stand_in.iscoroutinefunction(co), stand_in.iscoroutinefunction(plain), 'asyncio' in sys.modules)\n"
        "import asyncio.coroutines\n"
        "plain._is_coroutine = asyncio.coroutines._is_coroutine\n"  # asyncio's own mark: inspect cannot see it
        "print(stand_in.iscoroutinefunction(plain), asyncio.iscoroutinefunction(plain))\n"
    )
    assert out.splitlines() == ["True False False", "True True"]
