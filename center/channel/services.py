"""The relay core: the per-case frame log, its seq counter, once-only sends, reads from a seq.

The statements of the hot path are Core, built once here (SQLAlchemy then reuses their compiled
form), and a client's frame takes two of them, in the caller's transaction:

* ``UPDATE cases SET last_seq = last_seq + 1 … RETURNING`` takes the case's next seq under the
  counter row's lock (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers) and
  returns the voucher's state and provider (scalar subqueries: SQLite's ``RETURNING`` cannot
  name a joined table) in the same round trip;
* ``INSERT … ON CONFLICT (voucher_id, client_msg_id) DO NOTHING RETURNING seq`` stores the frame
  once: a resend inserts nothing, and :class:`Resent` rolls the whole transaction back — the
  counter with it, so no hole — and the caller answers the first seq (:func:`stored_seq`).

The rules of each kind (who may send it, what it refers to) are checked between the two, under
the lock; a refusal rolls back as well. Nothing is visible, delivered or acknowledged before
the commit. Accepting a proposal records the arrangement on the case and in the voucher's audit
trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ascc_plugin.tokens import TokenError, Verifier
from ascc_plugin.vouchers import VoucherState
from center.audit.trail import Actor, Change, record
from center.channel.access import Party, Role
from center.channel.frames import FrameRefused, Send
from center.channel.models import Case, CaseFrame
from center.infra.db import PerDialect, on_conflict_insert
from center.vouchers.models import Voucher

CASES: Table = Case.__table__  # type: ignore[assignment]
FRAMES: Table = CaseFrame.__table__  # type: ignore[assignment]
VOUCHERS: Table = Voucher.__table__  # type: ignore[assignment]
READ_ONLY_STATES = frozenset({VoucherState.VOIDED, VoucherState.EXPIRED})
ANSWERS = ("accept", "decline")
COUNTED = {"last_seq": CASES.c.last_seq + 1}
NEXT_SEQ = (
    update(CASES)
    .where(CASES.c.voucher_id == bindparam("v"))
    .values(COUNTED)
    .returning(CASES.c.last_seq)
)
NEXT_SEQ_AND_VOUCHER = NEXT_SEQ.returning(
    *(
        select(column).where(VOUCHERS.c.id == CASES.c.voucher_id).scalar_subquery().label(name)
        for name, column in VOUCHERS.c.items()
        if name in ("state", "provider_id", "gsp_id")
    )
)
STORE = {
    name: insert(FRAMES)
    .on_conflict_do_nothing(index_elements=["voucher_id", "client_msg_id"])
    .returning(FRAMES.c.seq)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
OUT = (FRAMES.c.seq, FRAMES.c.kind, FRAMES.c.sender, FRAMES.c.at, FRAMES.c.body,
       FRAMES.c.client_msg_id)  # fmt: skip
FRAMES_AFTER = (
    select(*OUT)
    .where(FRAMES.c.voucher_id == bindparam("v"), FRAMES.c.seq > bindparam("since"))
    .order_by(FRAMES.c.seq)
    .limit(bindparam("limit"))
)
STORED_SEQ = select(FRAMES.c.seq).where(
    FRAMES.c.voucher_id == bindparam("v"), FRAMES.c.client_msg_id == bindparam("msg")
)
HEAD = select(CASES.c.last_seq).where(CASES.c.voucher_id == bindparam("v"))


@dataclass(frozen=True)
class Appended:
    """A stored frame's seq; ``duplicate`` when the ``client_msg_id`` was stored before."""

    seq: int
    duplicate: bool = False


@dataclass(frozen=True)
class Stored:
    """One frame of the log, as it goes out (:func:`center.channel.frames.frame_json`)."""

    seq: int
    kind: str
    sender: str
    at: datetime
    body: dict[str, Any]
    client_msg_id: str | None = None


@dataclass(frozen=True)
class CaseVoucher:
    """What the rules need of a case's voucher, read with the seq."""

    id: str
    state: VoucherState
    provider_id: str | None
    gsp_id: str


class Resent(Exception):
    """The frame's ``client_msg_id`` is stored already (roll back; answer the stored seq)."""


OPEN_CASE = PerDialect(
    lambda dialect: (
        on_conflict_insert(dialect, CASES)
        .values({name: bindparam(name) for name in ("voucher_id", "last_seq", "opened_at")})
        .on_conflict_do_nothing(index_elements=["voucher_id"])
    )
)


def open_case(session: Session, voucher_id: str, now: datetime) -> None:
    """Make the case of ``voucher_id`` if it has none (idempotent, race-free)."""
    statement = OPEN_CASE.of(session.get_bind().dialect)
    session.execute(statement, {"voucher_id": voucher_id, "last_seq": 0, "opened_at": now})


def append(
    session: Session, voucher_id: str, sender: Party, kind: str, body: dict[str, Any], now: datetime
) -> Appended:
    """Store one frame without a ``client_msg_id`` (``system`` frames) with the next seq."""
    seq = session.connection().scalar(NEXT_SEQ, {"v": voucher_id})
    if seq is None:
        raise FrameRefused("no-case", "the case opens when the holder assigns a provider")
    store(session, voucher_id, Stored(seq, kind, sender.role.value, now, body), sender.id)
    return Appended(seq)


