"""Short-lived, per-process caches of what rarely changes: a store's row, its programs' digest.

:class:`TtlCache` is a dict whose entries expire after ``ttl`` seconds (``time.monotonic``).
Reads and writes are single dict operations, atomic under the GIL, so threads share one cache
without a lock; a lost race only costs one extra database look-up. :func:`engine_cache` gives
each database engine its own named caches, so two apps (two databases) in one process never
see each other's entries, and the caches go when the engine goes.
"""

from __future__ import annotations

import time
import weakref
from typing import Generic, TypeVar

from sqlalchemy import Engine

K = TypeVar("K")
V = TypeVar("V")
_PER_ENGINE: weakref.WeakKeyDictionary[Engine, dict[str, TtlCache[object, object]]] = (
    weakref.WeakKeyDictionary()
)


class TtlCache(Generic[K, V]):
    """Entries live ``ttl`` seconds; at most ``size`` of them (the oldest go first)."""

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        if len(self._entries) >= self.size:
            self.prune()
        self._entries[key] = (time.monotonic() + self.ttl, value)

    def discard(self, key: K) -> None:
        self._entries.pop(key, None)

    def prune(self) -> None:
        """Drop expired entries, then the oldest half if still full."""
        now = time.monotonic()
        live = {k: e for k, e in list(self._entries.items()) if e[0] >= now}
        if len(live) >= self.size:
            live = dict(sorted(live.items(), key=lambda item: item[1][0])[len(live) // 2 :])
        self._entries = live


def engine_cache(engine: Engine, name: str, ttl: float) -> TtlCache[object, object]:
    """The cache ``name`` of ``engine``'s database (made on first use)."""
    caches = _PER_ENGINE.get(engine)
    if caches is None:
        caches = _PER_ENGINE.setdefault(engine, {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, TtlCache(ttl))
    return cache
