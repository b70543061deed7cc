"""Who is calling: ``Authorization: Bearer <key>`` resolved to a :class:`Principal`.

The key's prefix says which kind of party it claims to be: ``gsp_`` (a store), ``prv_`` (a
provider), ``adm_`` (the operator) or ``hld_`` (a voucher holder). Store and provider keys are
looked up by digest; an unknown one is 401. A holder secret is not looked up here: it only
means something beside a voucher id, and a wrong one is treated as "not yours" (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from center.infra.problems import Unauthorized
from center.parties import keys
from center.parties.models import Gsp, Provider


class Kind(StrEnum):
    GSP = "gsp"
    PROVIDER = "provider"
    ADMIN = "admin"
    HOLDER = "holder"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Principal:
    """An authenticated party; ``secret`` is kept only for holders (checked per voucher)."""

    kind: Kind
    id: str | None = None
    secret: str | None = None

    def is_(self, kind: Kind, party_id: str | None) -> bool:
        return self.kind == kind and party_id is not None and self.id == party_id


ANONYMOUS = Principal(Kind.ANONYMOUS)


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, else ``None``."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use 'Authorization: Bearer <key>'")
    return token.strip()


def resolve(session: Session, header: str | None, admin_digest: str | None) -> Principal:
    """The party the header authenticates; :class:`Unauthorized` for an unknown key."""
    token = bearer(header)
    if token is None:
        return ANONYMOUS
    if token.startswith(keys.HOLDER_PREFIX):
        return Principal(Kind.HOLDER, secret=token)
    if token.startswith(keys.ADMIN) and keys.matches(token, admin_digest):
        return Principal(Kind.ADMIN, "operator")
    for prefix, kind, statement in BY_KEY:
        if token.startswith(prefix):
            found = session.scalar(statement, {"digest": keys.digest(token)})
            if found is not None:
                return Principal(kind, found)
    raise Unauthorized("unknown or revoked key")


BY_KEY = (
    (keys.GSP_PREFIX, Kind.GSP, select(Gsp.id).where(Gsp.key_digest == bindparam("digest"))),
    (
        keys.PROVIDER_PREFIX,
        Kind.PROVIDER,
        select(Provider.id).where(Provider.key_digest == bindparam("digest")),
    ),
)
"""A store's or provider's key prefix, its kind, and the look-up of its digest (built once)."""


def require(principal: Principal, *kinds: Kind) -> Principal:
    """``principal`` if it is one of ``kinds``; 401 otherwise (the id reveals nothing here)."""
    if principal.kind not in kinds:
        raise Unauthorized(f"this operation needs a {' or '.join(k.value for k in kinds)} key")
    return principal
