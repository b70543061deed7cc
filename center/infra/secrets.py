"""Secrets the hub must keep readable (each store's ``whsec_`` signing secret) stored encrypted.

A column of type :class:`EncryptedText` is sealed on write and opened on read with the
:class:`~ascc_plugin.sealing.Seal` installed on its engine (:func:`install`, done by
:class:`center.infra.db.Database`): Fernet under MultiFernet keys from ``[hub] secrets_key``
(``ASCC_SECRETS_KEY``, comma-separated, the first seals) or else the key folder's
``secrets.key`` (made 0600 on first use). Stored values read ``enc:v1:<Fernet token>``; the
database alone never shows a secret. ``ascc center rotate-key`` seals every value again under
a new first key (:func:`reseal_column` over every sealed column), and migration
``0005_hardening`` seals the rows written in plain text before it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Dialect, Engine, String, TypeDecorator, literal, select, type_coerce, update
from sqlalchemy.orm import Session

from ascc_plugin.sealing import Seal

PREFIX = "enc:v1:"
KEY_FILE = "secrets.key"
WIDTH = 500  # an encrypted whsec_ secret is about 180 characters
DIALECT_KEY = "ascc_secrets"


class SecretsKeyMissing(RuntimeError):
    """A secret column was written or read on an engine without a seal (see :func:`install`)."""


def seal_for(keys_dir: Path, configured: str | None) -> Seal:
    """The hub's secrets seal: the configured keys, else the key folder's ``secrets.key``."""
    return Seal.for_keys(configured) if configured else Seal.for_file(keys_dir / KEY_FILE)


def install(engine: Engine, seal: Seal) -> None:
    """Make ``engine``'s :class:`EncryptedText` columns use ``seal``."""
    setattr(engine.dialect, DIALECT_KEY, seal)


def installed(dialect: Dialect) -> Seal:
    seal = getattr(dialect, DIALECT_KEY, None)
    if not isinstance(seal, Seal):
        raise SecretsKeyMissing("no secrets key on this database: build it with secrets=")
    return seal


def seal_text(seal: Seal, text: str) -> str:
    return PREFIX + seal.seal(text.encode()).decode()


def open_text(seal: Seal, stored: str) -> str:
    """The secret of a stored value (a value from before encryption is returned as it is)."""
    if not stored.startswith(PREFIX):
        return stored
    return seal.open(stored.removeprefix(PREFIX).encode()).decode()


def reseal(seal: Seal, stored: str) -> str:
    """``stored`` sealed under the first key (plain text from before encryption sealed)."""
    if not stored.startswith(PREFIX):
        return seal_text(seal, stored)
    return PREFIX + seal.rotate(stored.removeprefix(PREFIX).encode()).decode()


class EncryptedText(TypeDecorator[str]):
    """A string stored sealed with the engine's secrets key."""

    impl = String(WIDTH)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return seal_text(installed(dialect), value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return open_text(installed(dialect), str(value))


def reseal_column(session: Session, key: Any, value: Any, seal: Seal) -> int:
    """Seal every value of the :class:`EncryptedText` column ``value`` again under ``seal``'s
    first key (``key`` names each row); how many rows."""
    stored = type_coerce(value, String)
    rows = session.execute(select(key, stored)).all()
    for ident, text in rows:
        sealed = literal(reseal(seal, text), String)  # typed String: not sealed a second time
        session.execute(update(value.class_).where(key == ident).values({value.key: sealed}))
    return len(rows)
