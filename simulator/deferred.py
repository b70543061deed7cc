"""Work due far in the future, kept out of SimPy's event heap until it is nearly due.

A voucher's product may fail months after the order; a SimPy process sleeping that long per
voucher would hold a generator, a process and a timeout each (research notes, pitfall 2). Here a
due item is a small tuple on a plain heap; one process wakes every ``TICK_HOURS`` and arms the
items due before its next wake-up as timeouts of the exact remaining time. An item is either a
flow (a generator function run as a process, ``at``) or a plain call (``call``).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator
from typing import Any

import simpy

TICK_HOURS = 6.0

Flow = Callable[..., Generator[Any, Any, Any]]
Item = tuple[float, int, bool, Callable[..., Any], tuple[Any, ...]]


class Deferred:
    """Starts ``flow(env, *args)`` or calls ``fn(env, *args)`` at time ``due`` (hours)."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.heap: list[Item] = []
        self.seq = 0
        self.next_wake = 0.0
        env.process(self._ticks(env))

    def at(self, due: float, flow: Flow, *args: Any) -> None:
        """Run ``flow(env, *args)`` as a process from time ``due`` (now, if already past)."""
        self._plan(due, True, flow, args)

    def call(self, due: float, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(env, *args)`` at time ``due`` (no process: one timeout event)."""
        self._plan(due, False, fn, args)

    def _plan(self, due: float, flow: bool, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if due < self.next_wake + TICK_HOURS:
            self._arm(due, flow, fn, args)
        else:
            self.seq += 1
            heapq.heappush(self.heap, (due, self.seq, flow, fn, args))

    def _arm(self, due: float, flow: bool, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        env = self.env
        if flow and due <= env.now:
            env.process(fn(env, *args))
            return
        timer = env.timeout(max(due - env.now, 0.0))
        if flow:

            def start(_: simpy.Event) -> None:
                env.process(fn(env, *args))

            timer.callbacks.append(start)
        else:
            timer.callbacks.append(lambda _: fn(env, *args))

    def _ticks(self, env: simpy.Environment) -> Generator[Any, Any, None]:
        while True:
            self.next_wake = env.now + TICK_HOURS
            horizon = self.next_wake + TICK_HOURS
            heap = self.heap
            while heap and heap[0][0] < horizon:
                due, _, flow, fn, args = heapq.heappop(heap)
                self._arm(due, flow, fn, args)
            yield env.timeout(TICK_HOURS)

    def pending(self) -> int:
        """Items still on the heap (not yet armed)."""
        return len(self.heap)
