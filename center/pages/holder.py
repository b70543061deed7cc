"""What the customer page shows its holder: one read of the voucher, its history, its provider
and its incentive, and the QR code of its token (``GET /v/<id>/state``).

Only the holder (``Authorization: Bearer hld_…``) gets it; anyone else, and any unknown or
malformed id, gets the voucher API's one 404 (no existence oracle). Texts stay data: the page's
script puts them in with ``textContent``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ascc_plugin.money import from_minor
from center.incentives.models import Incentive
from center.incentives.views import incentive_json
from center.pages.qr import token_svg
from center.parties.auth import Kind, Principal
from center.parties.models import Provider
from center.records.services import histories
from center.vouchers.models import Voucher
from center.vouchers.services import acting_voucher, voucher_json


def holder_state(session: Session, voucher_id: str, principal: Principal) -> dict[str, Any]:
    """The page's whole state for the voucher's holder (404 for anyone else)."""
    voucher = acting_voucher(session, voucher_id, principal, Kind.HOLDER)
    incentive = session.scalar(select(Incentive).where(Incentive.voucher_id == voucher.id))
    return {
        "voucher": voucher_json(voucher, viewer=principal),
        "product": product(voucher),
        "history": histories(session, [voucher.id]).get(voucher.id, []),
        "provider": provider(session, voucher.provider_id),
        "incentive": None if incentive is None else incentive_json(incentive, principal),
        "qr_svg": token_svg(voucher.token) if voucher.token else None,
    }


def product(voucher: Voucher) -> dict[str, Any]:
    """What the voucher covers: one unit of one order line, with its price when known."""
    price = None
    if voucher.unit_price is not None and voucher.currency:
        price = str(from_minor(voucher.unit_price, voucher.currency))
    return {
        "order_id": voucher.order_id,
        "line_id": voucher.line_id,
        "unit": voucher.unit,
        "unit_price": price,
        "currency": voucher.currency,
    }


def provider(session: Session, provider_id: str | None) -> dict[str, Any] | None:
    """The chosen provider's public name and region."""
    if provider_id is None:
        return None
    found = session.get(Provider, provider_id)
    if found is None:
        return None
    return {"id": found.id, "name": found.name, "region": found.region}
