"""The ``center`` handler (``mode = "center"``): forwards every order event to the center hub.

``ascc_issue_vouchers`` commits the event to the durable outbox (so the storefront webhook may be
answered 200), wakes the background sender and answers ``queued`` with what the store can know:
the units the order entitles per program (pure issuing, no ids). The ids, tokens and holder
secrets are the center's: the store holds none of the hub's keys. Once the center has answered,
the vouchers that carry a holder secret (first issue only) are observed through
``ascc_voucher_issued`` and become parcels for the courier (:mod:`ascc_plugin.client.courier`),
which hands each to every channel of ``[delivery] channels`` and retries a refusal until the
channel takes it.

Shopify's privacy requests (``ascc_customer_redact``, ``ascc_shop_redact``,
``ascc_customer_data_request``) are queued in the same outbox for ``POST /api/v1/privacy``
(:mod:`ascc_plugin.client.privacy`). A data request is answered later: the hook returns ``None``
and the center's answer is kept in the entry (``ascc store outbox --json``: ``data_requests``).

The store service starts the sender with :meth:`CenterHandler.start` (once per serving process)
and stops it with :meth:`CenterHandler.stop` (or :meth:`CenterHandler.close`, which also closes
the outbox file); ``ascc store outbox --flush`` calls :meth:`CenterHandler.flush`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

import pluggy
import requests

from ascc_plugin.backoff import Backoff, Uniform
from ascc_plugin.client.courier import Courier, parcels_of
from ascc_plugin.client.http import CenterClient, Outcome
from ascc_plugin.client.outbox import Entry, Outbox
from ascc_plugin.client.privacy import (
    PRIVACY_PREFIX,
    Request,
    is_privacy,
    privacy_body,
    privacy_webhook_id,
)
from ascc_plugin.client.sender import BackgroundSender, DrainReport, Handed, ParkPolicy, Sender
from ascc_plugin.client.settings import CenterSection
from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.handlers import BaseHandler
from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import notify
from ascc_plugin.issuing import entitled_counts
from ascc_plugin.models import Customer, GspRef, Order, OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.settings import Settings, SettingsError
from ascc_plugin.signatures import secret_key
from ascc_plugin.vouchers import Issuance, Voucher

log = logging.getLogger(__name__)

SECRET_FIELDS = ("holder_secret", "holder_url")
NO_CHANNEL = (
    "%s: no [delivery] channels: holder secrets in the center's answers reach no customer here; "
    "name a channel, or have the center deliver for this store (ascc center hub-delivery --on)"
)


def webhook_id_for(event: OrderEvent) -> str:
    """The Standard Webhooks id of an event: stable for one storefront delivery, header-safe."""
    material = json.dumps([event.gsp.platform, event.gsp.shop, event.event_id])
    return "msg_" + hashlib.sha256(material.encode()).hexdigest()[:32]


def event_body(event: OrderEvent, programs: Sequence[Program]) -> bytes:
    """The exact bytes posted to the center (DESIGN §6): the event and the matching programs."""
    listed = b",".join(program.model_dump_json().encode() for program in programs)
    return b'{"event":' + event.model_dump_json().encode() + b',"programs":[' + listed + b"]}"


class CenterHandler(BaseHandler):
    """Answers ``ascc_issue_vouchers`` by queueing the event for the center."""

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        rand: Uniform | None = None,
    ) -> None:
        center = settings.section(CenterSection)
        _check_secret(settings, center)
        self.issue_on = settings.store.issue_on
        self.outbox = _open_outbox(center, clock)
        client = CenterClient(
            center.url, center.signing_secret, session or requests.Session(), center.timeout_seconds
        )
        backoff = Backoff(center.retry_base_seconds, center.retry_cap_seconds)
        park = ParkPolicy(center.park_after_hours * 3600, center.park_after_attempts)
        self.channel_names = settings.section(DeliverySection).channels
        if not self.channel_names:
            log.warning(NO_CHANNEL, settings.where())
        self.courier = Courier(self.outbox, {}, clock=clock, rand=rand)
        self.sender = Sender(
            self.outbox,
            client,
            backoff,
            clock=clock,
            rand=rand,
            on_sent=self.deliver,
            on_parked=self.report_parked,
            park=park,
            courier=self.courier,
        )
        self.background = BackgroundSender(self.sender)

    @hookimpl
    def ascc_issue_vouchers(
        self, event: OrderEvent, order: Order, programs: Sequence[Program]
    ) -> Issuance:
        key = f"{event.gsp.platform}:{event.gsp.shop}:{order.id}"
        body = event_body(event, programs)
        self.outbox.enqueue(webhook_id_for(event), event.kind, event.gsp.shop, key, body)
        self.background.wake()
        return Issuance(status="queued", entitled=entitled_counts(order, programs, self.issue_on))

    @hookimpl
    def ascc_customer_redact(
        self, gsp: GspRef, customer: Customer | None, order_ids: Sequence[str], delivery_id: str
    ) -> None:
        self.enqueue_privacy(gsp, "customer_redact", customer, order_ids, delivery_id)

    @hookimpl
    def ascc_shop_redact(self, gsp: GspRef, delivery_id: str) -> None:
        self.enqueue_privacy(gsp, "shop_redact", None, (), delivery_id)

    @hookimpl
    def ascc_customer_data_request(
        self, gsp: GspRef, customer: Customer | None, order_ids: Sequence[str], delivery_id: str
    ) -> None:
        """Queued: the center's answer arrives later and is kept in the outbox entry."""
        self.enqueue_privacy(gsp, "customer_data_request", customer, order_ids, delivery_id)

    def enqueue_privacy(
        self,
        gsp: GspRef,
        request: Request,
        customer: Customer | None,
        order_ids: Sequence[str],
        delivery_id: str,
    ) -> None:
        """Commit a privacy request for the center (a known delivery id changes nothing)."""
        webhook_id = privacy_webhook_id(gsp, request, delivery_id)
        key = f"{gsp.platform}:{gsp.shop}:{PRIVACY_PREFIX}{webhook_id}"
        body = privacy_body(request, customer, order_ids)
        self.outbox.enqueue(webhook_id, PRIVACY_PREFIX + request, gsp.shop, key, body)
        self.background.wake()

    def start(self) -> None:
        """Start draining in a daemon thread (idempotent); stop it with :meth:`stop`."""
        self.background.start()

    def flush(self) -> DrainReport:
        """Attempt every due entry once, then every due parcel, now, in this thread (bounded
        by the short timeouts)."""
        self.sender.deliver_pending()
        report = self.sender.drain()
        self.courier.drain()
        return report

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the background sender after the attempt in flight; ``True`` if it ended in time."""
        return self.background.stop(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """:meth:`stop`, then close the outbox file (the handler is done)."""
        self.stop(timeout)
        self.outbox.close()

    def report_parked(self, entry: Entry, outcome: Outcome) -> None:
        """``ascc_outbox_parked`` for an entry just parked (with the center's reason)."""
        if self.pm is None:
            return
        order_id = None if is_privacy(entry.kind) else entry.order_key.rsplit(":", 1)[-1]
        notify(
            self.pm,
            "ascc_outbox_parked",
            webhook_id=entry.webhook_id,
            kind=entry.kind,
            order_id=order_id,
            reason=outcome.reason,
            attempts=entry.attempts + 1,
        )

    def deliver(self, entry: Entry, answer: bytes) -> Handed:
        """Parcels for the vouchers with a holder secret, one per channel (the courier delivers
        them); the answer is kept without secrets. A privacy request's answer is kept whole (it
        holds no holder secret)."""
        if is_privacy(entry.kind):
            return Handed(answer)  # kept for the store owner (a data request's answer)
        if self.pm is None:
            raise RuntimeError("no plugin manager: call use_plugin_manager() (configure does)")
        try:
            event = OrderEvent.model_validate(json.loads(entry.body)["event"])
            found = json.loads(answer).get("vouchers", [])
        except (ValueError, AttributeError, KeyError) as exc:
            log.warning("outbox: %s: unreadable answer from the center (%s)", entry.webhook_id, exc)
            return Handed(answer)
        issued = issued_with_secret(found)
        for voucher in issued:
            notify(self.pm, "ascc_voucher_issued", voucher=voucher)
        parcels = parcels_of(issued, event.order.customer, list(self.channel_names))
        kept = json.dumps({"vouchers": [_redacted(item) for item in found]}).encode()
        return Handed(kept, tuple(parcels))

    def use_plugin_manager(self, pm: pluggy.PluginManager) -> None:
        """Keep ``pm`` and hand the courier the channels it registered (``delivery:<name>``)."""
        super().use_plugin_manager(pm)
        channels = {name: pm.get_plugin(f"delivery:{name}") for name in self.channel_names}
        self.courier.channels = {name: c for name, c in channels.items() if c is not None}


def issued_with_secret(items: Any) -> list[Voucher]:
    """The vouchers of the center's answer that carry a holder secret (first issue)."""
    if not isinstance(items, list):
        return []
    vouchers = []
    for item in items:
        if isinstance(item, dict) and item.get("holder_secret"):
            known = {k: v for k, v in item.items() if k in Voucher.model_fields}
            try:
                vouchers.append(Voucher.model_validate(known))
            except ValueError as exc:
                log.warning("outbox: the center sent an unreadable voucher (%s)", exc)
    return vouchers


def _redacted(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    return {k: v for k, v in item.items() if k not in SECRET_FIELDS}


def _check_secret(settings: Settings, center: CenterSection) -> None:
    where = settings.where()
    if not center.signing_secret:
        raise SettingsError(f"{where}: center.signing_secret: required in mode 'center'")
    try:
        secret_key(center.signing_secret)
    except ValueError as exc:
        raise SettingsError(f"{where}: center.signing_secret: {exc}") from None


def _open_outbox(center: CenterSection, clock: Callable[[], float]) -> Outbox:
    try:
        return Outbox(center.outbox, clock)
    except (sqlite3.Error, OSError) as exc:
        raise SettingsError(f"center.outbox: cannot open {center.outbox}: {exc}") from None
