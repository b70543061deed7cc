"""The state of wireless links: cells with loss chains and outages, receivers, statistics.

A :class:`Cell` is one cell of a party class's link (see :mod:`simulator.wireless` for how
messages use it): a per-packet Gilbert–Elliott chain, lognormal delay plus serialisation, an
up/down state driven by :func:`outages` (which interrupts transfers in flight), and the one-shot
``back`` event offline senders wait on. A :class:`Receiver` accepts each idempotency key once.
"""

from __future__ import annotations

import math
import random
from typing import Any

import simpy

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