def store(
    session: Session,
    voucher_id: str,
    frame: Stored,
    sender_id: str | None,
    reply_to: int | None = None,
) -> None:
    """Insert ``frame`` (its seq taken in this transaction); :class:`Resent` if its id is taken."""
    connection = session.connection()
    row = {
        "voucher_id": voucher_id,
        "seq": frame.seq,
        "kind": frame.kind,
        "sender": frame.sender,
        "sender_id": sender_id,
        "client_msg_id": frame.client_msg_id,
        "reply_to": reply_to,
        "body": frame.body,
        "at": frame.at,
    }
    if connection.scalar(STORE[connection.dialect.name], row) is None:
        raise Resent(frame.client_msg_id)


def stored_seq(session: Session, voucher_id: str, client_msg_id: str) -> int | None:
    return session.connection().scalar(STORED_SEQ, {"v": voucher_id, "msg": client_msg_id})


def frames_after(session: Session, voucher_id: str, since: int, limit: int) -> list[Stored]:
    """Up to ``limit`` frames of the case with ``seq > since``, in seq order."""
    found = session.connection().execute(
        FRAMES_AFTER, {"v": voucher_id, "since": since, "limit": limit}
    )
    return [Stored(*row) for row in found]


def head(session: Session, voucher_id: str) -> int:
    """The case's last seq (0: no frame yet, or no case)."""
    return int(session.connection().scalar(HEAD, {"v": voucher_id}) or 0)


def submit(
    session: Session,
    voucher_id: str,
    sender: Party,
    frame: Send,
    verifier: Verifier,
    now: datetime,
) -> Stored:
    """A client's frame, checked by the rules of its kind, stored with the case's next seq.

    Raises :class:`FrameRefused` (a rule) or :class:`Resent` (stored before): both roll back.
    """
    msg_id = frame.client_msg_id
    if not sender.may_send:
        raise FrameRefused("read-only", "the operator reads this case; it cannot send", msg_id)
    row = session.connection().execute(NEXT_SEQ_AND_VOUCHER, {"v": voucher_id}).first()
    if row is None or not sender.belongs_to(row.provider_id):
        raise FrameRefused("gone", "you no longer take part in this case", msg_id)
    voucher = CaseVoucher(voucher_id, row.state, row.provider_id, row.gsp_id)
    if voucher.state in READ_ONLY_STATES:
        raise FrameRefused("closed", f"the voucher is {voucher.state.value}: read only", msg_id)
    body = frame.body.model_dump(mode="json")
    reply_to = None
    if frame.type == "voucher":
        check_voucher(voucher, sender, frame.body.token, verifier, msg_id)
    elif frame.type in ANSWERS:
        reply_to = answer_proposal(session, voucher, sender, frame.type, body, now, msg_id)
    stored = Stored(row.last_seq, frame.type, sender.role.value, now, body, msg_id)
    store(session, voucher_id, stored, sender.id, reply_to)
    return stored


def check_voucher(
    voucher: CaseVoucher, sender: Party, token: str, verifier: Verifier, msg_id: str
) -> None:
    """Only the holder presents the voucher, and only its own, validly signed token."""
    if sender.role != Role.HOLDER:
        raise FrameRefused("forbidden", "only the voucher's holder presents its token", msg_id)
    try:
        claims = verifier.verify(token)
    except TokenError as exc:
        raise FrameRefused("invalid", f"body.token: refused ({exc})", msg_id) from None
    if claims.get("sub") != voucher.id:
        raise FrameRefused("invalid", "body.token: it belongs to another voucher", msg_id)


def answer_proposal(
    session: Session,
    voucher: CaseVoucher,
    sender: Party,
    kind: str,
    body: dict[str, Any],
    now: datetime,
    msg_id: str,
) -> int:
    """The proposal an ``accept``/``decline`` answers: the other party's, not answered yet."""
    seq = int(body["proposal"])
    proposal = session.scalar(
        select(CaseFrame).where(
            CaseFrame.voucher_id == voucher.id, CaseFrame.seq == seq, CaseFrame.kind == "proposal"
        )
    )
    if proposal is None or proposal.sender == sender.role.value:
        raise FrameRefused("invalid", "body.proposal: not a proposal of the other party", msg_id)
    answered = select(CaseFrame.seq).where(
        CaseFrame.voucher_id == voucher.id, CaseFrame.reply_to == seq
    )
    if session.scalar(answered) is not None:
        raise FrameRefused("conflict", f"proposal {seq} was answered already", msg_id)
    if kind == "accept":
        arrange(session, voucher, sender, proposal, now)
    return seq


def arrange(
    session: Session, voucher: CaseVoucher, sender: Party, proposal: CaseFrame, now: datetime
) -> None:
    """Record the accepted appointment on the case and in the voucher's history."""
    arrangement = {**proposal.body, "proposal": proposal.seq, "accepted_by": sender.role.value}
    session.execute(
        update(Case).where(Case.voucher_id == voucher.id).values(arrangement=arrangement)
    )
    window = proposal.body["window"]
    where = proposal.body.get("place") or "remote"
    detail = f"appointment {window['start']} – {window['end']}, {where}"
    state = voucher.state.value
    actor = Actor(sender.role.value, sender.id)
    record(
        session,
        [
            Change(
                voucher.id,
                "arrange",
                state,
                state,
                actor,
                now,
                detail,
                voucher.gsp_id,
                voucher.provider_id,
            )
        ],
    )


def arrangement_of(session: Session, voucher_id: str) -> dict[str, Any] | None:
    return session.scalar(select(Case.arrangement).where(Case.voucher_id == voucher_id))
