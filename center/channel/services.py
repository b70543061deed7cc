"""The relay core: the per-case frame log, its seq counter, once-only sends, reads from a seq.

:func:`append` stores one frame: it locks the case's counter row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), looks the
``client_msg_id`` up (a resend answers the first seq), checks the frame's rules, then takes
``last_seq + 1`` and inserts — all in the caller's transaction, so nothing is visible, delivered
or acknowledged before the commit, and a rollback leaves no hole. :func:`submit` applies the
rules of each kind (who may send it, what it refers to); accepting a proposal records the
arrangement on the case and in the voucher's audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ascc_plugin.tokens import TokenError, Verifier
from ascc_plugin.vouchers import VoucherState
from center.audit.trail import Actor, Change, record
from center.channel.access import Party, Role
from center.channel.frames import FrameRefused, Send
from center.channel.models import Case, CaseFrame
from center.infra.db import dialect_insert
from center.vouchers.models import Voucher

CASES = Case.__table__
READ_ONLY_STATES = frozenset({VoucherState.VOIDED, VoucherState.EXPIRED})
ANSWERS = ("accept", "decline")


@dataclass(frozen=True)
class Appended:
    """A stored frame's seq; ``duplicate`` when the ``client_msg_id`` was stored before."""

    seq: int
    duplicate: bool = False


def open_case(session: Session, voucher_id: str, now: datetime) -> None:
    """Make the case of ``voucher_id`` if it has none (idempotent, race-free)."""
    insert = dialect_insert(session, CASES)  # type: ignore[arg-type]
    values = {"voucher_id": voucher_id, "last_seq": 0, "opened_at": now}
    session.execute(insert.values(values).on_conflict_do_nothing(index_elements=["voucher_id"]))


def locked_case(session: Session, voucher_id: str) -> Case:
    query = select(Case).where(Case.voucher_id == voucher_id).with_for_update()
    case = session.scalar(query.execution_options(populate_existing=True))
    if case is None:
        raise FrameRefused("no-case", "the case opens when the holder assigns a provider")
    return case


def append(
    session: Session,
    voucher_id: str,
    sender: Party,
    kind: str,
    body: dict[str, Any],
    now: datetime,
    client_msg_id: str | None = None,
) -> Appended:
    """Store one frame with the next seq of its case (see the module docstring)."""
    case = locked_case(session, voucher_id)
    if client_msg_id is not None:
        found = stored_seq(session, voucher_id, client_msg_id)
        if found is not None:
            return Appended(found, duplicate=True)
    return store(session, case, sender, kind, body, now, client_msg_id)


def store(
    session: Session,
    case: Case,
    sender: Party,
    kind: str,
    body: dict[str, Any],
    now: datetime,
    client_msg_id: str | None = None,
    reply_to: int | None = None,
) -> Appended:
    """Insert a frame with ``case``'s next seq (the caller holds the case's lock)."""
    seq = take_seq(session, case)
    frame = CaseFrame(
        voucher_id=case.voucher_id,
        seq=seq,
        kind=kind,
        sender=sender.role.value,
        sender_id=sender.id,
        client_msg_id=client_msg_id,
        reply_to=reply_to,
        body=body,
        at=now,
    )
    session.add(frame)
    session.flush()
    return Appended(seq)


def take_seq(session: Session, case: Case) -> int:
    seq = case.last_seq + 1
    session.execute(
        update(Case)
        .where(Case.voucher_id == case.voucher_id)
        .values(last_seq=seq)
        .execution_options(synchronize_session=False)
    )
    case.last_seq = seq
    return seq


def stored_seq(session: Session, voucher_id: str, client_msg_id: str) -> int | None:
    query = select(CaseFrame.seq).where(
        CaseFrame.voucher_id == voucher_id, CaseFrame.client_msg_id == client_msg_id
    )
    return session.scalar(query)


def frames_after(session: Session, voucher_id: str, since: int, limit: int) -> list[CaseFrame]:
    """Up to ``limit`` frames of the case with ``seq > since``, in seq order."""
    query = (
        select(CaseFrame)
        .where(CaseFrame.voucher_id == voucher_id, CaseFrame.seq > since)
        .order_by(CaseFrame.seq)
        .limit(limit)
    )
    return list(session.scalars(query))


def head(session: Session, voucher_id: str) -> int:
    """The case's last seq (0: no frame yet, or no case)."""
    found = session.scalar(select(Case.last_seq).where(Case.voucher_id == voucher_id))
    return int(found or 0)


def submit(
    session: Session,
    voucher: Voucher,
    sender: Party,
    frame: Send,
    verifier: Verifier,
    now: datetime,
) -> Appended:
    """A client's frame, checked by the rules of its kind, stored once."""
    msg_id = frame.client_msg_id
    if not sender.may_send:
        raise FrameRefused("read-only", "the operator reads this case; it cannot send", msg_id)
    case = locked_case(session, voucher.id)
    found = stored_seq(session, voucher.id, msg_id)
    if found is not None:
        return Appended(found, duplicate=True)
    if voucher.state in READ_ONLY_STATES:
        raise FrameRefused("closed", f"the voucher is {voucher.state.value}: read only", msg_id)
    body = frame.body.model_dump(mode="json")
    reply_to = None
    if frame.type == "voucher":
        check_voucher(voucher, sender, frame.body.token, verifier, msg_id)
    elif frame.type in ANSWERS:
        reply_to = answer_proposal(session, voucher, sender, frame.type, body, now, msg_id)
    return store(session, case, sender, frame.type, body, now, msg_id, reply_to)


def check_voucher(
    voucher: Voucher, sender: Party, token: str, verifier: Verifier, msg_id: str
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
    voucher: Voucher,
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
    session: Session, voucher: Voucher, sender: Party, proposal: CaseFrame, now: datetime
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
