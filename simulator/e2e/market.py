"""The simulated marketplace's real side in one replication: hub, stores, links, faults.

:class:`Market` builds the in-process hub and one store service per scenario store, registers
the model's providers, gives every party class its own wireless cells (own random streams, so
the model's draws are untouched), and runs two kinds of SimPy processes: a sender per store —
it drains the store's real outbox when an entry is due by the store's clock (the simulation's),
then spends the flight time in virtual time — and the scenario's ``[[faults]]``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import simpy

from adapters.emulation import SignedRequest
from ascc_plugin.backoff import Backoff
from simulator.cells import HOUR_S, Cell, LinkStats, outages
from simulator.e2e.hub import Registered, SimHub
from simulator.e2e.orders import Storefront
from simulator.e2e.parties import Parties
from simulator.e2e.store import SimStore, Wallet
from simulator.e2e.transport import Link
from simulator.engine import Replication
from simulator.scenario_faults import Fault
from simulator.world import EPOCH

PARTIES = ("store", "customer", "provider")
LAPSE_EVERY_HOURS = 1.0
EPOCH_S = EPOCH.timestamp()
OPEN_CASES = 100_000
"""The hub's provider capacity (open cases): the model's queue decides who waits, not the hub
(a scenario's ``capacity`` is technicians working at once, the queue behind them unbounded)."""


class Market:
    """Everything real in one e2e replication, driven by ``rep.env``."""

    def __init__(
        self,
        rep: Replication,
        hub: SimHub,
        folder: Path,
        seed: int,
        channels: tuple[str, ...] = (),
    ) -> None:
        self.rep, self.env, self.folder, self.seed = rep, rep.env, folder, seed
        self.channels = channels
        self.features: dict[str, list[str]] = {}
        self.scenario = scenario = rep.scenario
        self.hub = hub
        self.link_stats: dict[str, LinkStats] = {}
        self.cells = {party: self._cells(party) for party in PARTIES}
        self.timeout_ms = scenario.wireless.timeout_seconds * 1000.0
        self.links: dict[tuple[str, int], Link] = {}
        self.registrations = [self.hub.add_store(s.platform, s.shop) for s in scenario.stores]
        self.wallets = [Wallet() for _ in scenario.stores]
        self.stores = [self._store(i) for i in range(len(scenario.stores))]
        self.storefronts = [Storefront(s.store, s.secret) for s in self.stores]
        self.down: set[int] = set()
        self.retries: dict[int, list[SignedRequest]] = {}
        self.wakes = [self.env.event() for _ in self.stores]
        self.providers = self._providers()
        wireless = scenario.wireless
        self.backoff = Backoff(wireless.backoff_base_seconds, wireless.backoff_cap_seconds)
        self.backoff_rng = rep.streams["e2e.backoff"]
        self.parties = Parties(
            self.hub,
            self.wallets,
            self.later,
            self.pause,
            lambda: float(self.env.now),
            self.hub.mailbox.incentives.get,
            lambda moment: (moment - EPOCH).total_seconds() / HOUR_S,
            self.hub.frame,
        )

    @staticmethod
    def clock_of(env: simpy.Environment) -> Callable[[], datetime]:
        """The hub's clock for ``env``."""
        return lambda: EPOCH + timedelta(hours=env.now)

    def seconds(self) -> float:
        """The stores' clock: seconds since the epoch, at the simulation's time."""
        return EPOCH_S + self.env.now * HOUR_S

    def moment(self) -> datetime:
        """The hub's clock."""
        return EPOCH + timedelta(hours=self.env.now)

    def _cells(self, party: str, profile_name: str | None = None) -> list[Cell]:
        wireless, env = self.scenario.wireless, self.env
        name = profile_name or getattr(wireless, party)
        profile = self.scenario.profile(name)
        stats = self.link_stats.setdefault(name, LinkStats())
        streams = self.rep.streams
        rng = streams[f"e2e.link.{party}.{name}"]
        cells = [Cell(env, profile, rng, stats) for _ in range(wireless.cells)]
        if profile.mean_up_s is not None:
            outage_rng = streams[f"e2e.outage.{party}.{name}"]
            for cell in cells:
                env.process(outages(env, cell, outage_rng, profile))
        return cells

    def link(self, party: str, number: int) -> Link:
        """The link of party ``number`` of a class (one per cell, reused)."""
        cell = number % len(self.cells[party])
        found = self.links.get((party, cell))
        if found is None:
            sizes = self.scenario.wireless.message_bytes
            found = Link(self.cells[party][cell], self.timeout_ms, sizes.event, sizes.ack)
            found.reachable = self.hub_up
            self.links[(party, cell)] = found
        return found

    def hub_up(self) -> bool:
        hours = self.env.now
        return not any(f.kind == "hub_down" and f.active(hours) for f in self.scenario.faults)

    def _store(self, index: int) -> SimStore:
        return SimStore(
            self.folder,
            index,
            self.scenario.stores[index],
            self.scenario,
            self.registrations[index],
            self.hub.app,
            self.link("store", index),
            (self.seconds, self.moment),
            self.seed,
            self.wallets[index],
            self.channels,
        )

    def _providers(self) -> dict[int, Registered]:
        made = {}
        for cls in self.rep.provider_classes:
            spec = cls.spec
            for unit in cls.units:
                made[unit.uid] = self.hub.add_provider(unit.name, spec.categories, OPEN_CASES)
        return made

    def later(self, hours: float, call: Callable[[], None]) -> None:
        """Call ``call`` after ``hours`` of virtual time."""
        self.env.timeout(hours).callbacks.append(lambda event: call())

    def pause(self, attempts: int) -> float:
        """A party's wait before its next attempt: the ack timeout and the backoff, in hours."""
        delay = self.backoff.delay(attempts, self.backoff_rng)
        return (self.timeout_ms / 1000.0 + delay) / HOUR_S

    def post(self, store: int, request: object) -> None:
        """A storefront webhook; kept for the storefront's retry while the store is down."""
        assert isinstance(request, SignedRequest)
        if store in self.down:
            self.retries.setdefault(store, []).append(request)
            return
        self.stores[store].post(request)
        self.wake(store)

    def wake(self, store: int) -> None:
        if not self.wakes[store].triggered:
            self.wakes[store].succeed()

    def start(self) -> None:
        for index in range(len(self.stores)):
            self.env.process(self.sender(index))
        for fault in self.scenario.faults:
            self.env.process(self.fault(fault))
        self.env.process(self.worker())

    def worker(self) -> Generator[Any, Any, None]:
        """Process: the hub's worker lapses the incentives due, every virtual hour."""
        while True:
            yield self.env.timeout(LAPSE_EVERY_HOURS)
            self.hub.lapse_due()

    def sender(self, index: int) -> Generator[Any, Any, None]:
        """Process: drain store ``index``'s outbox whenever an entry is due."""
        env = self.env
        while True:
            store = self.stores[index]
            due = None if index in self.down else store.center.outbox.next_due()
            if due is None or due > self.seconds():
                self.wakes[index] = env.event()
                wait = [self.wakes[index]]
                if due is not None:
                    wait.append(env.timeout((due - self.seconds()) / HOUR_S))
                yield env.any_of(wait)
                continue
            store.center.sender.drain_once()
            store.center.courier.drain()
            spent = store.link.spend()
            if spent:
                yield env.timeout(spent)

    def fault(self, fault: Fault) -> Generator[Any, Any, None]:
        """Process: apply ``fault`` at its start and undo it at its end."""
        env = self.env
        yield env.timeout(max(0.0, fault.start_hours - env.now))
        if fault.kind == "link_profile":
            assert fault.profile is not None
            self.switch(fault.party, fault.profile)
        elif fault.kind == "store_restart":
            self.kill(fault.store)
            assert fault.end_hours is not None
            yield env.timeout(fault.end_hours - fault.start_hours)
            self.restart(fault.store)
        # hub_down is read by the links at every attempt (Market.hub_up)

    def switch(self, party: str, profile: str) -> None:
        """From now on, ``party``'s links behave as ``profile``."""
        self.cells[party] = self._cells(party, profile)
        for (who, cell), link in self.links.items():
            if who == party:
                link.cell = self.cells[party][cell]

    def kill(self, index: int) -> None:
        self.down.add(index)
        self.stores[index].close()

    def restart(self, index: int) -> None:
        (self.stores[index].folder / f"restart-{self.env.now:.6f}").touch()
        self.stores[index] = self._store(index)
        self.down.discard(index)
        self.stores[index].center.sender.deliver_pending()
        for request in self.retries.pop(index, []):
            self.post(index, request)
        self.wake(index)

    def pending(self) -> int:
        """Outbox entries and parcels not yet through, storefront retries, parties' steps."""
        stores = sum(s.pending() for i, s in enumerate(self.stores) if i not in self.down)
        retries = sum(len(r) for r in self.retries.values())
        return stores + retries + self.parties.waiting()

    def close(self) -> None:
        for index, store in enumerate(self.stores):
            if index not in self.down:
                store.close()
        self.hub.close()
