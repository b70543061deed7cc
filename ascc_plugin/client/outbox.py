"""The store's durable outbox: order events on their way to the center (one SQLite file, WAL).

An entry is committed before the storefront webhook is answered 200, so a crash, a restart or a
center that is down loses nothing. Senders *claim* due entries with one conditional
``UPDATE … RETURNING`` inside ``BEGIN IMMEDIATE`` (a lease with an owner and an expiry), so
several threads or processes never send one entry at the same time; a sender that dies simply
lets its lease run out. Entries of one order are sent in the order they were enqueued.

The center's answers (holder secrets on first issue) are kept sealed with Fernet under a key file
beside the outbox (:mod:`ascc_plugin.sealing`), so no secret lies on a page of the file or of its
WAL in plain text; once delivered, only the answer without secrets is kept (sealed too), and
``secure_delete`` zeroes what is overwritten.

Written on the standard library's ``sqlite3`` rather than SQLAlchemy: one table, a handful of
statements, and direct control over ``BEGIN IMMEDIATE`` and the pragmas, without an engine —
set up by the project's one SQLite helper (:mod:`ascc_plugin.sqlite`).
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ascc_plugin.client.outbox_schema import CLAIM, COLUMNS, SCHEMA
from ascc_plugin.sealing import Seal, SealError
from ascc_plugin.sqlite import prepare, write_transaction

Clock = Callable[[], float]
PENDING, SENT, PARKED = "pending", "sent", "parked"
NEVER = 1e300  # a cutoff no attempt time reaches


def key_file(outbox: Path) -> Path:
    """The seal key of an outbox file: beside it, ``<name>.key`` (created 0600)."""
    return outbox.with_name(outbox.name + ".key")


@dataclass(frozen=True)
class Parcel:
    """One voucher for one channel; ``payload`` is its JSON (voucher and customer)."""

    voucher_id: str
    channel: str
    payload: bytes
    seq: int = 0
    attempts: int = 0


@dataclass(frozen=True)
class Entry:
    """One event in the outbox, as claimed or listed."""

    seq: int
    webhook_id: str
    kind: str
    domain: str
    order_key: str
    body: bytes
    state: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    created_at: float
    sent_at: float | None
    response: bytes | None


class Outbox:
    """A handle on the outbox file; safe to share between threads (one connection, a lock)."""

    def __init__(self, path: Path | str, clock: Clock = time.time, lease_seconds: float = 60.0):
        self.path = Path(path)
        self.clock = clock
        self.lease_seconds = lease_seconds
        self._lock = threading.Lock()
        self._connect()
        self.seal = Seal.for_file(key_file(self.path))
        with self._write() as db:
            for statement in SCHEMA:
                db.execute(statement)

    def _connect(self) -> None:
        self._pid = os.getpid()
        self._conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
        prepare(self._conn, "FULL", 30_000, secure_delete=True)  # a 200 means on disk
        self._durable = True

    @property
    def _db(self) -> sqlite3.Connection:
        """This process's connection: a server worker forked after the outbox was opened gets
        its own (SQLite connections must not cross ``fork``); call with the lock held."""
        if self._pid != os.getpid():
            self._connect()
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction taken with BEGIN IMMEDIATE (no deferred-lock upgrade races).

        ``durable``: fsync at commit (``synchronous=FULL``). Enqueues and sent answers (which
        carry holder secrets given only once) are; bookkeeping whose loss on a power cut only
        means an attempt or a delivery is repeated (leases, retries, parking) is not.
        """
        with self._lock:
            self._sync(durable)
            with write_transaction(self._db) as db:
                yield db

    def _sync(self, durable: bool) -> None:
        if durable != self._durable:
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._durable = durable

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[Entry]:
        with self._lock:
            query = f"SELECT {COLUMNS} FROM outbox {sql}"  # noqa: S608 (constants; values are bound)
            rows = self._db.execute(query, params).fetchall()
        return [self._entry(row) for row in rows]

    def _entry(self, row: tuple[Any, ...]) -> Entry:
        """An entry as read, its center answer opened (see :meth:`_sealed`)."""
        entry = Entry(*row)
        if entry.response is None:
            return entry
        return dataclasses.replace(entry, response=self._opened(entry.response))

    def _sealed(self, response: bytes | None) -> bytes | None:
        """The center's answer as stored: sealed (it may carry holder secrets)."""
        return None if response is None else self.seal.seal(response)

    def _opened(self, stored: bytes) -> bytes | None:
        if stored[:1] in (b"{", b"["):  # written before answers were sealed
            return stored
        try:
            return self.seal.open(stored)
        except SealError:
            return None

    def enqueue(self, webhook_id: str, kind: str, domain: str, order_key: str, body: bytes) -> bool:
        """Commit a new pending entry; ``False`` (and nothing changed) if the id is known."""
        now = self.clock()
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO outbox (webhook_id, kind, domain, order_key, body, state,"
                " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (webhook_id) DO NOTHING",
                (webhook_id, kind, domain, order_key, body, PENDING, now, now),
            )
            return cursor.rowcount == 1

    def claim(self, owner: str, limit: int = 20, tried_before: float | None = None) -> list[Entry]:
        """Lease up to ``limit`` due entries to ``owner``, oldest first, one per order at a time.

        ``tried_before``: skip entries attempted at or after that time (a bounded flush).
        """
        now = self.clock()
        cutoff = NEVER if tried_before is None else tried_before
        with self._write(durable=False) as db:
            rows = db.execute(
                CLAIM, (owner, now + self.lease_seconds, now, now, cutoff, limit)
            ).fetchall()
        return sorted((self._entry(row) for row in rows), key=lambda entry: entry.seq)

    def mark_sent(self, entry: Entry, response: bytes) -> None:
        """Record a 2xx answer (whoever holds the lease: the center answered, that settles it)."""
        now = self.clock()
        with self._write() as db:
            db.execute(
                "UPDATE outbox SET state = 'sent', sent_at = ?, response = ?, last_error = NULL,"
                " attempts = attempts + 1, last_attempt_at = ?, lease_owner = NULL,"
                " lease_until = 0 WHERE seq = ? AND state = 'pending'",
                (now, self._sealed(response), now, entry.seq),
            )

    def reschedule(self, entry: Entry, owner: str, error: str, delay: float) -> None:
        """Count a failed attempt and make the entry due again after ``delay`` seconds."""
        now = self.clock()
        with self._write(durable=False) as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?,"
                " next_attempt_at = ?, lease_owner = NULL, lease_until = 0"
                " WHERE seq = ? AND state = 'pending' AND lease_owner = ?",
                (now, error, now + delay, entry.seq, owner),
            )

    def park(self, entry: Entry, owner: str, reason: str) -> None:
        """Stop retrying an entry the center refused for good; ``reason`` says why."""
        now = self.clock()
        with self._write(durable=False) as db:
            db.execute(
                "UPDATE outbox SET state = 'parked', attempts = attempts + 1, last_error = ?,"
                " last_attempt_at = ?, lease_owner = NULL, lease_until = 0"
                " WHERE seq = ? AND state = 'pending' AND lease_owner = ?",
                (reason, now, entry.seq, owner),
            )

    def retry_parked(self) -> int:
        """Move every parked entry back to pending, due now; returns how many moved."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ? WHERE state = 'parked'",
                (self.clock(),),
            )
            return cursor.rowcount

    def undelivered(self) -> list[Entry]:
        """Sent entries whose answer has not been handed to the delivery channels yet."""
        return self._read("WHERE state = 'sent' AND delivered_at IS NULL ORDER BY seq")

    def mark_delivered(
        self, entry: Entry, kept_response: bytes | None, parcels: Sequence[Parcel] = ()
    ) -> None:
        """The answer was handed on: keep ``kept_response`` (the answer without secrets) and
        commit ``parcels`` — the vouchers each channel must still take — in one transaction
        (a parcel known already is kept as it is: a replayed hand-over duplicates nothing)."""
        now = self.clock()
        rows = [(p.voucher_id, p.channel, self.seal.seal(p.payload), now, now) for p in parcels]
        with self._write() as db:
            db.executemany(
                "INSERT INTO parcels (voucher_id, channel, sealed, next_attempt_at, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (voucher_id, channel) DO NOTHING",
                rows,
            )
            db.execute(
                "UPDATE outbox SET delivered_at = ?, response = ? WHERE seq = ?",
                (now, self._sealed(kept_response), entry.seq),
            )

    def claim_parcels(self, limit: int = 50) -> list[Parcel]:
        """Lease up to ``limit`` due parcels, oldest first, their payload opened: no other
        courier (another serving process) takes them until handed or the lease ends."""
        now = self.clock()
        with self._write(durable=False) as db:
            rows = db.execute(
                "UPDATE parcels SET lease_until = ? WHERE seq IN (SELECT seq FROM parcels"
                " WHERE next_attempt_at <= ? AND lease_until <= ? ORDER BY seq LIMIT ?)"
                " RETURNING seq, voucher_id, channel, sealed, attempts",
                (now + self.lease_seconds, now, now, limit),
            ).fetchall()
        parcels = [Parcel(v, c, self._opened(s) or b"", q, n) for q, v, c, s, n in rows]
        return sorted(parcels, key=lambda parcel: parcel.seq)

    def parcel_taken(self, parcel: Parcel) -> None:
        """The channel took it: the parcel (and the secret in it) goes."""
        with self._write() as db:
            db.execute("DELETE FROM parcels WHERE seq = ?", (parcel.seq,))

    def parcel_refused(self, parcel: Parcel, error: str, delay: float) -> None:
        """The channel failed: try again after ``delay`` seconds (never given up)."""
        now = self.clock()
        with self._write(durable=False) as db:
            db.execute(
                "UPDATE parcels SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,"
                " lease_until = 0 WHERE seq = ?",
                (error, now + delay, parcel.seq),
            )

    def parcels_waiting(self) -> list[dict[str, Any]]:
        """Every parcel still to deliver: voucher, channel, attempts, last error."""
        with self._lock:
            rows = self._db.execute(
                "SELECT voucher_id, channel, attempts, next_attempt_at, last_error FROM parcels"
                " ORDER BY seq"
            ).fetchall()
        keys = ("voucher_id", "channel", "attempts", "next_attempt_at", "last_error")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def entries(self, *states: str) -> list[Entry]:
        """The entries in ``states`` (all when none given), oldest first."""
        if not states:
            return self._read("ORDER BY seq")
        marks = ", ".join("?" for _ in states)
        return self._read(f"WHERE state IN ({marks}) ORDER BY seq", states)

    def of_kind(self, kind: str, state: str = SENT) -> list[Entry]:
        """The entries of one ``kind`` in ``state`` (e.g. answered data requests), oldest first."""
        return self._read("WHERE kind = ? AND state = ? ORDER BY seq", (kind, state))

    def get(self, webhook_id: str) -> Entry | None:
        found = self._read("WHERE webhook_id = ?", (webhook_id,))
        return found[0] if found else None

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        return {PENDING: 0, SENT: 0, PARKED: 0} | {state: n for state, n in rows}

    def next_due(self) -> float | None:
        """When the earliest pending entry or parcel is due (``None`` when nothing waits)."""
        with self._lock:
            row = self._db.execute(
                "SELECT min(due) FROM (SELECT max(next_attempt_at, lease_until) AS due"
                " FROM outbox WHERE state = 'pending'"
                " UNION ALL SELECT max(next_attempt_at, lease_until) FROM parcels)"
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def prune_sent(self, older_than_seconds: float) -> int:
        """Forget delivered entries sent longer ago than that; returns how many went."""
        before = self.clock() - older_than_seconds
        with self._write(durable=False) as db:
            cursor = db.execute(
                "DELETE FROM outbox WHERE state = 'sent' AND delivered_at IS NOT NULL"
                " AND sent_at < ?",
                (before,),
            )
            return cursor.rowcount
