"""The ``gsp`` handler: the store runs the center's own service layer, for itself only.

Claims 8–14: a store issues its vouchers without any center. The handler builds the hub's own
Flask app (:func:`center.create_app`) on the store's database and key folder, migrates it, and
registers the store as its one GSP. Each canonical event goes through the very ``ingest`` the
hub's ``POST /api/v1/events`` runs; the hub's voucher, directory and records API is mounted
under the store service (``ascc_mount_apps``), so customers and providers talk to the store.

The hub gets exactly the settings the store gives (:func:`hub_settings`: ``[gsp]``, ``[keys]``,
``[store]``), never the environment's ``ASCC_*`` hub settings: an operator key or database URL
meant for a center never reaches a store's own hub. Providers are registered with the hub's own
commands pointed at the store's settings file: ``ascc center --config ascc.toml add-provider …``
(``[hub]`` of that file names the same database and key folder).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask

from ascc_plugin.handlers import BaseHandler
from ascc_plugin.hooks import hookimpl
from ascc_plugin.keys import write_private
from ascc_plugin.models import Customer, GspRef, Order, OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.settings import Settings, SettingsError
from ascc_plugin.vouchers import Issuance, Voucher
from center import migrate
from center.api.hub import EXTENSION_KEY, Hub
from center.app import create_app
from center.parties.models import Gsp
from center.parties.services import add_gsp, gsp_by_shop
from center.privacy import services as privacy
from center.settings import GspSection, HubSettings
from center.vouchers.ingest import ingest

API_PREFIXES = ("/api/", "/.well-known/", "/openapi.json")
CREDENTIALS_FILE = "gsp-credentials.json"


class GspHandler(BaseHandler):
    """Answers ``ascc_issue_vouchers`` by issuing here, with the hub's service layer."""

    def __init__(self, settings: Settings) -> None:
        if settings.keys.dir is None:
            raise SettingsError(
                f"{settings.where()}: keys.dir: gsp mode signs vouchers: set [keys] dir "
                "(made by 'ascc keys generate --out keys')"
            )
        self.app = create_app(hub_settings(settings))
        self.hub: Hub = self.app.extensions[EXTENSION_KEY]
        migrate.upgrade(self.hub.database)
        self.gsp_id = self._ensure_gsp(settings, settings.keys.dir)
        self.hub.database.dispose()  # no connection survives into forked server workers

    def use_plugin_manager(self, pm: pluggy.PluginManager) -> None:
        """Delivery and notification hooks run through the store's plugin manager."""
        super().use_plugin_manager(pm)
        self.hub.pm = pm

    @hookimpl
    def ascc_issue_vouchers(
        self, event: OrderEvent, order: Order, programs: Sequence[Program]
    ) -> Issuance:
        hub = self.hub

        def work(session: Any) -> Any:
            gsp = session.get(Gsp, self.gsp_id)
            return ingest(session, gsp, event, programs, hub.issuer, hub.clock())

        result = hub.database.run(work)
        hub.notify_issued(result)
        fields = Voucher.model_fields
        vouchers = [
            Voucher.model_validate({k: v for k, v in item.items() if k in fields})
            for item in result.vouchers
        ]
        return Issuance.of("issued", vouchers)

    @hookimpl
    def ascc_customer_redact(
        self, gsp: GspRef, customer: Customer, order_ids: Sequence[str]
    ) -> None:
        with self.hub.database.transaction() as session:
            privacy.redact(privacy.matching_customers(session, self.gsp_id, customer, order_ids))

    @hookimpl
    def ascc_shop_redact(self, gsp: GspRef) -> None:
        with self.hub.database.transaction() as session:
            privacy.redact_store(session, self.gsp_id)

    @hookimpl
    def ascc_customer_data_request(
        self, gsp: GspRef, customer: Customer, order_ids: Sequence[str]
    ) -> dict[str, Any] | None:
        with self.hub.database.transaction(write=False) as session:
            found = privacy.matching_customers(session, self.gsp_id, customer, order_ids)
            return privacy.customer_data(session, self.gsp_id, found) if found else None

    @hookimpl
    def ascc_mount_apps(self, mount: Callable[[str, Flask], None]) -> None:
        for prefix in API_PREFIXES:
            mount(prefix, self.app)

    def _ensure_gsp(self, settings: Settings, keys_dir: Path) -> str:
        """The store's own GSP record, made on first start (its API key is written once)."""
        store = settings.store
        with self.hub.database.transaction() as session:
            existing = gsp_by_shop(session, store.shop)
            if existing is not None:
                return existing.id
            made = add_gsp(
                session,
                name=store.shop,
                platform=store.platform,
                shop=store.shop,
                now=self.hub.clock(),
            )
        write_private(keys_dir / CREDENTIALS_FILE, (json.dumps(made, indent=2) + "\n").encode())
        return made["gsp_id"]


def hub_settings(settings: Settings) -> HubSettings:
    """The hub's settings for this store: its database, keys, issuer, links and policy only."""
    gsp, store = settings.section(GspSection), settings.store
    return HubSettings(
        database_url=gsp.database_url or f"sqlite:///{gsp.database}",
        keys_dir=settings.keys.dir or HubSettings().keys_dir,
        issuer=settings.issuer,
        public_url=gsp.public_url or f"http://{store.host}:{store.port}",
        issue_on=store.issue_on,
        **gsp.reward_rules().model_dump(),
    )
