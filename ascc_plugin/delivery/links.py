"""The holder link and the fields a channel's templates may name."""

from __future__ import annotations

from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.vouchers import Voucher


def template_fields(voucher: Voucher, settings: DeliverySection) -> dict[str, str]:
    """What ``[delivery] subject`` and ``holder_url`` may name (``TEMPLATE_FIELDS``)."""
    return {
        "id": voucher.id,
        "program": voucher.program,
        "kind": voucher.kind,
        "order_id": voucher.order_id,
        "valid_until": voucher.valid_until.date().isoformat(),
        "holder_secret": voucher.holder_secret or "",
        "center": settings.link_base.rstrip("/"),
    }


def holder_link(voucher: Voucher, settings: DeliverySection) -> str:
    """The customer's link: the issuer's ``holder_url``, else ``[delivery] holder_url`` filled."""
    if voucher.holder_url:
        return voucher.holder_url
    return settings.holder_url.format_map(template_fields(voucher, settings))
