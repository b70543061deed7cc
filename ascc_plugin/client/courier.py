"""Delivering the center's vouchers to their customers, durably (``mode = "center"``).

When the center answers an event, every voucher carrying a holder secret becomes a *parcel*
per channel of ``[delivery] channels`` — sealed, committed in the transaction that marks the
answer handed on (:meth:`ascc_plugin.client.outbox.Outbox.mark_delivered`). The courier gives
each due parcel — leased, so two serving processes never hand the same one — to its channel
(:func:`ascc_plugin.delivery.handing.hand_to`): a parcel the
channel took is deleted, its secret with it; one it refused waits (exponential backoff with full
jitter, up to an hour) and is tried again, never dropped — the secret is the only copy.
``ascc store outbox`` lists the parcels still waiting, with their last error.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from ascc_plugin.backoff import Backoff, Uniform
from ascc_plugin.client.outbox import Outbox, Parcel
from ascc_plugin.delivery.handing import DELIVERY_BACKOFF, hand_to
from ascc_plugin.models import Customer
from ascc_plugin.vouchers import Voucher

log = logging.getLogger(__name__)


def parcels_of(
    vouchers: list[Voucher], customer: Customer | None, channels: list[str]
) -> list[Parcel]:
    """One parcel per voucher and channel: ``{"voucher", "customer"}`` as JSON bytes."""
    person = None if customer is None else customer.model_dump(mode="json")
    return [
        Parcel(v.id, channel, json.dumps({"voucher": v.to_json(), "customer": person}).encode())
        for v in vouchers
        for channel in channels
    ]


def unpack(parcel: Parcel) -> tuple[Voucher, Customer | None]:
    data: dict[str, Any] = json.loads(parcel.payload)
    person = data.get("customer")
    return Voucher.model_validate(data["voucher"]), (
        None if person is None else Customer.model_validate(person)
    )


class Courier:
    """Hands due parcels of ``outbox`` to the channels by name."""

    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[str, object],
        *,
        clock: Callable[[], float] = time.time,
        rand: Uniform | None = None,
        backoff: Backoff = DELIVERY_BACKOFF,
    ) -> None:
        self.outbox, self.channels, self.clock, self.backoff = outbox, channels, clock, backoff
        self.rand: Uniform = rand or random.SystemRandom()

    def drain(self, limit: int = 50) -> tuple[int, int]:
        """Attempt the parcels due now (at most ``limit``); how many delivered, how many not."""
        delivered = refused = 0
        for parcel in self.outbox.claim_parcels(limit):
            error = self.hand(parcel)
            if error is None:
                self.outbox.parcel_taken(parcel)
                delivered += 1
                continue
            delay = self.backoff.delay(parcel.attempts + 1, self.rand)
            self.outbox.parcel_refused(parcel, error, delay)
            refused += 1
        return delivered, refused

    def hand(self, parcel: Parcel) -> str | None:
        try:
            voucher, customer = unpack(parcel)
        except (ValueError, KeyError, TypeError) as exc:
            return f"unreadable parcel ({exc})"
        return hand_to(self.channels.get(parcel.channel), parcel.channel, voucher, customer)
