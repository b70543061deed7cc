"""The durable outbox: a message row per subscribed endpoint, in the changing transaction.

:func:`install` subscribes :func:`on_changes` to a database's audit feed, so every voucher
change — whoever made it, the API, ingest or the worker's expiry — writes its messages in the
same transaction as the change: committed together or not at all. Other domains call
:func:`enqueue` in their own transactions for their own event types. A store's endpoints get
the events of its vouchers, a provider's endpoints those of the vouchers assigned to it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from ascc_plugin.in_lists import InList
from center.audit.trail import Change, feed
from center.infra.db import Database
from center.webhooks.events import note_event, voucher_event, wants
from center.webhooks.models import ACTIVE, PENDING, WebhookEndpoint, WebhookMessage

MESSAGES: Table = WebhookMessage.__table__  # type: ignore[assignment]
RETENTION = timedelta(days=3)
GSP, PROVIDER = "gsp", "provider"


@dataclass(frozen=True)
class Event:
    """One event to tell: its type, its data, whose it is, and what orders it."""

    type: str
    data: dict[str, Any]
    at: datetime
    owners: tuple[tuple[str, str], ...]
    ordering_key: str | None = None


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(12)


def payload(event: Event) -> str:
    """The exact JSON sent (Standard Webhooks' ``type``, ``timestamp``, ``data``)."""
    body = {"type": event.type, "timestamp": event.at.isoformat(), "data": event.data}
    return json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def change_event(change: Change, event_type: str | None = None) -> Event:
    """A voucher change (or an audit note, as ``event_type``) as an event for its store and its
    provider (never a secret)."""
    owners = [(GSP, change.gsp_id)] if change.gsp_id else []
    if change.provider_id:
        owners.append((PROVIDER, change.provider_id))
    data = {
        "voucher_id": change.voucher_id,
        "action": change.action,
        "from": change.from_state,
        "to": change.to_state,
        "actor": {"kind": change.actor.kind, "id": change.actor.id},
        "detail": change.detail,
        "at": change.at.isoformat(),
        "gsp_id": change.gsp_id,
        "provider_id": change.provider_id,
    }
    kind = event_type or voucher_event(change.action)
    return Event(kind, data, change.at, tuple(owners), change.voucher_id)


def on_changes(session: Session, changes: Sequence[Change]) -> None:
    """The audit feed's listener: the changes' messages, in the changing transaction."""
    enqueue(session, [change_event(change) for change in changes])


def on_notes(session: Session, notes: Sequence[Change]) -> None:
    """The feed's note listener: messages for the notes that are events (the incentive's)."""
    typed = [(note, note_event(note.action)) for note in notes]
    enqueue(session, [change_event(note, kind) for note, kind in typed if kind is not None])


@dataclass(frozen=True)
class Subscription:
    """What the outbox needs of an active endpoint."""

    id: str
    owner: tuple[str, str]
    event_types: tuple[str, ...]


ACTIVE_ENDPOINTS = InList(
    lambda owners: select(
        WebhookEndpoint.id,
        WebhookEndpoint.owner_kind,
        WebhookEndpoint.owner_id,
        WebhookEndpoint.event_types,
    ).where(WebhookEndpoint.status == ACTIVE, WebhookEndpoint.owner_id.in_(owners))
)


def subscribers(session: Session, owners: Iterable[tuple[str, str]]) -> list[Subscription]:
    """The active endpoints of ``owners`` (one query for a transaction's events)."""
    wanted = set(owners)
    connection = session.connection()
    found = [
        Subscription(row[0], (row[1], row[2]), tuple(row[3]))
        for statement, values in ACTIVE_ENDPOINTS.batches(sorted({o for _, o in wanted}))
        for row in connection.execute(statement, values)
    ]
    return [subscription for subscription in found if subscription.owner in wanted]


def enqueue(session: Session, events: Sequence[Event]) -> int:
    """Write a message per event and subscribed endpoint of its owners; returns how many."""
    if not events:
        return 0
    endpoints = subscribers(session, (owner for event in events for owner in event.owners))
    rows = [
        message_row(endpoint.id, event)
        for event in events
        for endpoint in endpoints
        if endpoint.owner in event.owners and wants(endpoint.event_types, event.type)
    ]
    if rows:
        session.connection().execute(MESSAGES.insert(), rows)
    return len(rows)


def message_row(endpoint_id: str, event: Event) -> dict[str, Any]:
    return {
        "msg_id": new_message_id(),
        "endpoint_id": endpoint_id,
        "event_type": event.type,
        "ordering_key": event.ordering_key,
        "payload": payload(event),
        "state": PENDING,
        "attempts": 0,
        "created_at": event.at,
        "next_attempt_at": event.at,
        "expires_at": event.at + RETENTION,
        "delivered_at": None,
        "lease_owner": None,
        "lease_until": None,
        "last_error": None,
    }


def install(database: Database) -> None:
    """Write outbox messages for every voucher change and incentive note made on ``database``
    (idempotent)."""
    feed(database).subscribe(on_changes)
    feed(database).subscribe_notes(on_notes)
