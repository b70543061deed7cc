"""The outbox table: one row per event (or privacy request) on its way to the center.

Times are seconds since the epoch (the injected clock's unit). ``webhook_id`` is the Standard
Webhooks id, stable across retries and unique: enqueuing a known id changes nothing.
``order_key`` keeps the entries of one order in order. ``kind`` also names the center's
endpoint (``privacy.*`` → ``/api/v1/privacy``, else ``/api/v1/events``): no column was added
for privacy requests, so outbox files written before them are read as they are.
``lease_owner``/``lease_until`` mark an entry claimed by a sender; ``delivered_at`` is set once
the center's answer reached the delivery channels.
"""

from __future__ import annotations

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS outbox (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        webhook_id      TEXT NOT NULL,
        kind            TEXT NOT NULL,
        domain          TEXT NOT NULL,
        order_key       TEXT NOT NULL,
        body            BLOB NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'parked')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL,
        last_attempt_at REAL,
        last_error      TEXT,
        lease_owner     TEXT,
        lease_until     REAL NOT NULL DEFAULT 0,
        created_at      REAL NOT NULL,
        sent_at         REAL,
        delivered_at    REAL,
        response        BLOB,
        CONSTRAINT uq_outbox_webhook_id UNIQUE (webhook_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_outbox_due ON outbox (state, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS ix_outbox_order ON outbox (order_key, state, seq)",
    """
    CREATE TABLE IF NOT EXISTS parcels (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        voucher_id      TEXT NOT NULL,
        channel         TEXT NOT NULL,
        sealed          BLOB NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL,
        lease_until     REAL NOT NULL DEFAULT 0,
        last_error      TEXT,
        created_at      REAL NOT NULL,
        CONSTRAINT uq_parcels_voucher_channel UNIQUE (voucher_id, channel)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_parcels_due ON parcels (next_attempt_at)",
)
"""``parcels``: one voucher for one delivery channel, its voucher and customer sealed (the
holder secret is the only copy), written in the transaction that marks the center's answer
delivered, leased to one courier at a time (``lease_until``: the store's serving processes
each run one) and deleted once the channel took it (:mod:`ascc_plugin.client.courier`)."""

COLUMNS = (
    "seq, webhook_id, kind, domain, order_key, body, state, attempts, next_attempt_at,"
    " last_error, created_at, sent_at, response"
)
"""The columns of :class:`ascc_plugin.client.outbox.Entry`, in its field order."""

# COLUMNS is a constant and every value is bound: no injection (hence the noqa).
CLAIM = (
    "UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE seq IN ("  # noqa: S608
    " SELECT seq FROM outbox AS o WHERE state = 'pending' AND next_attempt_at <= ?"
    " AND lease_until <= ? AND (last_attempt_at IS NULL OR last_attempt_at < ?)"
    " AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.order_key = o.order_key"
    "  AND e.state = 'pending' AND e.seq < o.seq)"
    " AND (o.kind NOT LIKE 'privacy.%' OR NOT EXISTS (SELECT 1 FROM outbox AS e"
    "  WHERE e.state = 'pending' AND e.seq < o.seq))"
    f" ORDER BY seq LIMIT ?) RETURNING {COLUMNS}"
)
"""Lease due entries (owner, lease_until, now, now, tried_before, limit): oldest first, and only
the oldest pending entry of each order, so one order's events reach the center in order. A
privacy request (kind ``privacy.*``) waits until nothing queued before it is pending, so an
erasure never overtakes the events that bring the data it erases.

Ordering is kept among deliverable (pending) entries only: a *parked* entry blocks nothing. A
later privacy request goes out past it (a poison event must not hold an erasure back), and so
does its order's next event — every event carries the order's whole current state, so the next
one supersedes the parked one at the center (the parked one stays listed by ``ascc store
outbox`` with the center's reason, for ``--retry-parked`` once fixed)."""
