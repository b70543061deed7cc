"""Work due far in the future, kept out of SimPy's event heap until it is nearly due.

A voucher's product may fail months after the order; a SimPy process sleeping that long per
voucher would hold a generator, a process and a timeout each (research notes, pitfall 2). Here a
due item is a small tuple on a plain heap; one process wakes every ``TICK_HOURS`` and starts
the items due before the next wake-up, each as a process that first sleeps the exact rest.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator
from typing import Any

import simpy

TICK_HOURS = 6.0

Flow = Callable[..., Generator[Any, Any, Any]]


class Deferred:
    """Starts ``flow(env, *args)`` at time ``due`` (hours), whatever the distance."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.heap: list[tuple[float, int, Flow, tuple[Any, ...]]] = []
        self.seq = 0
        self.next_wake = 0.0
        env.process(self._ticks(env))

    def at(self, due: float, flow: Flow, *args: Any) -> None:
        """Run ``flow(env, *args)`` as a process from time ``due`` (now, if already past)."""
        if due < self.next_wake + TICK_HOURS:
            self.env.process(self._start(self.env, due, flow, args))
        else:
            self.seq += 1
            heapq.heappush(self.heap, (due, self.seq, flow, args))

    def _ticks(self, env: simpy.Environment) -> Generator[Any, Any, None]:
        while True:
            self.next_wake = env.now + TICK_HOURS
            horizon = self.next_wake + TICK_HOURS
            heap = self.heap
            while heap and heap[0][0] < horizon:
                due, _, flow, args = heapq.heappop(heap)
                env.process(self._start(env, due, flow, args))
            yield env.timeout(TICK_HOURS)

    @staticmethod
    def _start(
        env: simpy.Environment, due: float, flow: Flow, args: tuple[Any, ...]
    ) -> Generator[Any, Any, Any]:
        if due > env.now:
            yield env.timeout(due - env.now)
        return (yield from flow(env, *args))

    def pending(self) -> int:
        """Items still on the heap (not yet started)."""
        return len(self.heap)
