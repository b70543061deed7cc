"""Built-in delivery channels: how a newly issued voucher reaches its customer.

``[delivery] channels`` in ``ascc.toml`` lists the ones to use: ``log`` appends one JSON line per
delivered voucher to ``[delivery] log_file`` (holder secret included, so the file is created
0600), ``email`` sends a message with the holder link and a QR code (see
:mod:`ascc_plugin.email_delivery`). :func:`ascc_plugin.host.configure` registers them
(:func:`ascc_plugin.channels.delivery_channels`); each is a plugin implementing
``ascc_deliver_voucher``, so one failing channel does not stop another.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ascc_plugin.config import DeliverySection
from ascc_plugin.hooks import hookimpl
from ascc_plugin.models import Customer
from ascc_plugin.vouchers import Voucher


def template_fields(voucher: Voucher, center_url: str) -> dict[str, str]:
    """What ``[delivery] subject`` and ``holder_url`` may name (``config.TEMPLATE_FIELDS``)."""
    return {
        "id": voucher.id,
        "program": voucher.program,
        "kind": voucher.kind,
        "order_id": voucher.order_id,
        "valid_until": voucher.valid_until.date().isoformat(),
        "holder_secret": voucher.holder_secret or "",
        "center": center_url.rstrip("/"),
    }


def holder_link(voucher: Voucher, settings: DeliverySection, center_url: str) -> str:
    """The customer's link: the issuer's ``holder_url``, else ``[delivery] holder_url`` filled."""
    if voucher.holder_url:
        return voucher.holder_url
    return settings.holder_url.format_map(template_fields(voucher, center_url))


class LogChannel:
    """Appends ``{"delivered_at", "voucher", "holder_link", "customer"}`` lines to a file."""

    def __init__(
        self,
        settings: DeliverySection,
        center_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.path: Path = settings.log_file
        self.settings = settings
        self.center_url = center_url
        self.clock = clock
        self._lock = threading.Lock()

    @hookimpl
    def ascc_deliver_voucher(self, voucher: Voucher, customer: Customer | None) -> None:
        record = {
            "delivered_at": self.clock().isoformat(),
            "voucher": voucher.to_json(),
            "holder_link": holder_link(voucher, self.settings, self.center_url),
            "customer": customer.model_dump(mode="json") if customer else None,
        }
        self.append(json.dumps(record, ensure_ascii=False) + "\n")

    def append(self, line: str) -> None:
        """One write of one line in append mode: whole lines even with several processes."""
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
