"""The reward half of a voucher's life as plugins see it: typed hook arguments.

The hooks ``ascc_assessment_submitted``, ``ascc_incentive_issued``, ``ascc_incentive_redeemed``
and ``ascc_claim_decided`` (:mod:`ascc_plugin.hooks`) receive these models (frozen, money as
``Decimal`` serialised as a string), after the change they describe was committed.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ascc_plugin.money import Amount

Score = Annotated[int, Field(ge=1, le=5)]
IncentiveStateName = Literal["issued", "released", "redeemed", "lapsed", "cancelled"]
ClaimStatus = Literal["approved", "pending", "rejected"]


class RewardModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Assessment(RewardModel):
    """A customer's assessment of a completed service (one per service voucher)."""

    voucher_id: str
    gsp_id: str
    provider_id: str
    program: str
    score: Score
    comment: str | None = None
    at: AwareDatetime


class Incentive(RewardModel):
    """An incentive voucher: given to the customer, handed to the provider who served.

    ``token`` (a signed JWS, header ``typ`` ``ascc-incentive+jwt``) is what the customer
    presents; it is omitted where the viewer is not the holder.
    """

    id: str
    voucher_id: str
    gsp_id: str
    provider_id: str
    program: str
    amount: Amount
    currency: str
    state: IncentiveStateName
    issued_at: AwareDatetime
    redeemable_at: AwareDatetime
    lapses_at: AwareDatetime
    token: str | None = None


class ClaimDecision(RewardModel):
    """A provider's cost claim against a program's insurance policy, as decided."""

    id: str
    voucher_id: str
    policy_id: str
    provider_id: str
    status: ClaimStatus
    amount: Amount
    paid: Amount
    currency: str
    decided_by: Literal["rule", "operator"]
    at: AwareDatetime
