"""The audit trail: one row per voucher state change, and the feed that tells other domains.

Every state change goes through :func:`record`: the audit rows are inserted (one Core
``executemany``) and the :class:`ChangeFeed` of the session's database is told, in the same
transaction. Domains that must act on a change in that transaction (the channel's ``system``
frames, outbound webhook rows, insurance premiums) subscribe to the feed instead of being
called from the voucher services, so the voucher domain imports none of them. Work that must
wait for the commit (hooks, socket wake-ups) is registered with :func:`after_commit`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import Session

from center.audit.models import AuditEvent
from center.infra.db import Database

AUDIT: Table = AuditEvent.__table__  # type: ignore[assignment]
INSERT_AUDIT = AUDIT.insert()
FEED_KEY = "ascc_change_feed"
SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who made a change: a party kind (gsp, provider, holder, admin, system) and its id."""

    kind: str
    id: str | None = None


@dataclass(frozen=True)
class Change:
    """One state change of one voucher, with the parties it concerns."""

    voucher_id: str
    action: str
    from_state: str | None
    to_state: str
    actor: Actor
    at: datetime
    detail: str | None = None
    gsp_id: str | None = None
    provider_id: str | None = None
    holder_secret: str | None = field(default=None, repr=False)
    """On an ``issue`` change only: the new voucher's holder secret, for listeners that must
    keep it durably in the same transaction (the hub's own delivery). Never written to the
    audit row, never put in a webhook."""

    def row(self) -> dict[str, Any]:
        return {
            "voucher_id": self.voucher_id,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "actor_kind": self.actor.kind,
            "actor_id": self.actor.id,
            "detail": self.detail,
            "at": self.at,
        }


Listener = Callable[[Session, Sequence[Change]], None]


@dataclass
class ChangeFeed:
    """The listeners of one database's voucher changes, called inside the changing transaction.

    State changes go to :meth:`subscribe`'s listeners; notes (see :func:`note`: a voucher's
    incentive, its assessment's moderation — no state of the voucher moves) only to
    :meth:`subscribe_notes`'s, so a listener that acts on voucher states never sees them.
    """

    listeners: list[Listener] = field(default_factory=list)
    note_listeners: list[Listener] = field(default_factory=list)

    def subscribe(self, listener: Listener) -> None:
        if listener not in self.listeners:
            self.listeners.append(listener)

    def subscribe_notes(self, listener: Listener) -> None:
        if listener not in self.note_listeners:
            self.note_listeners.append(listener)

    def publish(self, session: Session, changes: Sequence[Change]) -> None:
        for listener in self.listeners:
            listener(session, changes)

    def publish_notes(self, session: Session, notes: Sequence[Change]) -> None:
        for listener in self.note_listeners:
            listener(session, notes)


def feed(database: Database) -> ChangeFeed:
    """The change feed of ``database`` (made on first use; every session of it carries it)."""
    found = database.session_info.setdefault(FEED_KEY, ChangeFeed())
    assert isinstance(found, ChangeFeed)
    return found


def record(
    session: Session,
    changes: Sequence[Change],
    notes: Sequence[Change] = (),
    notes_first: bool = False,
) -> None:
    """Write the audit rows of ``changes`` and tell the feed, in the caller's transaction.

    ``notes`` (see :func:`note`) are written by the same statement (after ``changes``, or
    before them with ``notes_first``) and go to the feed's note listeners.
    """
    if not changes and not notes:
        return
    ordered = (*notes, *changes) if notes_first else (*changes, *notes)
    rows = [change.row() for change in ordered]
    session.connection().execute(INSERT_AUDIT, rows)
    tell(session, changes, notes, notes_first)


def tell(
    session: Session,
    changes: Sequence[Change],
    notes: Sequence[Change] = (),
    notes_first: bool = False,
) -> None:
    """Tell the session's feed of changes whose audit rows are written (by :func:`record`, or
    by a statement that wrote them together with the vouchers: :mod:`center.vouchers.fresh`)."""
    found = session.info.get(FEED_KEY)
    if isinstance(found, ChangeFeed):  # told in the order the rows were written
        told = [(found.publish, changes), (found.publish_notes, notes)]
        for publish, what in reversed(told) if notes_first else told:
            if what:
                publish(session, what)


def note(session: Session, changes: Sequence[Change]) -> None:
    """Audit rows for what happened to a voucher besides its state (its incentive, its
    assessment's moderation): written like :func:`record`, told to the note listeners only."""
    record(session, [], changes)


def after_commit(session: Session, work: Callable[[], None]) -> None:
    """Run ``work`` once the session's transaction has committed (never after a rollback)."""
    event.listen(session, "after_commit", lambda _session: work(), once=True)
