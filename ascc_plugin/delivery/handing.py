"""Handing one voucher to one channel, for a caller that keeps the delivery until it succeeds.

Channels implement ``ascc_deliver_voucher``; some (``email``) log their failures there so one
failing channel never stops another in a plain notification, and offer ``deliver`` which raises
instead. A durable deliverer — the store's courier (:mod:`ascc_plugin.client.courier`), the
hub's handovers (``center.handover``) — calls :func:`hand_to`: ``None`` when the channel took
the voucher, else the reason, and keeps the voucher to try again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ascc_plugin.backoff import Backoff
from ascc_plugin.models import Customer
from ascc_plugin.vouchers import Voucher

log = logging.getLogger(__name__)
REASON_LIMIT = 300
DELIVERY_BACKOFF = Backoff(base=30.0, cap=3600.0)
"""How long a refused delivery waits before its next try (full jitter, at most an hour)."""


def hand_to(
    channel: object | None, name: str, voucher: Voucher, customer: Customer | None
) -> str | None:
    """Give ``voucher`` to ``channel``; the failure's reason, or ``None`` when delivered."""
    if channel is None:
        return f"no channel named {name!r} is configured"
    if not voucher.holder_secret:
        return "the voucher's holder secret is not known (was the seal key changed?)"
    deliver: Callable[..., object] | None = getattr(channel, "deliver", None)
    if deliver is None:
        deliver = getattr(channel, "ascc_deliver_voucher")  # noqa: B009 (the hook, by name)
    try:
        deliver(voucher=voucher, customer=customer)
    except Exception as exc:  # a channel's failure is recorded and retried, never raised
        log.warning("delivery of %s via %s failed: %s", voucher.id, name, exc)
        return f"{type(exc).__name__}: {exc}"[:REASON_LIMIT]
    return None
