"""What the reward, insurance, ledger and report endpoints answer (pydantic models whose JSON
Schema the API document carries; :mod:`center.api.schemas` holds the voucher half's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from center.api.schemas import Answer, Page

Money = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["10.00"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class AssessmentAnswer(Answer):
    voucher_id: str
    gsp_id: str
    provider_id: str
    program: str
    score: Annotated[int, Field(ge=1, le=5)]
    comment: str | None
    """``null`` when the operator hid it."""
    comment_hidden: bool
    at: datetime


class IncentiveAnswer(Answer):
    """An incentive voucher; ``token`` is shown to its holder only."""

    id: str
    voucher_id: str
    gsp_id: str
    provider_id: str
    program: str
    amount: Money
    currency: Currency
    state: Literal["issued", "released", "redeemed", "lapsed", "cancelled"]
    issued_at: datetime
    redeemable_at: datetime
    lapses_at: datetime
    token: str | None


class AssessedAnswer(Answer):
    assessment: AssessmentAnswer
    incentive: IncentiveAnswer | None
    reason: str | None
    """Why no incentive is due (``null`` when one was issued)."""


class FlagAnswer(Answer):
    kind: str
    voucher_id: str
    gsp_id: str
    provider_id: str | None
    detail: str
    at: datetime


class FlagPage(Page[FlagAnswer]):
    """A page of flags."""


class ClaimAnswer(Answer):
    id: str
    voucher_id: str
    policy_id: str
    provider_id: str
    status: Literal["approved", "pending", "rejected"]
    amount: Money
    paid: Money
    reserved: Money
    currency: Currency
    decided_by: Literal["rule", "operator"]
    at: datetime
    description: str
    note: str | None
    filed_at: datetime


class Balance(Answer):
    currency: Currency
    balance: Money


class Entry(Answer):
    seq: int
    at: datetime
    kind: str
    ref: str
    currency: Currency
    amount: Money
    side: Literal["debit", "credit"]


class AccountAnswer(Answer):
    """An account: its balances on its normal side and one page of its entries."""

    account: str
    normal: Literal["debit", "credit"]
    balances: list[Balance]
    items: list[Entry]
    next_cursor: str | None


class ProviderSatisfaction(Answer):
    provider_id: str
    count: int
    mean: float
    csat: float


class Satisfaction(Answer):
    count: int
    mean: float | None
    csat: float | None
    """Percent of scores 4–5."""


class IncentiveFigures(Answer):
    count: int
    amounts: dict[str, Money]


class InsuranceFigures(Answer):
    currency: Currency
    premiums_earned: Money
    claims_paid: Money
    reserve: Money
    loss_ratio: Money | None


class Percentiles(Answer):
    count: int
    p50_hours: float | None
    p90_hours: float | None


class Scope(Answer):
    kind: Literal["all", "gsp", "provider"]
    id: str | None


class ReportAnswer(Answer):
    from_: datetime = Field(alias="from")
    to: datetime
    scope: Scope
    satisfaction: Satisfaction
    providers: list[ProviderSatisfaction]
    incentives: dict[str, IncentiveFigures]
    insurance: list[InsuranceFigures]
    durations: dict[str, Percentiles]
