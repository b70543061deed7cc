"""Delivering the outbox: claim due messages, send them signed, record every attempt.

One round (:meth:`Dispatcher.round`) is three steps, two of them short transactions:

1. **claim** — due messages of active endpoints, oldest first, skipping any whose endpoint has
   an older pending message of the same ``ordering_key`` (so one voucher's events arrive in
   order), ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (several workers never take one message;
   SQLite runs one worker, :mod:`center.worker.runner`); each taken message gets a lease;
2. **send** — outside any transaction, in a thread pool: the stored bytes, signed with Standard
   Webhooks (:func:`ascc_plugin.signatures.standard_headers`; the same ``webhook-id`` on every
   attempt, a fresh timestamp and signature each time) through the SSRF-guarded transport;
3. **record** — an attempt row per send; 2xx is delivered; anything else waits
   ``Backoff.delay`` (exponential, full jitter) unless that passes the message's ``expires_at``
   (three days after it was made or replayed): then it has failed, its endpoint is disabled and
   the owner's other endpoints get a ``webhook.endpoint_disabled`` event.

The clock, the random source and the HTTP sessions are injected, as in the store's sender
(:mod:`ascc_plugin.client.sender`), so retries and give-ups are tested without waiting.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from sqlalchemy import Table, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from ascc_plugin.backoff import Backoff, Uniform
from ascc_plugin.clock import Clock, utcnow
from ascc_plugin.signatures import standard_headers
from center.infra.db import Database
from center.webhooks.events import ENDPOINT_DISABLED
from center.webhooks.models import (
    ACTIVE,
    DELIVERED,
    DISABLED,
    FAILED,
    PENDING,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)
from center.webhooks.outbox import Event, enqueue
from center.webhooks.transport import Reply, post

M, E = WebhookMessage, WebhookEndpoint
ATTEMPTS: Table = WebhookAttempt.__table__  # type: ignore[assignment]
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Claimed:
    """A message taken for one send, with what its endpoint needs."""

    seq: int
    msg_id: str
    event_type: str
    payload: str
    attempts: int
    expires_at: datetime
    endpoint_id: str
    url: str
    secret: str


@dataclass(frozen=True)
class Options:
    """How a dispatcher sends: batch size, threads, timeout, answer cap, retry policy."""

    batch: int = 100
    threads: int = 8
    timeout: float = 5.0
    cap: int = 4096
    backoff: Backoff = field(default_factory=lambda: Backoff(base=5.0, cap=3600.0))


class Dispatcher:
    """Sends due outbox messages of one database; safe to run in several processes."""

    def __init__(
        self,
        database: Database,
        session_factory: Callable[[], requests.Session],
        options: Options = Options(),
        *,
        clock: Clock = utcnow,
        rand: Uniform | None = None,
    ) -> None:
        self.database, self.options, self.clock = database, options, clock
        self.rand: Uniform = rand or random.SystemRandom()
        self.owner = f"worker-{secrets.token_hex(6)}"
        self.make_session = session_factory
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(options.threads, thread_name_prefix="ascc-webhooks")

    def round(self) -> int:
        """Claim, send and record one batch; how many messages were attempted."""
        claimed = self.database.run(
            lambda session: claim(session, self.owner, self.clock(), self.options.batch)
        )
        if not claimed:
            return 0
        replies = list(self.pool.map(self.send, claimed))
        self.database.run(lambda session: self.record(session, claimed, replies))
        return len(claimed)

    def send(self, message: Claimed) -> Reply:
        if not hasattr(self.local, "session"):
            self.local.session = self.make_session()
        body = message.payload.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "ascc-webhooks/1",
            **standard_headers(message.secret, message.msg_id, int(self.clock().timestamp()), body),
        }
        opts = self.options
        return post(self.local.session, message.url, body, headers, opts.timeout, opts.cap)

    def record(
        self, session: Session, claimed: Sequence[Claimed], replies: Sequence[Reply]
    ) -> None:
        now = self.clock()
        kept = set(session.scalars(select(M.seq).where(M.seq.in_([m.seq for m in claimed]))))
        pairs = [(m, r) for m, r in zip(claimed, replies, strict=True) if m.seq in kept]
        if not pairs:
            return  # the endpoint was deleted meanwhile, with its messages
        claimed, replies = [m for m, _ in pairs], [r for _, r in pairs]
        rows = [attempt_row(m, r, now, self.owner) for m, r in pairs]
        session.connection().execute(ATTEMPTS.insert(), rows)
        done = [m.seq for m, r in zip(claimed, replies, strict=True) if delivered(r)]
        if done:
            session.execute(
                update(M)
                .where(M.seq.in_(done), M.lease_owner == self.owner)
                .values(state=DELIVERED, delivered_at=now, attempts=M.attempts + 1, **NO_LEASE)
            )
        for message, reply in zip(claimed, replies, strict=True):
            if not delivered(reply):
                self.reschedule(session, message, reply.reason, now)

    def reschedule(self, session: Session, message: Claimed, reason: str, now: datetime) -> None:
        wait = self.options.backoff.delay(message.attempts + 1, self.rand)
        due = now + timedelta(seconds=wait)
        values: dict[str, object] = {
            "attempts": M.attempts + 1,
            "last_error": reason[:300],
            **NO_LEASE,
        }
        if due <= message.expires_at:
            values |= {"next_attempt_at": due}
        else:
            values |= {"state": FAILED}
        session.execute(
            update(M).where(M.seq == message.seq, M.lease_owner == self.owner).values(values)
        )
        if due > message.expires_at:
            disable(session, message.endpoint_id, f"gave up on {message.msg_id}: {reason}", now)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


NO_LEASE = {"lease_owner": None, "lease_until": None}


def delivered(reply: Reply) -> bool:
    return reply.status is not None and 200 <= reply.status < 300


def attempt_row(message: Claimed, reply: Reply, now: datetime, worker: str) -> dict[str, object]:
    return {
        "message_seq": message.seq,
        "endpoint_id": message.endpoint_id,
        "msg_id": message.msg_id,
        "event_type": message.event_type,
        "at": now,
        "outcome": DELIVERED if delivered(reply) else "failed",
        "status": reply.status,
        "reason": reply.reason[:300],
        "duration_ms": int(reply.seconds * 1000),
        "worker": worker,
    }


def claim(session: Session, owner: str, now: datetime, batch: int) -> list[Claimed]:
    """Take up to ``batch`` due messages (see the module docstring) under a lease."""
    earlier = aliased(WebhookMessage)
    blocked = exists().where(
        earlier.endpoint_id == M.endpoint_id,
        earlier.ordering_key == M.ordering_key,
        earlier.seq < M.seq,
        earlier.state == PENDING,
    )
    query = (
        select(
            M.seq,
            M.msg_id,
            M.event_type,
            M.payload,
            M.attempts,
            M.expires_at,
            E.id,
            E.url,
            E.secret,
        )
        .join(E, E.id == M.endpoint_id)
        .where(
            M.state == PENDING,
            M.next_attempt_at <= now,
            or_(M.lease_until.is_(None), M.lease_until <= now),
            E.status == ACTIVE,
            ~blocked,
        )
        .order_by(M.seq)
        .limit(batch)
        .with_for_update(skip_locked=True, of=M)
    )
    taken = [Claimed(*row) for row in session.execute(query)]
    if taken:
        session.execute(
            update(M)
            .where(M.seq.in_([m.seq for m in taken]))
            .values(lease_owner=owner, lease_until=now + LEASE)
        )
    return taken


def disable(session: Session, endpoint_id: str, reason: str, now: datetime) -> bool:
    """Disable an active endpoint and tell its owner's other endpoints; ``False`` if it was not."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.status != ACTIVE:
        return False
    endpoint.status, endpoint.disabled_reason, endpoint.disabled_at = DISABLED, reason[:300], now
    session.flush()
    data = {"endpoint_id": endpoint.id, "url": endpoint.url, "reason": endpoint.disabled_reason}
    owner = (endpoint.owner_kind, endpoint.owner_id)
    enqueue(session, [Event(ENDPOINT_DISABLED.name, data, now, (owner,))])
    return True
