"""Messages over wireless links: loss, latency, outages, retries and de-duplication.

Every message between parties crosses the link of the mobile party (``LinkProfile``, with its
sources, in :mod:`simulator.link_profiles`). A party class has ``CELLS`` independent cells (think
towers or access points); a party uses cell ``party_id % CELLS``. A cell holds:

- a Gilbert–Elliott chain advanced once per packet (requests and acknowledgements alike);
- an up/down state driven by the :func:`outages` process, which interrupts (``simpy.Interrupt``)
  every transfer in flight on the cell when it goes down — research notes, Appendix C/D;
- a one-shot ``back`` event the offline senders wait on (the phone's offline queue).

A sender (:meth:`Network.transmit`) sends, and on loss waits out its ack timeout and retries
with :class:`ascc_plugin.backoff.Backoff` — the real senders' full-jitter policy, not a copy.
Each message has an idempotency key; the receiver (:class:`Receiver`) accepts a key once and
counts any later arrival as a duplicate, as the hub does with ``webhook-id``. When a request
arrives but its acknowledgement is lost, the sender's further attempts are forked into a
separate process: they can only produce duplicates, while the caller goes on as the receiver.
Simulation time is in hours.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

import simpy

from ascc_plugin.backoff import Backoff
from simulator.cells import HOUR_S, MS_PER_HOUR, Cell, LinkStats, Receiver, outages

__all__ = ["HOUR_S", "Cell", "LinkStats", "Network", "Receiver", "outages"]


class Network:
    """The links of one replication: cells per party class, retry policy, message keys."""

    def __init__(
        self, env: simpy.Environment, timeout_s: float, backoff: Backoff, rng: random.Random
    ) -> None:
        self.env, self.backoff, self.rng = env, backoff, rng
        self.timeout_h = timeout_s / HOUR_S
        self.timeout_ms = timeout_s * 1000.0
        self.next_key = 0

    def _pause(self, attempts: int) -> float:
        """The backoff after ``attempts`` failed attempts, in hours."""
        return self.backoff.delay(attempts, self.rng) / HOUR_S

    def transmit(
        self, cell: Cell, upward: bool, receiver: Receiver, nbytes: int, ack_bytes: int
    ) -> Generator[Any, Any, None]:
        """Process fragment: send until the message reaches ``receiver``; returns on arrival.

        The first attempt's flight is inlined (it is the simulator's hottest code); retries
        go through :meth:`_flight`.
        """
        env, stats = self.env, cell.stats
        key, self.next_key = self.next_key, self.next_key + 1
        if not cell.up:
            yield cell.back  # the device's offline queue
        first_sent = start = env.now
        attempts = 1
        delay = None if cell.lost() else cell.delay_ms(nbytes, upward)
        if delay and not cell.outages:
            yield env.timeout(delay / MS_PER_HOUR)
        elif delay:
            process = env.active_process
            cell.inflight[process] = None  # type: ignore[index]
            try:
                yield env.timeout(delay / MS_PER_HOUR)
            except simpy.Interrupt:
                delay = None
            finally:
                cell.inflight.pop(process, None)  # type: ignore[arg-type]
        stats.sent += 1
        while delay is None:
            stats.lost += 1
            yield env.timeout(self._wait(start, attempts))
            if not cell.up:
                yield cell.back
            attempts += 1
            stats.sent += 1
            stats.retried += 1
            start = env.now
            delay = yield from self._flight(cell, upward, nbytes)
        if receiver.accept(key, env.now):
            stats.delivered += 1
            stats.latency_ms.add((env.now - first_sent) * MS_PER_HOUR)
        else:
            stats.duplicated += 1
        if not self._acked(cell, upward, delay, ack_bytes):
            resend = self._resend(cell, upward, receiver, (nbytes, ack_bytes), key, attempts, start)
            env.process(resend)

    def _wait(self, start: float, attempts: int) -> float:
        """From now to the end of the attempt's ack timeout, plus the backoff, in hours."""
        return max(start + self.timeout_h - self.env.now, 0.0) + self._pause(attempts)

    def _flight(self, cell: Cell, upward: bool, nbytes: int) -> Generator[Any, Any, float | None]:
        """One attempt on the air: its delay in ms, or None when lost or cut by an outage."""
        if cell.lost():
            return None
        delay = cell.delay_ms(nbytes, upward)
        if delay == 0.0:
            return delay
        process = self.env.active_process
        assert process is not None
        cell.inflight[process] = None
        try:
            yield self.env.timeout(delay / MS_PER_HOUR)
        except simpy.Interrupt:
            return None
        finally:
            cell.inflight.pop(process, None)
        return delay

    def _acked(self, cell: Cell, upward: bool, delay_ms: float, ack_bytes: int) -> bool:
        """Whether the acknowledgement gets back before the sender's timeout.

        When even a 1e-12-tail ack delay would be in time, no delay is drawn (saves a draw
        per message; changes no outcome but with probability below 1e-12).
        """
        if not cell.up or cell.lost():
            return False
        bps = cell.down_bps if upward else cell.up_bps
        wire = ack_bytes * 8000.0 / bps if bps else 0.0
        if delay_ms + wire + cell.tail_ms <= self.timeout_ms:
            return True
        return delay_ms + cell.delay_ms(ack_bytes, not upward) <= self.timeout_ms

    def _resend(
        self,
        cell: Cell,
        upward: bool,
        receiver: Receiver,
        sizes: tuple[int, int],
        key: int,
        attempts: int,
        start: float,
    ) -> Generator[Any, Any, None]:
        """Process: a sender whose ack was lost keeps trying; arrivals are duplicates.

        ``start`` is when the attempt that arrived was sent: its ack timeout runs from there.
        """
        env, stats = self.env, cell.stats
        nbytes, ack_bytes = sizes
        while True:
            yield env.timeout(self._wait(start, attempts))
            if not cell.up:
                yield cell.back
            attempts += 1
            stats.sent += 1
            stats.retried += 1
            start = env.now
            delay = yield from self._flight(cell, upward, nbytes)
            if delay is None:
                stats.lost += 1
                continue
            if receiver.accept(key, env.now):
                stats.forgotten += 1
            else:
                stats.duplicated += 1
            if self._acked(cell, upward, delay, ack_bytes):
                return
