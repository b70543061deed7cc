"""Clocks that move only when told to."""

from __future__ import annotations


class FakeClock:
    """Seconds since the epoch that move only when ``sleep`` is called."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
