"""The store service: dedupe, merge into the order state, reconcile through the host.

One delivery is one transaction (``BEGIN IMMEDIATE`` on the state database): the dedupe keys,
the new order state, the host's reconciliation (and in ``preview`` mode the events-log line) all
happen before the commit; a failure rolls everything back and the storefront retries. The host
is always asked about the order's *current* state, so the issued set follows the state whatever
order the deliveries came in; its lines are first completed from the product catalog
(:mod:`adapters.store.catalog`), which product deliveries feed in the same way.
"""

from __future__ import annotations

import html
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pluggy
from sqlalchemy.orm import Session, sessionmaker

from adapters.products import ProductUpdate
from adapters.store.catalog import CatalogRecords
from adapters.store.http import Problem
from adapters.store.models import DataRequestRecord
from adapters.store.records import StateRecords
from adapters.store.state import current_order, merge
from adapters.updates import Delivery, Ignored, OrderUpdate, PrivacyRequest
from ascc_plugin.clock import Clock, utcnow
from ascc_plugin.host import process_event
from ascc_plugin.issuing import TooManyVouchers
from ascc_plugin.models import GspRef, OrderEvent
from ascc_plugin.settings import Settings
from ascc_plugin.vouchers import Issuance

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What became of one delivery (the 200 answer's body).

    ``status``: ``processed`` (issued or previewed here), ``queued`` (forwarded to the center,
    which issues), ``duplicate``, ``pending`` (a refund before its order), ``ignored``,
    ``recorded`` (a privacy request) or ``catalogued`` (a product). ``vouchers`` is how many
    units the order entitles now and ``programs`` the same per program (``null`` when no order
    was processed).
    """

    status: str
    event_id: str
    issuance: Issuance | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        answer = self.issuance
        return {
            "status": self.status,
            "event_id": self.event_id,
            "vouchers": None if answer is None else answer.count,
            "programs": None if answer is None else answer.entitled,
        }


class _Duplicate(Exception):
    """A delivery already taken: raised inside its transaction so that it rolls back."""


class StoreService:
    """Everything a webhook view needs, built once per app by :func:`create_app`."""

    def __init__(
        self,
        settings: Settings,
        pm: pluggy.PluginManager,
        sessions: sessionmaker[Session],
        clock: Clock = utcnow,
    ) -> None:
        self.settings, self.pm, self.sessions, self.clock = settings, pm, sessions, clock
        self.platform = settings.store.platform
        self.gsp = GspRef(platform=self.platform, shop=settings.store.shop)
        self._log_lock = threading.Lock()

    def secrets(self) -> tuple[bytes, ...]:
        """The signing secrets in force (current, then previous); WooCommerce's entity-decoded."""
        store = self.settings.store
        values: tuple[str, ...] = (store.webhook_secret, store.previous_webhook_secret)
        if self.platform == "woocommerce":
            values = tuple(html.unescape(value) for value in values)
        return tuple(value.encode() for value in values if value)

    def require_platform(self, platform: str) -> None:
        if platform != self.platform:
            raise Problem(
                404,
                "Not this store's platform",
                f"this store service is configured for {self.platform}, not {platform}",
            )

    def receive(
        self, topic: str, keys: Sequence[str], delivery: Delivery, event_id: str
    ) -> Outcome:
        """Take one verified, mapped delivery known by the dedupe ``keys``."""
        if isinstance(delivery, PrivacyRequest):
            return self._privacy(topic, keys, delivery, event_id)
        try:
            with self.sessions.begin() as session:
                return self._take(StateRecords(session, self.gsp), topic, keys, delivery, event_id)
        except _Duplicate:
            return Outcome("duplicate", event_id)  # rolled back: the keys it recorded are undone

    def _take(
        self,
        records: StateRecords,
        topic: str,
        keys: Sequence[str],
        delivery: OrderUpdate | ProductUpdate | Ignored,
        event_id: str,
    ) -> Outcome:
        """One delivery inside its transaction; :class:`_Duplicate` when already taken."""
        if not records.claim(keys, topic, self.clock()):
            raise _Duplicate
        if isinstance(delivery, Ignored):
            log.info("ignored %s delivery %s: %s", topic, event_id, delivery.reason)
            return Outcome("ignored", event_id)
        if isinstance(delivery, ProductUpdate):
            CatalogRecords(records.session, self.gsp).apply(delivery, self.clock())
            return Outcome("catalogued", event_id)
        return self._apply(records, delivery, event_id)

    def _apply(self, records: StateRecords, update: OrderUpdate, event_id: str) -> Outcome:
        loaded = records.load(update.order_id)
        state = merge(loaded.state, update)
        records.save(loaded, state, self.clock())
        order = current_order(state)
        if order is None:
            return Outcome("pending", event_id)  # a refund before its order: kept for it
        catalog = CatalogRecords(records.session, self.gsp)
        order = catalog.enrich(order, new_order=loaded.first_seen)
        event = OrderEvent(
            event_id=event_id,
            kind=update.kind,
            occurred_at=update.occurred_at,
            gsp=self.gsp,
            order=order,
        )
        store = self.settings.store
        answer: Issuance = self._call(
            lambda: process_event(self.pm, event, store.max_vouchers_per_event, store.issue_on)
        )
        if answer.status == "previewed":
            self._append_log(event, answer)
        return Outcome("queued" if answer.status == "queued" else "processed", event_id, answer)

    def _call(self, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except TooManyVouchers as exc:
            raise Problem(422, "Too many vouchers", str(exc)) from None
        except Exception as exc:
            log.exception("a plugin failed; the delivery is rolled back")
            raise Problem(
                503,
                "Handler failed",
                f"a plugin failed ({type(exc).__name__}); nothing was recorded, retry later",
            ) from exc

    def _append_log(self, event: OrderEvent, answer: Issuance) -> None:
        """One ``{"event", "vouchers"}`` line, written in one ``write`` on an O_APPEND file."""
        vouchers = [v.to_json() for v in answer.vouchers]
        line = {"event": event.model_dump(mode="json"), "vouchers": vouchers}
        data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        path = self.settings.store.events_log
        with self._log_lock:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)

    def _privacy(
        self, topic: str, keys: Sequence[str], request: PrivacyRequest, event_id: str
    ) -> Outcome:
        """Privacy requests reach every plugin; they are idempotent, so recorded afterwards."""
        with self.sessions.begin() as session:
            if StateRecords(session, self.gsp).seen(keys):
                return Outcome("duplicate", event_id)
        answers = self._call(lambda: self._privacy_hooks(request, event_id))
        try:
            self._record_privacy(topic, keys, request, answers)
        except _Duplicate:  # a copy of it, delivered meanwhile, was recorded first
            return Outcome("duplicate", event_id)
        return Outcome("recorded", event_id)

    def _record_privacy(
        self, topic: str, keys: Sequence[str], request: PrivacyRequest, answers: list[Any]
    ) -> None:
        """Claim the privacy request's keys and keep a data request's answers, in one
        transaction; :class:`_Duplicate` (rolled back) when a copy claimed them first."""
        with self.sessions.begin() as session:
            if not StateRecords(session, self.gsp).claim(keys, topic, self.clock()):
                raise _Duplicate
            if request.kind == "data_request":
                session.add(
                    DataRequestRecord(
                        platform=self.gsp.platform,
                        shop=self.gsp.shop,
                        request_id=request.request_id,
                        received_at=self.clock(),
                        customer=request.customer.model_dump_json() if request.customer else "null",
                        answers=json.dumps(answers, ensure_ascii=False),
                    )
                )

    def _privacy_hooks(self, request: PrivacyRequest, delivery_id: str) -> list[dict[str, Any]]:
        hook = self.pm.hook
        if request.kind == "shop_redact":
            hook.ascc_shop_redact(gsp=self.gsp, delivery_id=delivery_id)
            return []
        args = {
            "gsp": self.gsp,
            "customer": request.customer,
            "order_ids": request.order_ids,
            "delivery_id": delivery_id,
        }
        if request.kind == "customer_redact":
            hook.ascc_customer_redact(**args)
            return []
        answers: list[dict[str, Any]] = hook.ascc_customer_data_request(**args)
        return answers
