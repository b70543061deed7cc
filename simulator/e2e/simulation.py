"""One e2e replication as an object that can be advanced: :class:`Simulation`.

``Simulation(scenario, seed=…)`` builds the real side (hub, stores, links) beside the model's
replication and starts the stores' order streams; :meth:`Simulation.advance` runs virtual time on
(never past the scenario's end); :meth:`Simulation.place_order` adds an order of the model's kind
now; :meth:`Simulation.finish` takes the model's figures, lets the real side settle and
cross-checks the hub. :func:`simulator.e2e.run.run_e2e` and the pytest plugin use it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import simpy
import simpy.rt

from simulator.cells import HOUR_S
from simulator.e2e import features
from simulator.e2e.bridge import Bridge
from simulator.e2e.crosscheck import Check, compare_frames, cross_check
from simulator.e2e.hub import SimHub
from simulator.e2e.market import Market
from simulator.e2e.orders import products_of
from simulator.e2e.summary import summarize
from simulator.engine import Replication, order_flow, order_source
from simulator.metrics import replication_metrics
from simulator.scenario import Scenario

SETTLE_STEP_HOURS = 1.0
MANUAL_ORDERS = 1_000_000_000
"""Orders placed by hand are numbered from here (the model's own stay far below)."""


class Simulation:
    """The model's replication and the real marketplace it drives, in one virtual time."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int = 1,
        folder: Path,
        database_url: str | None = None,
        channels: Sequence[str] = (),
        live: float | None = None,
    ) -> None:
        """``live``: run against real processes at this many simulated seconds per wall
        second (:mod:`simulator.e2e.live`); ``None``: in process, in virtual time."""
        self.started = time.perf_counter()
        folder.mkdir(parents=True, exist_ok=True)
        self.scenario, self.seed = scenario, seed
        self.market: Any
        if live is None:
            self.rep = rep = Replication(scenario, seed, 0)
            self.market = market = in_process(rep, folder, seed, database_url, channels)
        else:
            environment = simpy.rt.RealtimeEnvironment(factor=HOUR_S / live, strict=False)
            self.rep = rep = Replication(scenario, seed, 0, environment)
            self.market = market = live_market(rep, folder, seed, database_url, channels)
        self.features = market.features
        self.bridge = bridge = Bridge(
            market.storefronts, market.parties, market.providers, market.link, market.moment
        )
        bridge.rewards = "incentives" in self.features["exercised"]
        bridge.insurance = "insurance" in self.features["exercised"]
        bridge.channel = "channel" in self.features["exercised"]
        bridge.operator = market.hub.admin_key
        bridge.post = market.post
        for index, store in enumerate(scenario.stores):
            bridge.announce_catalog(index, products_of(store, scenario))
        rep.observer = bridge
        market.start()
        for model in rep.stores:
            rep.env.process(order_source(rep.env, rep, model))
        rep.stats.start(rep.env, rep)
        self.manual = 0
        self.result: E2eResult | None = None
        self.built = time.perf_counter()
        if isinstance(rep.env, simpy.rt.RealtimeEnvironment):
            rep.env.sync()  # wall-clock time starts now, not when the environment was made

    @property
    def now(self) -> float:
        """Virtual time, in hours from the start."""
        return float(self.rep.env.now)

    @property
    def end(self) -> float:
        return float(self.rep.end)

    def advance(self, hours: float) -> float:
        """Run ``hours`` of virtual time on (up to the scenario's end); the new time."""
        until = min(self.now + hours, self.end)
        if until > self.now:
            self.rep.env.run(until=until)
        return self.now

    def place_order(self, store: int = 0) -> str:
        """An order of the model's kind at store ``store``, now (its webhook leaves at the next
        :meth:`advance`); its id. The model draws it from its own streams, so later decisions
        of this replication differ from a run without it."""
        self.manual += 1
        number = MANUAL_ORDERS + self.manual
        model = self.rep.stores[store]
        self.rep.env.process(order_flow(self.rep.env, self.rep, model, number))
        return str(number)

    def finish(self, settle_days: float = 14.0) -> E2eResult:
        """The model's figures now; the real side settles; the hub is cross-checked (once)."""
        if self.result is not None:
            return self.result
        rep, market = self.rep, self.market
        try:
            rep.stats.finish(rep.env.now)
            model = replication_metrics(rep)
            self.bridge.closed = True
            settled = self.settle(settle_days)
            ran = time.perf_counter()
            check = self.check()
            timing = {"setup_s": self.built - self.started, "run_s": ran - self.built}
            summary = summarize(self, model, check, settled, timing)
        finally:
            market.close()
        self.result = E2eResult(summary, check)
        return self.result

    def settle(self, days: float) -> float:
        """Run the real side on until nothing is pending (at most ``days``); hours it took."""
        env, start = self.rep.env, self.rep.env.now
        while self.market.pending() and env.now - start < days * 24:
            env.run(until=env.now + SETTLE_STEP_HOURS)
        return float(env.now - start)

    def check(self) -> Check:
        market = self.market
        wallets = {key for wallet in market.wallets for key in wallet.vouchers}
        twice = sum(wallet.twice for wallet in market.wallets)
        hub = market.hub
        incentives = hub.incentive_states() if self.bridge.rewards else None
        claims = hub.claims() if self.bridge.insurance else None
        records = hub.records()
        check = cross_check(self.bridge.expected, records, wallets, twice, incentives, claims)
        if self.bridge.channel:
            compare_frames(check, self.bridge.expected, records, hub.frames)
        if "ledger" in self.features["offered"]:
            check.ledger = market.hub.ledger()
        return check

    def close(self) -> None:
        """Release the stores' files and the hub's engine (also without :meth:`finish`)."""
        if self.result is None:
            self.market.close()


def in_process(
    rep: Replication, folder: Path, seed: int, url: str | None, channels: Sequence[str]
) -> Market:
    """The in-process hub and stores; a scenario wanting what the hub lacks is refused first."""
    hub = SimHub(
        folder, url or f"sqlite:///{folder / 'hub.sqlite'}", rep.scenario, Market.clock_of(rep.env)
    )
    try:
        used = features.require(rep.scenario, features.offered(hub.app))
        market = Market(rep, hub, folder, seed, tuple(channels))
    except Exception:
        hub.close()
        raise
    market.features = used
    return market


def live_market(
    rep: Replication, folder: Path, seed: int, url: str | None, channels: Sequence[str]
) -> Any:
    """Real processes over loopback (refused like :func:`in_process` when a feature lacks)."""
    from simulator.e2e.live import LiveMarket

    market = LiveMarket(rep, folder, seed, url, tuple(channels))
    try:
        market.features = features.require(
            rep.scenario, features.offered_paths(market.hub.paths()), features.EXERCISED_LIVE
        )
    except Exception:
        market.close()
        raise
    return market


class E2eResult:
    """A finished e2e run: ``summary`` (JSON-able) and the cross-check."""

    def __init__(self, summary: dict[str, Any], check: Check) -> None:
        self.summary, self.check = summary, check

    @property
    def ok(self) -> bool:
        return self.check.ok
