"""``--live``: the same scenario against real processes over loopback, in wall-clock time.

:class:`LiveMarket` offers what :class:`~simulator.e2e.market.Market` offers the bridge, with
real parts: ``ascc center serve`` (registered with ``ascc center init-db``, ``add-gsp``,
``add-provider``, ``add-policy``), one ``ascc store serve`` per scenario store (mode
``center``, the ``log`` delivery channel, its own background sender), and a loss/delay proxy
(:mod:`simulator.e2e.proxy`) between every party and the hub. The SimPy environment is a
``RealtimeEnvironment`` at ``speed`` simulated seconds per wall second; the customers' wallets
are read from the stores' delivery logs. Faults act on the processes: ``hub_down`` in the proxy,
``store_restart`` SIGKILLs the store and starts it again. The stores' clocks are the wall clock.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from adapters.emulation import SignedRequest
from ascc_plugin.settings import write_settings_file
from ascc_plugin.vouchers import Voucher
from simulator.cells import Cell, LinkStats, outages
from simulator.e2e.hub import Answer, Registered, SimHub
from simulator.e2e.market import OPEN_CASES
from simulator.e2e.orders import Storefront, store_programs
from simulator.e2e.parties import Parties
from simulator.e2e.proxy import LossyProxy
from simulator.e2e.store import Wallet
from simulator.e2e.transport import Link
from simulator.engine import Replication
from simulator.scenario_faults import Fault
from simulator.services import Service, center_service, store_service

POLL_HOURS = 0.05
CUSTOMER_ACTIONS = ("/activate", "/assign", "/assessment")
PROVIDER_ACTIONS = ("/redeem", "/complete")


class LiveHub:
    """The hub process: parties' calls through the proxy, records straight from the hub."""

    def __init__(self, service: Service, proxy: LossyProxy, admin_key: str) -> None:
        self.service, self.proxy, self.admin_key = service, proxy, admin_key
        self.session = requests.Session()

    def call(
        self,
        method: str,
        path: str,
        key: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        answer = self.session.request(
            method,
            self.proxy.url + path,
            json=body,
            timeout=30,
            headers={"Authorization": f"Bearer {key}", **(headers or {})},
        )
        try:
            found = answer.json()
        except ValueError:
            found = None
        return Answer(answer.status_code, found)

    def records(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params = {"limit": "200"}
        while True:
            page = self.session.get(
                self.service.url + "/api/v1/records",
                params=params,
                timeout=30,
                headers={"Authorization": f"Bearer {self.admin_key}"},
            )
            page.raise_for_status()
            items.extend(page.json()["items"])
            cursor = page.json().get("next_cursor")
            if not cursor:
                return items
            params["cursor"] = cursor

    def paths(self) -> set[str]:
        """The API paths the hub documents (its OpenAPI document)."""
        document = self.session.get(self.service.url + "/openapi.json", timeout=30).json()
        return set(document.get("paths", {}))

    def ledger(self) -> str:
        return "not checked in --live mode"

    def close(self) -> None:
        self.session.close()


class LiveMarket:
    """Real hub and store processes driven by ``rep.env`` (a real-time environment)."""

    def __init__(
        self,
        rep: Replication,
        folder: Path,
        seed: int,
        database_url: str | None = None,
        channels: tuple[str, ...] = (),
    ) -> None:
        self.rep, self.env, self.folder, self.seed = rep, rep.env, folder, seed
        self.scenario = rep.scenario
        self.features: dict[str, list[str]] = {}
        self.link_stats: dict[str, LinkStats] = {}
        self.links: dict[tuple[str, int], Link] = {}
        self.quiet = Link(None, self.scenario.wireless.timeout_seconds * 1000.0)
        self.admin_key = ""
        center = center_service(folder / "hub", database_url=database_url)
        center.env = {**center.env, "ASCC_HUB_RATE_LIMITS": "false"}
        self.registrations, self.providers = self._register(center)
        self.proxy = LossyProxy(center.url, self.link_for)
        self.hub = LiveHub(center, self.proxy, self.admin_key)
        self.services: list[Service] = []
        try:
            center.start()
            self.proxy.start()
            self.services = [self._store(i, channels) for i in range(len(self.scenario.stores))]
            for service in self.services:
                service.launch()
            for service in self.services:
                service.wait_ready(30.0)
        except Exception:
            self.close()
            raise
        self.wallets = [Wallet() for _ in self.scenario.stores]
        self.storefronts = [
            Storefront(store, self.secret(i)) for i, store in enumerate(self.scenario.stores)
        ]
        self.read = [0 for _ in self.services]
        self.down: set[int] = set()
        self.retries: dict[int, list[SignedRequest]] = {}
        self.parties = Parties(
            self.hub, self.wallets, self.later, lambda attempts: 0.01, lambda: float(self.env.now)
        )

    def moment(self) -> datetime:
        return datetime.now(UTC)

    def secret(self, index: int) -> str:
        return f"shpss_live_{self.seed}_{index}"

    def _register(self, center: Service) -> tuple[list[Registered], dict[int, Registered]]:
        """Migrate the hub's database and register the parties through the hub's own services
        (in this process, before the hub starts: one migration instead of a command each)."""
        folder = self.folder / "hub"
        url = center.env["ASCC_DATABASE_URL"]
        registrar = SimHub(folder, url, self.scenario, lambda: datetime.now(UTC))
        try:
            center.env = {
                **center.env,
                "ASCC_KEYS_DIR": str(folder / "hub-keys"),
                "ASCC_ADMIN_KEY": registrar.admin_key,
            }
            self.admin_key = registrar.admin_key
            stores = [registrar.add_store(s.platform, s.shop) for s in self.scenario.stores]
            providers = {
                unit.uid: registrar.add_provider(unit.name, cls.spec.categories, OPEN_CASES)
                for cls in self.rep.provider_classes
                for unit in cls.units
            }
        finally:
            registrar.close()
        return stores, providers

    def _store(self, index: int, channels: tuple[str, ...]) -> Service:
        store, wireless = self.scenario.stores[index], self.scenario.wireless
        folder = self.folder / f"store-{index}"
        config = write_settings_file(
            folder / "ascc.toml",
            {
                "store": {
                    "platform": store.platform,
                    "shop": store.shop,
                    "mode": "center",
                    "issue_on": store.issue_on,
                    "webhook_secret": self.secret(index),
                },
                "center": {
                    "url": self.proxy.url,
                    "signing_secret": self.registrations[index].secret,
                    "outbox": "outbox.sqlite3",
                    "timeout_seconds": wireless.timeout_seconds,
                    "retry_base_seconds": min(1.0, wireless.backoff_base_seconds),
                    "retry_cap_seconds": min(5.0, wireless.backoff_cap_seconds),
                },
                "delivery": {"channels": ["log", *channels], "log_file": "deliveries.jsonl"},
                "programs": store_programs(store, self.scenario),
            },
        )
        return store_service(config, workers=1)

    def link_for(self, path: str) -> Link:
        """The link a proxied request crosses: the store's, a customer's or a provider's."""
        if path.startswith("/api/v1/vouchers/"):
            party = "provider" if path.endswith(PROVIDER_ACTIONS) else "customer"
        else:
            party = "store"
        return self.proxy_link(party)

    def proxy_link(self, party: str) -> Link:
        found = self.links.get((party, 0))
        if found is None:
            found = Link(self._cell(party), self.quiet.timeout_ms)
            found.reachable = self.hub_up
            self.links[(party, 0)] = found
        return found

    def _cell(self, party: str, name: str | None = None) -> Cell:
        name = name or getattr(self.scenario.wireless, party)
        profile = self.scenario.profile(name)
        stats = self.link_stats.setdefault(name, LinkStats())
        cell = Cell(self.env, profile, self.rep.streams[f"live.link.{party}.{name}"], stats)
        if profile.mean_up_s is not None:
            rng = self.rep.streams[f"live.outage.{party}.{name}"]
            self.env.process(outages(self.env, cell, rng, profile))
        return cell

    def link(self, party: str, number: int) -> Link:
        """The bridge's steps need no in-process fate here: the proxy decides."""
        return self.quiet

    def hub_up(self) -> bool:
        hours = self.env.now
        return not any(f.kind == "hub_down" and f.active(hours) for f in self.scenario.faults)

    def later(self, hours: float, call: Callable[[], None]) -> None:
        self.env.timeout(hours).callbacks.append(lambda event: call())

    def post(self, store: int, request: object) -> None:
        assert isinstance(request, SignedRequest)
        if store not in self.down:
            try:
                request.send(self.services[store].url)
                return
            except requests.RequestException:
                pass
        self.retries.setdefault(store, []).append(request)

    def start(self) -> None:
        for index in range(len(self.services)):
            self.env.process(self.feed(index))
        for fault in self.scenario.faults:
            self.env.process(self.fault(fault))

    def feed(self, index: int) -> Generator[Any, Any, None]:
        """Process: hand the store's newly delivered vouchers (its log) to the wallet."""
        path = self.folder / f"store-{index}" / "deliveries.jsonl"
        while True:
            yield self.env.timeout(POLL_HOURS)
            if path.exists():
                lines = path.read_text(encoding="utf-8").splitlines()
                for line in lines[self.read[index] :]:
                    voucher = Voucher.model_validate(json.loads(line)["voucher"])
                    self.wallets[index].ascc_deliver_voucher(voucher, None)
                self.read[index] = len(lines)
            for request in self.retries.pop(index, []):
                self.post(index, request)

    def fault(self, fault: Fault) -> Generator[Any, Any, None]:
        yield self.env.timeout(max(0.0, fault.start_hours - self.env.now))
        if fault.kind == "link_profile":
            assert fault.profile is not None
            self.proxy_link(fault.party).cell = self._cell(fault.party, fault.profile)
        elif fault.kind == "store_restart":
            self.down.add(fault.store)
            self.services[fault.store].stop(kill=True)
            assert fault.end_hours is not None
            yield self.env.timeout(fault.end_hours - fault.start_hours)
            self.services[fault.store].start()
            self.down.discard(fault.store)

    def pending(self) -> int:
        waiting = self.parties.waiting() + sum(len(r) for r in self.retries.values())
        for index in range(len(self.services)):
            path = self.folder / f"store-{index}" / "outbox.sqlite3"
            if not path.exists():
                continue
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                waiting += db.execute(
                    "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending')"
                    " + (SELECT count(*) FROM parcels)"
                ).fetchone()[0]
        return int(waiting)

    def close(self) -> None:
        for service in self.services:
            service.stop()
        self.hub.service.stop()
        self.hub.close()
        if self.proxy.thread.is_alive():
            self.proxy.stop()
