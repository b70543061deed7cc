"""Handshake tickets: browsers cannot set headers on ``new WebSocket()``, so a party first asks
``POST /api/v1/cases/{id}/tickets`` with its key or holder secret and connects with the ticket.

A ticket is 256 random bits (``tkt_…``), kept as its SHA-256 digest, bound to one case and one
party, valid for ``channel_ticket_seconds`` and used at most once: :func:`redeem` is one
conditional ``UPDATE … WHERE digest = … AND voucher_id = … AND used_at IS NULL AND expires_at >
now … RETURNING`` the party, so a replay, an expired ticket and a ticket for another case fail
alike — and two concurrent handshakes with one ticket cannot both win. The worker prunes
tickets an hour past their expiry (:func:`prune`, job ``prune-tickets``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from center.channel.access import Party, Role
from center.channel.frames import iso
from center.channel.models import CaseTicket
from center.parties.keys import digest

PREFIX = "tkt_"
KEEP_USED = timedelta(hours=1)


def issue(session: Session, voucher_id: str, party: Party, now: datetime, lifetime: int) -> str:
    """A new ticket for ``party`` in the case of ``voucher_id``."""
    ticket = PREFIX + secrets.token_urlsafe(32)
    session.add(
        CaseTicket(
            digest=digest(ticket),
            voucher_id=voucher_id,
            role=party.role.value,
            party_id=party.id,
            expires_at=now + timedelta(seconds=lifetime),
        )
    )
    return ticket


def redeem(session: Session, ticket: str, voucher_id: str, now: datetime) -> Party | None:
    """The party of a valid, unused ticket for this case (then used up); else ``None``."""
    if not ticket.startswith(PREFIX) or not ticket.isascii() or len(ticket) > 100:
        return None
    row = session.execute(
        update(CaseTicket)
        .where(
            CaseTicket.digest == digest(ticket),
            CaseTicket.voucher_id == voucher_id,
            CaseTicket.used_at.is_(None),
            CaseTicket.expires_at > now,
        )
        .values(used_at=now)
        .returning(CaseTicket.role, CaseTicket.party_id)
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else Party(Role(row.role), row.party_id)


def prune(session: Session, now: datetime) -> int:
    """The worker's job: delete the tickets expired more than :data:`KEEP_USED` ago; how many."""
    pruned = session.execute(
        delete(CaseTicket)
        .where(CaseTicket.expires_at < now - KEEP_USED)
        .execution_options(synchronize_session=False)
    )
    return int(pruned.rowcount)  # type: ignore[attr-defined]


def ticket_json(ticket: str, voucher_id: str, expires: datetime, public_url: str) -> dict[str, Any]:
    """The tickets endpoint's answer, with the socket URL to open (ws:// or wss://)."""
    base = public_url.rstrip("/")
    socket_base = "ws" + base.removeprefix("http") if base.startswith("http") else base
    return {
        "ticket": ticket,
        "expires_at": iso(expires),
        "url": f"{socket_base}/ws/cases/{voucher_id}?ticket={ticket}",
    }
