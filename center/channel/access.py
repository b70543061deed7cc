"""Who takes part in a case: its holder and its assigned provider; the operator may read.

A case exists once a provider has been assigned. Everyone else — the voucher's store, another
provider, another holder, an unknown id — gets the voucher API's own 404, so a case reveals no
more than the voucher does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from center.infra.problems import Conflict, NotFound
from center.parties.auth import Kind, Principal
from center.vouchers.models import Voucher
from center.vouchers.services import NOT_FOUND, visible_voucher


class Role(StrEnum):
    HOLDER = "holder"
    PROVIDER = "provider"
    OPERATOR = "operator"
    SYSTEM = "system"


TALKERS = frozenset({Role.HOLDER, Role.PROVIDER})


@dataclass(frozen=True)
class Party:
    """A case's participant: its role, and its party id (a provider's id; none for a holder)."""

    role: Role
    id: str | None = None

    @property
    def may_send(self) -> bool:
        return self.role in TALKERS

    def belongs_to(self, provider_id: str | None) -> bool:
        """Whether this party is in a case whose voucher is assigned to ``provider_id``."""
        return provider_id is not None and (self.role != Role.PROVIDER or provider_id == self.id)


def case_party(session: Session, voucher_id: str, principal: Principal) -> tuple[Voucher, Party]:
    """The voucher and the caller's part in its case; 404 for outsiders, 409 before assignment."""
    voucher = visible_voucher(session, voucher_id, principal)
    if principal.kind == Kind.HOLDER:
        party = Party(Role.HOLDER)
    elif principal.is_(Kind.PROVIDER, voucher.provider_id):
        party = Party(Role.PROVIDER, principal.id)
    elif principal.kind == Kind.ADMIN:
        party = Party(Role.OPERATOR, principal.id)
    else:
        raise NotFound(NOT_FOUND)
    if voucher.provider_id is None:
        raise Conflict("the case opens when the holder assigns a provider")
    return voucher, party


def still_party(session: Session, voucher_id: str, party: Party) -> bool:
    """Whether ``party`` still belongs to the case (a reassigned provider no longer does)."""
    if party.role != Role.PROVIDER:
        return True
    provider = session.scalar(select(Voucher.provider_id).where(Voucher.id == voucher_id))
    return provider is not None and provider == party.id
