"""Incentives as plugins and API clients see them (only the holder sees the token)."""

from __future__ import annotations

from typing import Any

from ascc_plugin import rewards
from ascc_plugin.money import from_minor
from center.incentives.models import Incentive
from center.parties.auth import Kind, Principal


def as_model(incentive: Incentive, with_token: bool) -> rewards.Incentive:
    return rewards.Incentive(
        id=incentive.id,
        voucher_id=incentive.voucher_id,
        gsp_id=incentive.gsp_id,
        provider_id=incentive.provider_id,
        program=incentive.program,
        amount=from_minor(incentive.amount, incentive.currency),
        currency=incentive.currency,
        state=incentive.state.value,
        issued_at=incentive.issued_at,
        redeemable_at=incentive.redeemable_at,
        lapses_at=incentive.lapses_at,
        token=incentive.token if with_token else None,
    )


def incentive_json(incentive: Incentive, principal: Principal) -> dict[str, Any]:
    """The incentive as the API shows it; only its holder sees the token."""
    shown = as_model(incentive, principal.kind == Kind.HOLDER)
    return {**shown.model_dump(mode="json", exclude_none=True), "token": shown.token}
