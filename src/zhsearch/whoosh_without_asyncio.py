"""Whoosh's core modules, loaded without importing asyncio.

whoosh-ng imports asyncio at module level (``whoosh.util.async_utils`` and
``whoosh.index``; ``whoosh.reading`` through the ``cached_property`` package)
for an async API zhsearch never calls.  asyncio brings ssl, socket and
subprocess with it: 306 → 262 ms of a cold ``zhsearch search`` in an A/B
(docs/benchmarks.md).

Importing this module loads those whoosh modules while ``sys.modules["asyncio"]``
is a stand-in, and removes the stand-in straight after.  Whoosh's modules keep
the stand-in as their ``asyncio``; it imports the real module the first time
any of its attributes is read, so whoosh's async API still works.  One
attribute it answers itself: ``iscoroutinefunction``, which ``cached_property``
asks on the first read of every cached attribute of a whoosh reader.  Once this
module is imported, whatever imports asyncio (uvicorn for ``zhsearch serve``, a
user's own code) gets the real module, submodules and all.

Every module of zhsearch that imports whoosh as it loads imports this one
first (a test checks), so a command that never touches an index (``--help``)
loads no whoosh at all.  The one limit: a thread that imports an asyncio
submodule for the first time while another thread is in this module's import
can get a second copy of that submodule; a threaded program that uses asyncio
imports it before zhsearch.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types


class _Asyncio(types.ModuleType):
    """asyncio, imported only when one of its attributes is read."""

    def __getattr__(self, name: str):
        if sys.modules.get(self.__name__) is self:  # read while still standing in (another thread may too)
            sys.modules.pop(self.__name__, None)
        return getattr(importlib.import_module(self.__name__), name)

    @staticmethod
    def iscoroutinefunction(func) -> bool:
        """asyncio's answer, without importing it: until asyncio is imported no
        function can carry its coroutine marker, and inspect's answer is the same."""
        real = sys.modules.get("asyncio")
        if real is not None and not isinstance(real, _Asyncio):
            return real.iscoroutinefunction(func)
        return inspect.iscoroutinefunction(func)


def _load_whoosh() -> None:
    # the modules of whoosh that import asyncio (whoosh.util.async_utils comes
    # with the first), or cached_property, which does
    import whoosh.index  # noqa: F401
    import whoosh.reading  # noqa: F401


def _load() -> None:
    if "asyncio" in sys.modules:  # already paid for (a server, a test run)
        _load_whoosh()
        return
    stand_in = _Asyncio("asyncio")
    sys.modules["asyncio"] = stand_in
    try:
        _load_whoosh()
    finally:
        if sys.modules.get("asyncio") is stand_in:
            del sys.modules["asyncio"]


_load()
