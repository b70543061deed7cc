"""The voucher as every part shows it (DESIGN §7 voucher JSON) and its lifecycle states."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict


class VoucherState(StrEnum):
    """Lifecycle states (DESIGN §5); the transitions live in the center's state machine."""

    ISSUED = "issued"
    ACTIVATED = "activated"
    ASSIGNED = "assigned"
    IN_SERVICE = "in_service"
    COMPLETED = "completed"
    ASSESSED = "assessed"
    REWARDED = "rewarded"
    VOIDED = "voided"
    EXPIRED = "expired"


class Voucher(BaseModel):
    """One voucher: one unit of one order line under one program."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    program: str
    kind: str
    order_id: str
    line_id: str
    unit: int
    state: VoucherState = VoucherState.ISSUED
    valid_until: AwareDatetime
    token: str | None = None
    holder_secret: str | None = None
    holder_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The wire form: absent optional fields are left out, times are ISO 8601."""
        return self.model_dump(mode="json", exclude_none=True)

    def expired_at(self, now: datetime) -> bool:
        return now >= self.valid_until
