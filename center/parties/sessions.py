"""Sign-in sessions of the people behind a provider key or the operator key (the pages).

A person signs in once with the key (``prv_…`` or ``adm_…``) and gets a random session token
(256 bits) that the pages keep in a cookie; the key itself is never kept, neither in the cookie
nor here. A row holds the token's SHA-256 digest (as keys are held), the party, the digest of the
key it was opened with and its expiry. A session ends when it expires, when the person signs out
(the row is deleted), or when the key it was opened with is replaced: a provider row with another
``key_digest``, an operator key changed in the settings — every request checks the key digest.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, bindparam, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from center.infra.db import Base, UtcDateTime
from center.parties.auth import Kind, Principal
from center.parties.keys import digest
from center.parties.models import Provider

TOKEN_BYTES = 32
STAFF_KINDS = (Kind.PROVIDER, Kind.ADMIN)
OPERATOR_ID = "operator"


class StaffSession(Base):
    """A signed-in provider or operator (one browser)."""

    __tablename__ = "staff_sessions"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    party_id: Mapped[str] = mapped_column(String(40), index=True)
    key_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


@dataclass(frozen=True)
class Opened:
    """A new session: the token for the cookie (shown once) and when it ends."""

    token: str
    expires_at: datetime


def open_session(
    session: Session, principal: Principal, key: str, now: datetime, lifetime: timedelta
) -> Opened:
    """A session for ``principal``, which ``key`` authenticated; expired rows are dropped."""
    if principal.kind not in STAFF_KINDS or principal.id is None:
        raise ValueError(f"no page sessions for a {principal.kind} party")
    session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = StaffSession(
        token_digest=digest(token),
        kind=principal.kind.value,
        party_id=principal.id,
        key_digest=digest(key),
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    return Opened(token, row.expires_at)


def session_party(
    session: Session, token: str, admin_digest: str | None, now: datetime
) -> Principal | None:
    """The party of a live session ``token``, else ``None`` (unknown, expired, key replaced)."""
    row = session.connection().execute(LIVE, {"token": digest(token), "now": now}).first()
    if row is None:
        return None
    current = admin_digest if row.kind == Kind.ADMIN.value else row.provider_key
    if current is None or not hmac.compare_digest(current.encode(), row.key_digest.encode()):
        return None
    return Principal(Kind(row.kind), row.party_id)


LIVE = (
    select(
        StaffSession.kind,
        StaffSession.party_id,
        StaffSession.key_digest,
        Provider.key_digest.label("provider_key"),
    )
    .outerjoin(Provider, Provider.id == StaffSession.party_id)
    .where(
        StaffSession.token_digest == bindparam("token"), StaffSession.expires_at > bindparam("now")
    )
)
"""A live session and its provider's current key digest: one statement (built once, run as
Core on the session's connection), on the primary key ``token_digest``."""


def close_session(session: Session, token: str) -> bool:
    """End the session ``token`` (sign-out); whether it existed."""
    gone = session.execute(delete(StaffSession).where(StaffSession.token_digest == digest(token)))
    return bool(getattr(gone, "rowcount", 0))
