"""Holder secrets of a delivery's first answer, sealed, so a replay can give them again.

A store that never received the hub's answer (a lost reply, a crash before it was recorded)
sends the same ``webhook-id`` again and must get the same answer, secrets included (DESIGN §6;
Stripe's idempotency keys do the same): without them the customer could never use the
vouchers. Vouchers keep only digests of their secrets, so the first answer's secrets are kept
beside the delivery record, encrypted with Fernet (``cryptography``: AES-128-CBC + HMAC-SHA256,
authenticated) under a key in the hub's key folder, and only for a retention period.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from ascc_plugin.keys import write_private

SEAL_KEY_FILE = "replay-seal.key"
RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Sealer:
    """Seals ``{voucher id: holder secret}`` maps; opens them while they are retained."""

    fernet: Fernet
    retention: timedelta = RETENTION

    @classmethod
    def for_folder(cls, folder: Path, retention: timedelta = RETENTION) -> Sealer:
        """The sealer of a key folder, its key made (mode 0600) on first use."""
        path = folder / SEAL_KEY_FILE
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            draft = folder / f".{SEAL_KEY_FILE}.{os.getpid()}"
            write_private(draft, Fernet.generate_key())
            try:
                os.link(draft, path)  # atomic: of several workers starting at once, one wins
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return cls(Fernet(path.read_bytes().strip()), retention)

    def seal(self, secrets: dict[str, str]) -> str:
        return self.fernet.encrypt(json.dumps(secrets).encode()).decode()

    def open(self, sealed: str | None, sealed_at: datetime, now: datetime) -> dict[str, str]:
        """The secrets, or nothing when none were sealed, the period ended or the key changed."""
        if not sealed or now - sealed_at > self.retention:
            return {}
        try:
            secrets: dict[str, str] = json.loads(self.fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            return {}
        return secrets
