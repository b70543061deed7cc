"""``system`` frames: the voucher's state changes and its incentive's life, in its case's log.

The relay subscribes :func:`system_frame` to the audit trail's change feed
(:func:`center.audit.trail.feed`: state changes and notes), so each frame is stored in the very
transaction that changes the voucher, and the sockets are rung only after it commits. The first
assignment opens the case. An incentive's frame says ``incentive_state`` (its own state) where
the voucher's frames say ``state``, and names the incentive in ``detail``. To add frames for
another domain's changes, add its audit actions to :data:`SYSTEM_EVENTS`, or call
:func:`center.channel.services.append` with :data:`SYSTEM_PARTY` from that domain's listener.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from center.audit.trail import Change
from center.channel.access import Party, Role
from center.channel.services import Appended, append, open_case

SYSTEM_PARTY = Party(Role.SYSTEM)
SYSTEM_EVENTS: dict[str, str] = {
    "assign": "assigned",
    "redeem": "redeemed",
    "complete": "completed",
    "void": "voided",
    "expire": "expired",
    "assess": "assessed",
    "reward": "rewarded",
    "incentive.issue": "incentive issued",
    "incentive.release": "incentive released",
    "incentive.redeem": "incentive redeemed",
    "incentive.lapse": "incentive lapsed",
    "incentive.cancel": "incentive cancelled",
}
INCENTIVE = "incentive."


def system_frame(session: Session, change: Change) -> Appended | None:
    """The ``system`` frame of ``change`` if it concerns an open case (else ``None``)."""
    event = SYSTEM_EVENTS.get(change.action)
    if event is None or change.provider_id is None:
        return None
    open_case(session, change.voucher_id, change.at)
    state = "incentive_state" if change.action.startswith(INCENTIVE) else "state"
    body = {"event": event, state: change.to_state, "provider_id": change.provider_id}
    if change.detail and change.action not in ("assign",):
        body["detail"] = change.detail
    return append(session, change.voucher_id, SYSTEM_PARTY, "system", body, change.at)
