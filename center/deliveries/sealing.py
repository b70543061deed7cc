"""Holder secrets of a delivery's first answer, sealed, so a replay can give them again.

A store that never received the hub's answer (a lost reply, a crash before it was recorded)
sends the same ``webhook-id`` again and must get the same answer, secrets included (DESIGN §6;
Stripe's idempotency keys do the same): without them the customer could never use the
vouchers. Vouchers keep only digests of their secrets, so the first answer's secrets are kept
beside the delivery record, sealed with Fernet (:mod:`ascc_plugin.sealing`, shared with the
store's outbox) under a key in the hub's key folder, and only for a retention period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ascc_plugin.sealing import Seal, SealError

SEAL_KEY_FILE = "replay-seal.key"
RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Sealer:
    """Seals ``{voucher id: holder secret}`` maps; opens them while they are retained."""

    seal_: Seal
    retention: timedelta = RETENTION

    @classmethod
    def for_folder(cls, folder: Path, retention: timedelta = RETENTION) -> Sealer:
        """The sealer of a key folder, its key made (mode 0600) on first use."""
        return cls(Seal.for_file(folder / SEAL_KEY_FILE), retention)

    def seal(self, secrets: dict[str, str]) -> str:
        return self.seal_.seal(json.dumps(secrets).encode()).decode()

    def open(self, sealed: str | None, sealed_at: datetime, now: datetime) -> dict[str, str]:
        """The secrets, or nothing when none were sealed, the period ended or the key changed."""
        if not sealed or now - sealed_at > self.retention:
            return {}
        try:
            secrets: dict[str, str] = json.loads(self.seal_.open(sealed.encode()))
        except (SealError, ValueError):
            return {}
        return secrets
