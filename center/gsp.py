"""The ``gsp`` handler: the store runs the center's own service layer, for itself only.

Claims 8–14: a store issues its vouchers without any center. The handler builds the hub's own
Flask app (:func:`center.create_app`) on the store's database and key folder, migrates it, and
registers the store as its one GSP. Each canonical event goes through the very ``ingest`` the
hub's ``POST /api/v1/events`` runs; the hub's voucher, directory and records API and its pages
(:data:`center.pages.PREFIXES`: the customer page ``/v/<id>``, the consoles, their assets) are
mounted under the store service (``ascc_mount_apps``), so customers and providers talk to the store.

Vouchers reach customers through the hub's own delivery (:mod:`center.handover`): every new
holder secret is sealed into a handover row per channel of ``[delivery] channels`` in the
issuing transaction, handed to the channels within the webhook request, and retried by the
store's own worker (webhooks, expiry, handovers: :class:`center.worker.runner.Worker`, run in a
thread of each serving process; on SQLite one of them at a time) until each channel took it. A
store in gsp mode without a delivery channel is refused at start: it would issue secrets nobody
receives.

The hub gets exactly the settings the store gives (:func:`hub_settings`: ``[gsp]``, ``[keys]``,
``[store]``, ``[delivery]``), never the environment's ``ASCC_*`` hub settings: an operator key
or database URL meant for a center never reaches a store's own hub. Providers are registered
with the hub's own commands pointed at the store's settings file: ``ascc center --config
ascc.toml add-provider …`` (``[hub]`` of that file names the same database and key folder).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask

from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.handlers import BaseHandler
from ascc_plugin.hooks import hookimpl
from ascc_plugin.keys import write_private
from ascc_plugin.models import Customer, GspRef, Order, OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.settings import Settings, SettingsError
from ascc_plugin.vouchers import Issuance, Voucher
from center import migrate, pages
from center.api.hub import EXTENSION_KEY, Hub
from center.app import create_app
from center.channel.relay import close_on_sigterm
from center.handover.sender import HandoverSender
from center.handover.services import set_hub_delivery
from center.parties.models import Gsp
from center.parties.services import add_gsp, gsp_by_shop
from center.privacy import services as privacy
from center.settings import GspSection, HubSettings
from center.vouchers.ingest import ingest, prepare
from center.worker.command import dispatcher
from center.worker.jobs import default_jobs
from center.worker.runner import Worker

API_PREFIXES = ("/api/", "/.well-known/", "/openapi.json", "/ws/", *pages.PREFIXES)
HTTP_THREADS = 4
CREDENTIALS_FILE = "gsp-credentials.json"


class GspHandler(BaseHandler):
    """Answers ``ascc_issue_vouchers`` by issuing here, with the hub's service layer."""

    def __init__(self, settings: Settings) -> None:
        if settings.keys.dir is None:
            raise SettingsError(
                f"{settings.where()}: keys.dir: gsp mode signs vouchers: set [keys] dir "
                "(made by 'ascc keys generate --out keys')"
            )
        if not settings.section(DeliverySection).channels:
            raise SettingsError(
                f"{settings.where()}: delivery.channels: gsp mode issues holder secrets that "
                'only a delivery channel hands to customers: add [delivery] channels = ["log"] '
                '(or "email", or a plugin\'s channel)'
            )
        self.app = create_app(hub_settings(settings))
        self.hub: Hub = self.app.extensions[EXTENSION_KEY]
        migrate.upgrade(self.hub.database)
        self.gsp_id = self._ensure_gsp(settings, settings.keys.dir)
        self.hub.database.dispose()  # no connection survives into forked server workers
        self.worker: Worker | None = None
        self.thread: threading.Thread | None = None

    def serving_options(self) -> dict[str, Any]:
        """The channel's sockets need threads: the store serves with gthread workers, one thread
        per socket beside its HTTP threads, and closes sockets with 1012 on SIGTERM."""
        return {
            "worker_class": "gthread",
            "threads": HTTP_THREADS + self.hub.settings.channel_max_sockets,
            "post_worker_init": close_on_sigterm,
        }

    def use_plugin_manager(self, pm: pluggy.PluginManager) -> None:
        """Notification hooks run through the store's plugin manager; its delivery channels
        (registered as ``delivery:<name>``) take the handovers."""
        super().use_plugin_manager(pm)
        self.hub.pm = pm
        self.worker = store_worker(self.hub, pm)

    def start(self) -> None:
        """The store's own worker in a daemon thread of this serving process (idempotent)."""
        if self.worker is None or self.thread is not None:
            return
        self.worker.stop.clear()
        self.thread = threading.Thread(target=self.worker.run, name="ascc-gsp-worker", daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the worker after the sends in flight; ``True`` if it ended in time."""
        thread, self.thread = self.thread, None
        if self.worker is None or thread is None:
            return True
        self.worker.stop.set()
        thread.join(timeout)
        return not thread.is_alive()

    @hookimpl
    def ascc_issue_vouchers(
        self, event: OrderEvent, order: Order, programs: Sequence[Program]
    ) -> Issuance:
        hub = self.hub

        def work(session: Any) -> Any:
            gsp = session.get(Gsp, self.gsp_id)
            return ingest(session, prepare(gsp, event, programs, hub.issuer, hub.clock()))

        result = hub.database.run(work)
        hub.notify_issued(result)
        if result.issued and self.worker is not None and self.worker.handovers is not None:
            self.worker.handovers.round()  # delivered within the request; refusals retried
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
                set_hub_delivery(session, existing.id, True, self.hub.clock())
                return existing.id
            made = add_gsp(
                session,
                name=store.shop,
                platform=store.platform,
                shop=store.shop,
                now=self.hub.clock(),
            )
            set_hub_delivery(session, made["gsp_id"], True, self.hub.clock())
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
        webhook_allow_http=gsp.webhook_allow_http,
        webhook_allow_networks=gsp.webhook_allow_networks,
        delivery_channels=settings.section(DeliverySection).channels,
        **gsp.reward_rules().model_dump(),
    )


def store_worker(hub: Hub, pm: pluggy.PluginManager) -> Worker:
    """The store's worker: its outbound webhooks, its scheduled jobs (expiry …) and its
    handovers through the channels the store's plugin manager registered."""
    names = hub.settings.delivery_channels
    found = {name: pm.get_plugin(f"delivery:{name}") for name in names}
    channels = {name: channel for name, channel in found.items() if channel is not None}
    sealer = hub.issuer.sealer
    handovers = (
        HandoverSender(hub.database, sealer, channels, hub.settings.public_url, clock=hub.clock)
        if sealer is not None
        else None
    )
    settings = hub.settings
    return Worker(
        hub.database,
        dispatcher(hub, settings),
        default_jobs(settings),
        handovers,
        hub.clock,
        settings.worker_idle_seconds,
    )
