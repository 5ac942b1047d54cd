"""Whoosh's core modules, loaded without importing asyncio.

whoosh-ng imports asyncio at module level (``whoosh.util.async_utils``,
``whoosh.index``, and through the ``cached_property`` package
``whoosh.reading``) for its async API, which zhsearch never calls.  asyncio brings ssl, socket and subprocess with it: about
35 ms of every cold ``zhsearch search`` on the benchmark machine
(docs/benchmarks.md).

Importing this module loads those whoosh modules while ``sys.modules["asyncio"]``
is a stand-in, and removes the stand-in straight after.  Whoosh's modules keep
the stand-in as their ``asyncio``; it imports the real module the first time
any of its attributes is read, so whoosh's async API still works.  One
attribute it answers itself: ``iscoroutinefunction``, which ``cached_property``
asks on the first read of every cached attribute of a whoosh reader.  Everything
else that imports asyncio afterwards (uvicorn for ``zhsearch serve``, a user's
own code) gets the real module, submodules and all.

``zhsearch/__init__.py`` imports this module before anything else can import
whoosh; a test holds a cold search to importing no asyncio.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types


class _Asyncio(types.ModuleType):
    """asyncio, imported only when one of its attributes is read."""

    def __getattr__(self, name: str):
        if sys.modules.get(self.__name__) is self:  # read while still standing in
            del sys.modules[self.__name__]
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
    # what a search loads of whoosh; each of these imports asyncio, or a module that does
    import whoosh.codec.whoosh3  # noqa: F401
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
