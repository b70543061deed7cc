"""Posting balanced transactions and reading balances and statements.

:func:`post` writes one business event as one transaction in the caller's database
transaction (one Core ``INSERT`` of its legs): the legs must sum to zero and share one
currency, or nothing is written. ``(kind, ref, account)`` is unique, so an event can be posted
only once. Balances are derived from the entries (:func:`balances`), never stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ascc_plugin.money import from_minor
from center.infra.web import decode_cursor, encode_cursor
from center.ledger.accounts import normal_sign
from center.ledger.models import LedgerEntry

ENTRIES: Table = LedgerEntry.__table__  # type: ignore[assignment]


class Unbalanced(ValueError):
    """A transaction whose legs do not sum to zero (a programming error: nothing is written)."""


@dataclass(frozen=True)
class Posting:
    """One business event: what it is, what it is about, its currency and its legs."""

    kind: str
    ref: str
    currency: str
    legs: Sequence[tuple[str, int]]
    gsp_id: str | None = None
    provider_id: str | None = None
    policy_id: str | None = None


def transfer(amount: int, debit: str, credit: str) -> list[tuple[str, int]]:
    """The two legs moving ``amount`` from ``credit`` to ``debit``."""
    return [(debit, amount), (credit, -amount)]


def post(session: Session, posting: Posting, now: datetime) -> int:
    """Write ``posting``'s non-zero legs; how many entries were written."""
    legs = [(name, amount) for name, amount in posting.legs if amount != 0]
    if sum(amount for _, amount in legs) != 0:
        raise Unbalanced(f"{posting.kind} {posting.ref}: legs sum to {sum(a for _, a in legs)}")
    rows = [
        {
            "kind": posting.kind,
            "ref": posting.ref,
            "account": name,
            "currency": posting.currency,
            "amount": amount,
            "gsp_id": posting.gsp_id,
            "provider_id": posting.provider_id,
            "policy_id": posting.policy_id,
            "at": now,
        }
        for name, amount in legs
    ]
    if rows:
        session.connection().execute(ENTRIES.insert(), rows)
    return len(rows)


def balances(session: Session, name: str, until: datetime | None = None) -> dict[str, int]:
    """``{currency: debits − credits}`` of the account ``name`` (entries before ``until``)."""
    query = (
        select(LedgerEntry.currency, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.account == name)
        .group_by(LedgerEntry.currency)
    )
    if until is not None:
        query = query.where(LedgerEntry.at < until)
    return {currency: int(total or 0) for currency, total in session.execute(query)}


def account_json(session: Session, name: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """The account's balances (on its normal side) and one page of its entries, newest last."""
    sign = normal_sign(name)
    after = decode_cursor(cursor) if cursor else 0
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.account == name, LedgerEntry.seq > after)
        .order_by(LedgerEntry.seq)
        .limit(limit + 1)
    )
    rows = list(session.scalars(query))
    page = rows[:limit]
    return {
        "account": name,
        "normal": "debit" if sign > 0 else "credit",
        "balances": [
            {"currency": c, "balance": str(from_minor(sign * amount, c))}
            for c, amount in sorted(balances(session, name).items())
        ],
        "items": [entry_json(entry) for entry in page],
        "next_cursor": encode_cursor(page[-1].seq) if len(rows) > limit else None,
    }


def entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "kind": entry.kind,
        "ref": entry.ref,
        "currency": entry.currency,
        "amount": str(from_minor(entry.amount, entry.currency)),
        "side": "debit" if entry.amount > 0 else "credit",
    }


def account_names(session: Session) -> list[str]:
    """Every account that has entries (for the operator's ``ascc center ledger``)."""
    return list(session.scalars(select(LedgerEntry.account).distinct().order_by("account")))
