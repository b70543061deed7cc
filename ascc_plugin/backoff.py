"""Exponential backoff with full jitter: how long a sender waits before trying again.

After the n-th failed attempt the wait is ``uniform(0, min(cap, base · 2ⁿ⁻¹))`` seconds, or the
receiver's ``Retry-After`` when that is longer (capped too). One policy for every sender of the
project — the store's outbox sender, the hub's webhook worker, the simulator's links — so what a
simulation shows is what the real code does. The random source is passed in, never global.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Uniform(Protocol):
    """A random source: ``random.Random``, ``random.SystemRandom`` or a test double."""

    def uniform(self, a: float, b: float) -> float: ...


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, in seconds."""

    base: float = 1.0
    cap: float = 600.0

    def ceiling(self, attempts: int) -> float:
        """The longest wait after ``attempts`` failed attempts (1, 2, … )."""
        return min(self.cap, self.base * 2.0 ** min(max(attempts, 1) - 1, 60))

    def delay(self, attempts: int, rand: Uniform, retry_after: float | None = None) -> float:
        """The wait after ``attempts`` failed attempts; ``retry_after`` (seconds) if longer."""
        wait = rand.uniform(0.0, self.ceiling(attempts))
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap))
        return wait
