"""Subscriptions as their owners manage them: create (secret shown once), list, read, delete,
re-enable, the attempts of an endpoint, and manual replays.

Every function takes the owner (``kind``, ``id``) from the authenticated caller: an endpoint of
another party answers 404, exactly like one that does not exist. A replay puts messages back in
the queue under their own ``webhook-id`` (receivers deduplicate on it) with a fresh three-day
retry period.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ascc_plugin.signatures import new_secret
from center.infra.problems import Conflict, InvalidInput, NotFound
from center.infra.web import decode_cursor, encode_cursor
from center.webhooks.events import CATALOG
from center.webhooks.guard import Policy, UnsafeUrl, check_url
from center.webhooks.models import (
    ACTIVE,
    DISABLED,
    PENDING,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)
from center.webhooks.outbox import RETENTION

NOT_FOUND = "no webhook endpoint with this id is yours"
MAX_ENDPOINTS = 20


@dataclass(frozen=True)
class Owner:
    kind: str
    id: str


def endpoint_json(endpoint: WebhookEndpoint, secret: str | None = None) -> dict[str, Any]:
    """An endpoint as its owner sees it; the secret only in the answer that made it."""
    data: dict[str, Any] = {
        "id": endpoint.id,
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "description": endpoint.description,
        "status": endpoint.status,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": endpoint.created_at.isoformat(),
        "disabled_at": endpoint.disabled_at.isoformat() if endpoint.disabled_at else None,
    }
    if secret is not None:
        data["secret"] = secret
    return data


def create(
    session: Session,
    owner: Owner,
    url: str,
    event_types: list[str],
    description: str,
    policy: Policy,
    now: datetime,
) -> dict[str, Any]:
    """A new endpoint (URL checked by the SSRF guard); its ``whsec_`` secret is in the answer."""
    try:
        check_url(url, policy)
    except UnsafeUrl as exc:
        raise InvalidInput(f"url: {exc}", field="url") from None
    chosen = CATALOG.checked(event_types)
    if not chosen:
        raise InvalidInput("event_types: name at least one type, or *", field="event_types")
    if count(session, owner) >= MAX_ENDPOINTS:
        raise Conflict(f"at most {MAX_ENDPOINTS} endpoints per party")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id="whk-" + secrets.token_hex(8),
        owner_kind=owner.kind,
        owner_id=owner.id,
        url=url,
        event_types=chosen,
        description=description,
        secret=secret,
        status=ACTIVE,
        disabled_reason=None,
        created_at=now,
        disabled_at=None,
    )
    session.add(endpoint)
    session.flush()
    return endpoint_json(endpoint, secret)


def count(session: Session, owner: Owner) -> int:
    query = select(func.count()).where(
        WebhookEndpoint.owner_kind == owner.kind, WebhookEndpoint.owner_id == owner.id
    )
    return int(session.scalar(query) or 0)


def owned(session: Session, owner: Owner, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id) if len(endpoint_id) <= 40 else None
    if endpoint is None or (endpoint.owner_kind, endpoint.owner_id) != (owner.kind, owner.id):
        raise NotFound(NOT_FOUND)
    return endpoint


def listing(session: Session, owner: Owner) -> dict[str, Any]:
    query = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.owner_kind == owner.kind, WebhookEndpoint.owner_id == owner.id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return {"items": [endpoint_json(e) for e in session.scalars(query)], "next_cursor": None}


def remove(session: Session, owner: Owner, endpoint_id: str) -> dict[str, Any]:
    """Delete an endpoint with its queued messages and their attempts."""
    endpoint = owned(session, owner, endpoint_id)
    messages = select(WebhookMessage.seq).where(WebhookMessage.endpoint_id == endpoint.id)
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.message_seq.in_(messages)))
    session.execute(delete(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint.id))
    session.delete(endpoint)
    return {"id": endpoint_id, "deleted": True}


def enable(session: Session, owner: Owner, endpoint_id: str, policy: Policy) -> dict[str, Any]:
    """Re-enable a disabled endpoint (its URL checked again); pending messages resume."""
    endpoint = owned(session, owner, endpoint_id)
    try:
        check_url(endpoint.url, policy)
    except UnsafeUrl as exc:
        raise InvalidInput(f"url: {exc}", field="url") from None
    endpoint.status, endpoint.disabled_reason, endpoint.disabled_at = ACTIVE, None, None
    return endpoint_json(endpoint)


def attempts(
    session: Session, owner: Owner, endpoint_id: str, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The endpoint's delivery attempts, newest first (cursor-paginated)."""
    endpoint = owned(session, owner, endpoint_id)
    query = select(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint.id)
    if cursor:
        query = query.where(WebhookAttempt.seq < decode_cursor(cursor))
    rows = list(session.scalars(query.order_by(WebhookAttempt.seq.desc()).limit(limit + 1)))
    page = rows[:limit]
    more = encode_cursor(page[-1].seq) if len(rows) > limit else None
    return {"items": [attempt_json(a) for a in page], "next_cursor": more}


def attempt_json(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "message_id": attempt.msg_id,
        "event_type": attempt.event_type,
        "at": attempt.at.isoformat(),
        "outcome": attempt.outcome,
        "status": attempt.status,
        "reason": attempt.reason,
        "duration_ms": attempt.duration_ms,
    }


def replay(
    session: Session,
    owner: Owner,
    endpoint_id: str,
    now: datetime,
    message_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Queue one message again, or every message made in ``[since, until)``."""
    endpoint = owned(session, owner, endpoint_id)
    if endpoint.status == DISABLED:
        raise Conflict("the endpoint is disabled: enable it first")
    query = update(WebhookMessage).where(
        WebhookMessage.endpoint_id == endpoint.id,
        or_(WebhookMessage.lease_until.is_(None), WebhookMessage.lease_until <= now),
    )
    if message_id is not None:
        query = query.where(WebhookMessage.msg_id == message_id)
    else:
        if since is None or (until is not None and until <= since):
            raise InvalidInput("give message_id, or since (and optionally a later until)")
        query = query.where(WebhookMessage.created_at >= since)
        if until is not None:
            query = query.where(WebhookMessage.created_at < until)
    values = {
        "state": PENDING,
        "next_attempt_at": now,
        "expires_at": now + RETENTION,
        "lease_owner": None,
        "lease_until": None,
    }
    result = session.execute(query.values(values).execution_options(synchronize_session=False))
    replayed = int(result.rowcount)  # type: ignore[attr-defined]
    if message_id is not None and replayed == 0:
        raise NotFound("no message with this id was sent to this endpoint")
    return {"replayed": replayed}
