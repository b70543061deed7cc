"""A real store service in this process: ``adapters.store.create_app`` in ``center`` mode.

Its settings are what a store owner would write (``[store]``, ``[center]``, ``[[programs]]``,
``[delivery]``); its handler is the real :class:`~ascc_plugin.client.handler.CenterHandler` —
outbox, sender, courier — built with the simulation's clock, a seeded random source and a
session whose transport reaches the in-process hub across the store's wireless cell. Vouchers
the courier hands over land in the :class:`Wallet` (a delivery channel, offered like any
third-party one), where the simulated customers find their holder secrets. Third-party ``ascc``
plugins installed in the environment are loaded into the store as in production.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask
from werkzeug.test import Client

from adapters.emulation import SignedRequest
from adapters.store.app import create_app, handler_of
from ascc_plugin.client.handler import CenterHandler
from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.models import Customer
from ascc_plugin.settings import Settings, settings_from_mapping
from ascc_plugin.vouchers import Voucher
from simulator.e2e.hub import BASE_URL, Registered
from simulator.e2e.orders import store_programs
from simulator.e2e.transport import Link, session_for
from simulator.scenario import Scenario
from simulator.scenario_sections import Store

HANDLER = "sim-center"
CHANNEL = "sim-wallet"
UnitKey = tuple[str, str, int, str]


class Wallet:
    """The customers' phones: every voucher a store delivered, by what it covers."""

    def __init__(self) -> None:
        self.vouchers: dict[UnitKey, Voucher] = {}
        self.twice = 0
        self.on_arrival: Callable[[UnitKey], None] = lambda key: None

    @hookimpl
    def ascc_deliver_voucher(self, voucher: Voucher, customer: Customer | None) -> None:
        key = (voucher.order_id, voucher.line_id, voucher.unit, voucher.program)
        if key in self.vouchers:
            self.twice += 1
            return
        self.vouchers[key] = voucher
        self.on_arrival(key)


class SimParts:
    """The plugin that offers the simulated store its handler and its wallet channel."""

    def __init__(self, wallet: Wallet, make_handler: Callable[[Settings], object]) -> None:
        self.wallet, self.make_handler = wallet, make_handler

    @hookimpl
    def ascc_register_handlers(
        self, register: Callable[[str, Callable[..., object]], None]
    ) -> None:
        register(HANDLER, self.make_handler)

    @hookimpl
    def ascc_register_channels(
        self, register: Callable[[str, Callable[..., object]], None]
    ) -> None:
        register(CHANNEL, lambda settings: self.wallet)


class SimStore:
    """One store of the scenario as a running store service (WSGI, in process)."""

    def __init__(
        self,
        folder: Path,
        index: int,
        store: Store,
        scenario: Scenario,
        registration: Registered,
        hub_app: Any,
        link: Link,
        clocks: tuple[Callable[[], float], Callable[[], datetime]],
        seed: int,
        wallet: Wallet,
        channels: tuple[str, ...] = (),
    ) -> None:
        self.index, self.store, self.link = index, store, link
        self.folder = folder / f"store-{index}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.secret = f"shpss_sim_{seed}_{index}"
        seconds, moment = clocks
        restarts = len(list(self.folder.glob("restart-*")))
        self.wallet = wallet
        self.channels = (CHANNEL, *channels)
        self.handler: CenterHandler | None = None

        def make_handler(settings: Settings) -> object:
            self.handler = CenterHandler(
                settings,
                session=session_for(hub_app, BASE_URL, link),
                clock=seconds,
                rand=random.Random(f"{seed}:sender:{index}:{restarts}"),  # noqa: S311 (jitter)
            )
            return self.handler

        self.pm = plugin_manager(SimParts(self.wallet, make_handler))
        settings = settings_from_mapping(self.tables(scenario, registration), self.pm)
        with catalog_announced_next():
            self.app: Flask = create_app(settings, pm=self.pm, clock=moment)
        self.client = Client(self.app)
        assert handler_of(self.app) is self.handler

    def tables(self, scenario: Scenario, registration: Registered) -> dict[str, Any]:
        wireless = scenario.wireless
        return {
            "store": {
                "platform": self.store.platform,
                "shop": self.store.shop,
                "mode": HANDLER,
                "issue_on": self.store.issue_on,
                "webhook_secret": self.secret,
                "state_db": str(self.folder / "state.sqlite3"),
                "events_log": str(self.folder / "events.jsonl"),
            },
            "center": {
                "url": BASE_URL,
                "signing_secret": registration.secret,
                "outbox": str(self.folder / "outbox.sqlite3"),
                "timeout_seconds": wireless.timeout_seconds,
                "retry_base_seconds": wireless.backoff_base_seconds,
                "retry_cap_seconds": wireless.backoff_cap_seconds,
            },
            "delivery": {"channels": list(self.channels)},
            "programs": store_programs(self.store, scenario),
        }

    @property
    def center(self) -> CenterHandler:
        assert self.handler is not None
        return self.handler

    def post(self, request: SignedRequest) -> int:
        """Deliver one storefront webhook; the store's HTTP status."""
        answer = self.client.post(request.path, headers=request.headers, data=request.body)
        if answer.status_code != 200:
            raise RuntimeError(
                f"store {self.store.shop} refused a webhook: {answer.status_code} "
                f"{answer.get_data(as_text=True)[:300]}"
            )
        return answer.status_code

    def pending(self) -> int:
        """Entries not yet sent, and parcels not yet handed to the wallet."""
        counts = self.center.outbox.counts()
        return counts["pending"] + len(self.center.outbox.parcels_waiting())

    def close(self) -> None:
        self.center.close(timeout=1.0)


@contextmanager
def catalog_announced_next() -> Iterator[None]:
    """Quiet the store's "empty catalog" warning at start: the run sends the catalog's product
    webhooks right after (a restarted store has it already)."""
    logger = logging.getLogger("adapters.store.catalog_warnings")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def plugin_manager(parts: SimParts) -> pluggy.PluginManager:
    """The store's plugin manager: built-ins, installed ``ascc`` plugins, the simulation's."""
    pm = get_plugin_manager()
    pm.register(parts, name="simulator-e2e")
    return pm
