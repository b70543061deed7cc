"""What the provider console shows, read through the service layer and scoped to the provider.

Every read starts from the signed-in provider's :class:`~center.parties.auth.Principal`: the
records query with the provider's own id, the voucher services' ``acting_voucher`` (another
provider's case is the API's 404), incentives and claims filtered by the provider's id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ascc_plugin.vouchers import VoucherState
from center.channel import services as channel
from center.channel.frames import frame_json
from center.incentives.models import Incentive
from center.incentives.views import incentive_json
from center.insurance.models import Claim
from center.insurance.services import claim_json
from center.parties.auth import Kind, Principal
from center.parties.services import get_provider, provider_json
from center.records.services import RecordFilter, record_json, records_query
from center.vouchers import services as vouchers
from center.vouchers.models import Voucher

OPEN = (VoucherState.ASSIGNED, VoucherState.IN_SERVICE)
DONE = (VoucherState.COMPLETED, VoucherState.ASSESSED, VoucherState.REWARDED)
SHOWN = 50
FRAMES_SHOWN = 500


def cases(session: Session, provider_id: str, states: tuple[VoucherState, ...]) -> list[Any]:
    """The provider's cases in ``states`` (the records query scoped to the provider, without
    their histories), at most :data:`SHOWN`, the most recently changed first."""
    query = (
        records_query(RecordFilter(provider=provider_id), 0)
        .where(Voucher.state.in_(states))
        .order_by(None)
        .order_by(Voucher.updated_at.desc())
        .limit(SHOWN)
    )
    return [record_json(voucher, customer, []) for voucher, customer in session.execute(query)]


def home(session: Session, party: Principal) -> dict[str, Any]:
    """The console's first page: open cases, finished ones, incentives and claims."""
    assert party.kind == Kind.PROVIDER and party.id is not None
    return {
        "provider": provider_json(get_provider(session, party.id)),
        "open_cases": cases(session, party.id, OPEN),
        "done_cases": cases(session, party.id, DONE),
        "incentives": incentives(session, party),
        "claims": claims(session, party.id),
    }


def incentives(session: Session, party: Principal, voucher_id: str | None = None) -> list[Any]:
    """The incentives of the provider's services (no tokens: the customer presents them)."""
    query = select(Incentive).where(Incentive.provider_id == party.id)
    if voucher_id is not None:
        query = query.where(Incentive.voucher_id == voucher_id)
    found = session.scalars(query.order_by(Incentive.seq.desc()).limit(SHOWN))
    return [incentive_json(incentive, party) for incentive in found]


def claims(session: Session, provider_id: str, voucher_id: str | None = None) -> list[Any]:
    query = select(Claim).where(Claim.provider_id == provider_id)
    if voucher_id is not None:
        query = query.where(Claim.voucher_id == voucher_id)
    return [claim_json(c) for c in session.scalars(query.order_by(Claim.seq.desc()).limit(SHOWN))]


def case(session: Session, party: Principal, voucher_id: str) -> dict[str, Any]:
    """One case of the provider's (the API's 404 for any other id): the voucher without its
    token, the conversation, the arrangement, its claims and its incentive."""
    voucher = vouchers.acting_voucher(session, voucher_id, party, Kind.PROVIDER)
    assert party.id is not None
    frames = channel.frames_after(session, voucher.id, 0, FRAMES_SHOWN)
    return {
        "voucher": vouchers.voucher_json(voucher, viewer=party),
        "frames": [frame_json(frame) for frame in frames],
        "head": channel.head(session, voucher.id),
        "arrangement": channel.arrangement_of(session, voucher.id),
        "claims": claims(session, party.id, voucher.id),
        "incentives": incentives(session, party, voucher.id),
        "currency": voucher.currency or "",
    }
