"""Handing recorded vouchers to their customers through the hub's delivery channels.

:meth:`HandoverSender.round` takes due handovers (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
under a lease), rebuilds each voucher with its unsealed holder secret and holder link, and calls
its channel. A channel that raises — or whose ``deliver`` method raises, for channels such as
email that only log failures from their hook — has failed: the row waits (exponential backoff,
full jitter, capped) and is tried again, never given up, because the sealed secret is the only
copy. Once delivered, the secret is removed from the row.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ascc_plugin.backoff import Backoff, Uniform
from ascc_plugin.clock import Clock, utcnow
from ascc_plugin.delivery.handing import DELIVERY_BACKOFF, hand_to
from ascc_plugin.models import Customer as CustomerJson
from ascc_plugin.vouchers import Voucher as VoucherJson
from center.deliveries.sealing import Sealer
from center.handover.models import DELIVERED, PENDING, Handover
from center.infra.db import Database
from center.parties.models import Customer
from center.vouchers.models import Voucher
from center.vouchers.services import canonical

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Parcel:
    """A claimed handover: the row's key, its channel, the voucher and its customer."""

    seq: int
    channel: str
    attempts: int
    voucher: VoucherJson
    customer: CustomerJson | None


class HandoverSender:
    """Delivers due handovers through ``channels`` (name → channel plugin object)."""

    def __init__(
        self,
        database: Database,
        sealer: Sealer,
        channels: Mapping[str, object],
        public_url: str,
        *,
        clock: Clock = utcnow,
        rand: Uniform | None = None,
        backoff: Backoff = DELIVERY_BACKOFF,
        batch: int = 50,
    ) -> None:
        self.database, self.sealer, self.channels = database, sealer, channels
        self.public_url, self.clock, self.backoff, self.batch = public_url, clock, backoff, batch
        self.rand: Uniform = rand or random.SystemRandom()

    def round(self) -> int:
        """Attempt one batch of due handovers; how many were attempted."""
        parcels = self.database.run(self.claim)
        for parcel in parcels:
            error = self.hand_over(parcel)
            self.database.run(partial(self.record, parcel=parcel, error=error))
        return len(parcels)

    def claim(self, session: Session) -> list[Parcel]:
        now = self.clock()
        query = (
            select(Handover, Voucher, Customer)
            .join(Voucher, Voucher.id == Handover.voucher_id)
            .outerjoin(Customer, Customer.seq == Voucher.customer_seq)
            .where(
                Handover.state == PENDING,
                Handover.next_attempt_at <= now,
                or_(Handover.lease_until.is_(None), Handover.lease_until <= now),
            )
            .order_by(Handover.seq)
            .limit(self.batch)
            .with_for_update(skip_locked=True, of=Handover)
        )
        parcels = [self.parcel(h, v, c, now) for h, v, c in session.execute(query)]
        if parcels:
            session.execute(
                update(Handover)
                .where(Handover.seq.in_([p.seq for p in parcels]))
                .values(lease_until=now + LEASE)
            )
        return parcels

    def parcel(
        self, row: Handover, voucher: Voucher, customer: Customer | None, now: datetime
    ) -> Parcel:
        secret = self.sealer.open(row.sealed_secret, now, now).get(voucher.id)
        made = canonical(voucher, secret, self.public_url)
        return Parcel(row.seq, row.channel, row.attempts, made, customer_json(customer))

    def hand_over(self, parcel: Parcel) -> str | None:
        """Give the voucher to its channel; the failure's reason, or ``None`` when delivered."""
        channel = self.channels.get(parcel.channel)
        return hand_to(channel, parcel.channel, parcel.voucher, parcel.customer)

    def record(self, session: Session, parcel: Parcel, error: str | None) -> None:
        now = self.clock()
        values: dict[str, object] = {"attempts": Handover.attempts + 1, "lease_until": None}
        if error is None:
            values |= {
                "state": DELIVERED,
                "delivered_at": now,
                "sealed_secret": None,
                "last_error": None,
            }
        else:
            wait = self.backoff.delay(parcel.attempts + 1, self.rand)
            values |= {"next_attempt_at": now + timedelta(seconds=wait), "last_error": error}
        session.execute(update(Handover).where(Handover.seq == parcel.seq).values(values))


def customer_json(customer: Customer | None) -> CustomerJson | None:
    if customer is None:
        return None
    key = customer.customer_key
    return CustomerJson(
        id=key.removeprefix("id:") if key.startswith("id:") else None,
        email=customer.email,
        phone=customer.phone,
        name=customer.name,
    )
