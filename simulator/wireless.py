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

import math
import random
from collections.abc import Generator
from typing import Any

import simpy

from ascc_plugin.backoff import Backoff
from simulator.histogram import Histogram
from simulator.link_profiles import LinkProfile

HOUR_S = 3600.0
MS_PER_HOUR = HOUR_S * 1000.0


class LinkStats:
    """What happened on the air, per profile: the ``wireless.*`` figures of summary.json."""

    __slots__ = ("delivered", "duplicated", "forgotten", "latency_ms", "lost", "retried", "sent")

    def __init__(self) -> None:
        self.sent = self.lost = self.retried = self.duplicated = self.delivered = 0
        self.forgotten = 0  # duplicates the receiver no longer recognised (retention too short)
        self.latency_ms = Histogram()


class Cell:
    """One cell of a party class's link: loss chain, up/down state, transfers in flight."""

    __slots__ = (
        "back",
        "bad",
        "down_bps",
        "dropped",
        "inflight",
        "loss_bad",
        "loss_good",
        "lossless",
        "mu",
        "outages",
        "p",
        "packets",
        "r",
        "rng",
        "sigma",
        "stats",
        "tail_ms",
        "up",
        "up_bps",
        "zero_delay",
    )

    def __init__(
        self, env: simpy.Environment, profile: LinkProfile, rng: random.Random, stats: LinkStats
    ) -> None:
        self.rng, self.stats, self.up = rng, stats, True
        self.packets = self.dropped = 0
        self.outages = profile.mean_up_s is not None  # transfers can be interrupted
        self.back = env.event()
        self.inflight: dict[simpy.Process, None] = {}  # insertion order: deterministic
        self.p, self.r = profile.p, profile.r
        self.loss_bad, self.loss_good = profile.loss_bad, profile.loss_good
        self.lossless = profile.p == 0 and profile.loss_good == 0
        self.bad = not self.lossless and rng.random() < profile.p / (profile.p + profile.r)
        self.down_bps = (profile.down_mbps or 0) * 1e6
        self.up_bps = (profile.up_mbps or 0) * 1e6
        self.zero_delay = profile.latency_ms == 0
        self.mu, self.sigma = _lognormal(profile.latency_ms, profile.jitter_ms)
        # a delay above this has probability < 1e-12 (7.03 σ): acks below it need no draw
        self.tail_ms = 0.0 if self.zero_delay else math.exp(self.mu + 7.03 * self.sigma)

    def lost(self) -> bool:
        """Whether the next packet is lost; advances the Gilbert–Elliott chain.

        The chain is per packet (netem's semantics), so a retry right after a loss is likelier
        lost too: the loss rate among *all* packets (``dropped / packets``, requests and acks)
        is π_B·(1−h) + π_G·(1−k); among a sender's attempts it is higher.
        """
        self.packets += 1
        if self.lossless:
            return False
        rnd = self.rng.random
        if self.bad:
            lost = rnd() < self.loss_bad
            self.bad = rnd() >= self.r
        else:
            lost = rnd() < self.loss_good
            self.bad = rnd() < self.p
        if lost:
            self.dropped += 1
        return lost

    def delay_ms(self, nbytes: int, upward: bool) -> float:
        """Serialisation plus propagation delay of one packet, in milliseconds."""
        bps = self.up_bps if upward else self.down_bps
        wire = nbytes * 8000.0 / bps if bps else 0.0
        if self.zero_delay:
            return wire
        return wire + math.exp(self.rng.gauss(self.mu, self.sigma))


def _lognormal(mean_ms: float, sd_ms: float) -> tuple[float, float]:
    if mean_ms == 0:
        return 0.0, 0.0
    from simulator.distributions import LogNormal

    return LogNormal(dist="lognormal", mean=mean_ms, sd=sd_ms).log_params()


def outages(env: simpy.Environment, cell: Cell, rng: random.Random, profile: LinkProfile) -> Any:
    """Process: the cell alternates up and down; going down interrupts transfers in flight."""
    assert profile.mean_up_s is not None
    up_rate, down_rate = HOUR_S / profile.mean_up_s, HOUR_S / profile.mean_down_s
    while True:
        yield env.timeout(rng.expovariate(up_rate))
        cell.up = False
        for process in list(cell.inflight):
            if process.is_alive:
                process.interrupt("link down")
        yield env.timeout(rng.expovariate(down_rate))
        cell.up = True
        back, cell.back = cell.back, env.event()
        back.succeed()


class Receiver:
    """Accepts each idempotency key once, remembering keys for at least ``retention`` hours."""

    __slots__ = ("current", "previous", "retention", "rotate_at")

    def __init__(self, retention_hours: float) -> None:
        self.current: set[int] = set()
        self.previous: set[int] = set()
        self.retention = retention_hours
        self.rotate_at = retention_hours

    def accept(self, key: int, now: float) -> bool:
        """True the first time ``key`` arrives (within the retention), False for a duplicate."""
        if now >= self.rotate_at:
            self.previous, self.current = self.current, set()
            self.rotate_at = now + self.retention
        if key in self.current or key in self.previous:
            return False
        self.current.add(key)
        return True


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
