"""The voucher as every part shows it (DESIGN §7 voucher JSON), its lifecycle states, and a
handler's answer for one order (:class:`Issuance`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


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


class Issuance(BaseModel):
    """What a handler answers for one order event (``ascc_issue_vouchers``).

    ``entitled`` counts the units the order entitles now, per program id. ``vouchers`` are the
    vouchers themselves when the handler knows them: ``issued`` (issued here, ``gsp`` mode) and
    ``previewed`` (computed, nothing stored); ``queued`` (forwarded to a center, which issues
    them and gives the ids) carries the counts only.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Literal["issued", "previewed", "queued"]
    entitled: dict[str, int] = Field(default_factory=dict)
    vouchers: tuple[Voucher, ...] = ()

    @property
    def count(self) -> int:
        return sum(self.entitled.values())

    @classmethod
    def of(cls, status: Literal["issued", "previewed"], vouchers: list[Voucher]) -> Issuance:
        """An answer listing ``vouchers`` (their counts per program derived from them)."""
        counts: dict[str, int] = {}
        for voucher in vouchers:
            counts[voucher.program] = counts.get(voucher.program, 0) + 1
        return cls(status=status, entitled=counts, vouchers=tuple(vouchers))
