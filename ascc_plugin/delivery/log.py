"""The ``log`` delivery channel: one JSON line per delivered voucher in ``[delivery] log_file``.

The line holds the holder secret, so the file is created 0600. Lines are written whole, each in
one ``write`` on an ``O_APPEND`` file, so several server processes may share it.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from ascc_plugin.clock import Clock, utcnow
from ascc_plugin.delivery.links import holder_link
from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.hooks import hookimpl
from ascc_plugin.models import Customer
from ascc_plugin.vouchers import Voucher


class LogChannel:
    """Appends ``{"delivered_at", "voucher", "holder_link", "customer"}`` lines to a file."""

    def __init__(
        self,
        settings: DeliverySection,
        clock: Clock = utcnow,
    ) -> None:
        self.path: Path = settings.log_file
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()

    @hookimpl
    def ascc_deliver_voucher(self, voucher: Voucher, customer: Customer | None) -> None:
        record = {
            "delivered_at": self.clock().isoformat(),
            "voucher": voucher.to_json(),
            "holder_link": holder_link(voucher, self.settings),
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
