"""Recording what the hub must deliver, in the issuing transaction; a store's choice.

:func:`install` subscribes :func:`HandoverRecorder.on_changes` to the database's audit feed
when the hub has delivery channels (``[hub] delivery_channels``): for every ``issue`` change of
a store that chose hub delivery (:func:`set_hub_delivery`), one :class:`Handover` row per
channel keeps the holder secret sealed until that channel has taken it. Written in the same
transaction as the voucher, so no committed voucher of such a store lacks its delivery record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from center.audit.trail import Change, feed
from center.deliveries.sealing import Sealer
from center.handover.models import PENDING, Handover, HubDeliveryStore
from center.infra.db import Database, dialect_insert
from center.parties.services import get_gsp

HANDOVERS: Table = Handover.__table__  # type: ignore[assignment]
STORES: Table = HubDeliveryStore.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class HandoverRecorder:
    """The feed listener: seals new holder secrets into handover rows, one per channel."""

    sealer: Sealer
    channels: tuple[str, ...]

    def on_changes(self, session: Session, changes: Sequence[Change]) -> None:
        issued = [c for c in changes if c.action == "issue" and c.holder_secret and c.gsp_id]
        if not issued:
            return
        stores = chosen_stores(session, {c.gsp_id for c in issued if c.gsp_id})
        rows = [
            self.row(change, channel)
            for change in issued
            if change.gsp_id in stores
            for channel in self.channels
        ]
        if rows:
            session.connection().execute(HANDOVERS.insert(), rows)

    def row(self, change: Change, channel: str) -> dict[str, Any]:
        return {
            "voucher_id": change.voucher_id,
            "gsp_id": change.gsp_id,
            "channel": channel,
            "sealed_secret": self.sealer.seal({change.voucher_id: change.holder_secret or ""}),
            "state": PENDING,
            "attempts": 0,
            "created_at": change.at,
            "next_attempt_at": change.at,
            "delivered_at": None,
            "lease_until": None,
            "last_error": None,
        }


def chosen_stores(session: Session, gsp_ids: set[str]) -> set[str]:
    query = select(HubDeliveryStore.gsp_id).where(
        HubDeliveryStore.gsp_id.in_(sorted(gsp_ids)), HubDeliveryStore.enabled.is_(True)
    )
    return set(session.scalars(query))


def set_hub_delivery(session: Session, gsp_id: str, enabled: bool, now: datetime) -> dict[str, Any]:
    """A store's choice: the hub delivers its new vouchers (or stops doing so)."""
    gsp = get_gsp(session, gsp_id)
    statement = dialect_insert(session, STORES).values(
        gsp_id=gsp.id, enabled=enabled, updated_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["gsp_id"], set_={"enabled": enabled, "updated_at": now}
        )
    )
    return {"gsp_id": gsp.id, "hub_delivery": enabled}


def install(database: Database, sealer: Sealer | None, channels: Sequence[str]) -> None:
    """Record handovers for ``database``'s issues when the hub delivers through ``channels``."""
    if sealer is None or not channels:
        return
    feed(database).subscribe(HandoverRecorder(sealer, tuple(channels)).on_changes)
