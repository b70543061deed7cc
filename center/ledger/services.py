"""Posting balanced transactions and reading balances and statements.

:func:`post` writes one business event as one transaction in the caller's database
transaction (two Core statements): the legs must sum to zero and share one currency, or
nothing is written. A ``(kind, ref)`` pair is unique, so an event can be posted only once.
Balances are derived from the entries (:func:`balances`), never stored.
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
from center.ledger.models import LedgerEntry, LedgerTransaction

TRANSACTIONS: Table = LedgerTransaction.__table__  # type: ignore[assignment]
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


def post(session: Session, posting: Posting, now: datetime) -> int | None:
    """Write ``posting``; its transaction's ``seq`` (``None`` when every leg is zero)."""
    legs = [(name, amount) for name, amount in posting.legs if amount != 0]
    if sum(amount for _, amount in legs) != 0:
        raise Unbalanced(f"{posting.kind} {posting.ref}: legs sum to {sum(a for _, a in legs)}")
    if not legs:
        return None
    connection = session.connection()
    seq = connection.execute(
        TRANSACTIONS.insert().returning(TRANSACTIONS.c.seq),
        {
            "kind": posting.kind,
            "ref": posting.ref,
            "currency": posting.currency,
            "gsp_id": posting.gsp_id,
            "provider_id": posting.provider_id,
            "policy_id": posting.policy_id,
            "at": now,
        },
    ).scalar_one()
    rows = [
        {
            "transaction_seq": seq,
            "account": name,
            "currency": posting.currency,
            "amount": amount,
            "at": now,
        }
        for name, amount in legs
    ]
    connection.execute(ENTRIES.insert(), rows)
    return int(seq)


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
        select(LedgerEntry, LedgerTransaction)
        .join(LedgerTransaction, LedgerEntry.transaction_seq == LedgerTransaction.seq)
        .where(LedgerEntry.account == name, LedgerEntry.seq > after)
        .order_by(LedgerEntry.seq)
        .limit(limit + 1)
    )
    rows = session.execute(query).all()
    page = rows[:limit]
    return {
        "account": name,
        "normal": "debit" if sign > 0 else "credit",
        "balances": [
            {"currency": c, "balance": str(from_minor(sign * amount, c))}
            for c, amount in sorted(balances(session, name).items())
        ],
        "items": [entry_json(entry, txn) for entry, txn in page],
        "next_cursor": encode_cursor(page[-1][0].seq) if len(rows) > limit else None,
    }


def entry_json(entry: LedgerEntry, txn: LedgerTransaction) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "kind": txn.kind,
        "ref": txn.ref,
        "currency": entry.currency,
        "amount": str(from_minor(entry.amount, entry.currency)),
        "side": "debit" if entry.amount > 0 else "credit",
    }


def account_names(session: Session) -> list[str]:
    """Every account that has entries (for the operator's ``ascc center ledger``)."""
    return list(session.scalars(select(LedgerEntry.account).distinct().order_by("account")))
