"""Incentive lifecycle operations: check who may act → conditional update → audit → ledger.

Every move is one ``UPDATE incentives … WHERE seq = :seq AND state IN (:allowed)`` (the redeem
also names the acting provider and the end of the hold in its ``WHERE``) whose row count is
checked, then the audit row and the balanced ledger transaction are written in the same
database transaction. Redeeming moves the service voucher to ``rewarded``. The hot paths keep
round trips few: the incentive is read joined to its voucher, rows are written with Core, and
a redeem's two audit rows (incentive and voucher) go in one statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ascc_plugin.identity import INCENTIVE, InvalidVoucherId, incentive_id, parse_id
from ascc_plugin.money import from_minor
from ascc_plugin.tokens import INCENTIVE_TYP, Signer, TokenError, Verifier
from center.audit.trail import Actor, Change, note, record
from center.incentives.models import Incentive
from center.incentives.states import IllegalIncentiveTransition, IncentiveState, plan
from center.incentives.states import IncentiveAction as A
from center.infra.problems import Conflict, InvalidInput, NotFound, Unauthorized
from center.ledger import accounts
from center.ledger.services import Posting, post, transfer
from center.parties import keys
from center.parties.auth import Kind, Principal
from center.settings import RewardRules
from center.vouchers import services as vouchers
from center.vouchers.models import Voucher
from center.vouchers.states import Action

INCENTIVES: Table = Incentive.__table__  # type: ignore[assignment]
NOT_FOUND = "no incentive with this id is visible to you"
TOKEN_DAYS = 365
STAMP = {A.RELEASE: "released_at", A.REDEEM: "redeemed_at", A.LAPSE: "ended_at"}


@dataclass(frozen=True)
class Minter:
    """What issuing an incentive needs: the id key, the signer and the hub's reward rules."""

    id_key: bytes
    signer: Signer
    rules: RewardRules


def issue(
    session: Session, voucher: Voucher, amount: int, minter: Minter, actor: Actor, now: datetime
) -> tuple[Incentive, Change]:
    """The incentive for ``voucher`` (assessed; its provider served) and its ledger entry; the
    audit row comes back for the caller to write with its own."""
    assert voucher.provider_id is not None and voucher.currency is not None
    made = Incentive(
        id=incentive_id(minter.id_key, voucher.id),
        voucher_id=voucher.id,
        gsp_id=voucher.gsp_id,
        provider_id=voucher.provider_id,
        customer_seq=voucher.customer_seq,
        program=voucher.program,
        amount=amount,
        currency=voucher.currency,
        state=IncentiveState.ISSUED,
        holder_digest=voucher.holder_digest,
        issued_at=now,
        redeemable_at=now + timedelta(hours=minter.rules.incentive_hold_hours),
        lapses_at=now + timedelta(days=minter.rules.incentive_lapse_days),
    )
    made.token = minter.signer.sign_incentive(token_claims(made))
    columns = [c.key for c in INCENTIVES.columns if c.key != "seq"]
    session.connection().execute(INCENTIVES.insert(), [{c: getattr(made, c) for c in columns}])
    ledger(session, made, "incentive.issued", now, store(made, "incentive-expense"),
           store(made, "incentives"))  # fmt: skip
    redeemable = f"{made.redeemable_at:%Y-%m-%d %H:%M}Z"
    detail = f"incentive {made.id}: {money(made)}, redeemable from {redeemable}"
    return made, change(made, "issue", None, "issued", actor, now, detail)


def token_claims(incentive: Incentive) -> dict[str, Any]:
    return {
        "sub": incentive.id,
        "voucher": incentive.voucher_id,
        "provider": incentive.provider_id,
        "amount": str(from_minor(incentive.amount, incentive.currency)),
        "currency": incentive.currency,
        "iat": int(incentive.issued_at.timestamp()),
        "exp": int((incentive.issued_at + timedelta(days=TOKEN_DAYS)).timestamp()),
    }


def visible(session: Session, given_id: str, principal: Principal) -> tuple[Incentive, Voucher]:
    """The incentive and its voucher if ``principal`` may see them (holder, its store, the
    provider who served, the operator); everyone else — and any unknown id — the same 404."""
    if principal.kind == Kind.ANONYMOUS:
        raise Unauthorized("this operation needs a key or the voucher's holder secret")
    try:
        canonical = parse_id(given_id, INCENTIVE)
    except InvalidVoucherId:
        raise NotFound(NOT_FOUND) from None
    found = session.execute(WITH_VOUCHER, {"incentive_id": canonical}).first()
    if found is None or not may_see(found[0], principal):
        raise NotFound(NOT_FOUND)
    return found[0], found[1]


WITH_VOUCHER = (
    select(Incentive, Voucher)
    .join(Voucher, Voucher.id == Incentive.voucher_id)
    .where(Incentive.id == bindparam("incentive_id"))
)
"""Built once: the hot path binds values only."""


def visible_incentive(session: Session, given_id: str, principal: Principal) -> Incentive:
    return visible(session, given_id, principal)[0]


def may_see(incentive: Incentive, principal: Principal) -> bool:
    if principal.kind == Kind.HOLDER:
        return principal.secret is not None and keys.matches(
            principal.secret, incentive.holder_digest
        )
    return (
        principal.kind == Kind.ADMIN
        or principal.is_(Kind.GSP, incentive.gsp_id)
        or principal.is_(Kind.PROVIDER, incentive.provider_id)
    )


def acting(
    session: Session, given_id: str, principal: Principal, kind: Kind
) -> tuple[Incentive, Voucher]:
    found = visible(session, given_id, principal)
    if principal.kind != kind:
        raise NotFound(NOT_FOUND)
    return found


def move(
    session: Session,
    incentive: Incentive,
    action: A,
    actor: Actor,
    now: datetime,
    *where: Any,
    detail: str | None = None,
) -> Change | None:
    # a redeem's statement (REDEEM) names the acting provider: ``actor.id``
    """Move ``incentive`` by ``action``: its audit row, or ``None`` for a no-op repeat; 409 if
    illegal or raced."""
    step = plan(action, incentive.state)
    if step is None:
        return None
    stamp = STAMP.get(action, "ended_at")
    if action == A.REDEEM:
        params = {"b_seq": incentive.seq, "b_now": now, "b_provider": actor.id}
        result = session.connection().execute(REDEEM, params)
    else:
        result = session.connection().execute(
            INCENTIVES.update()
            .where(INCENTIVES.c.seq == incentive.seq, INCENTIVES.c.state.in_(step.sources), *where)
            .values(state=step.target, **{stamp: now})
        )
    if result.rowcount != 1:
        raise IllegalIncentiveTransition(action, incentive.state, "the incentive changed meanwhile")
    before = incentive.state
    set_committed_value(incentive, "state", step.target)
    set_committed_value(incentive, stamp, now)
    return change(incentive, action.value, before.value, step.target.value, actor, now, detail)


NOW = bindparam("b_now", type_=INCENTIVES.c.redeemed_at.type)
REDEEM = (
    INCENTIVES.update()
    .where(
        INCENTIVES.c.seq == bindparam("b_seq"),
        INCENTIVES.c.state == IncentiveState.RELEASED,
        INCENTIVES.c.provider_id == bindparam("b_provider"),
        INCENTIVES.c.redeemable_at <= NOW,
    )
    .values(state=IncentiveState.REDEEMED, redeemed_at=NOW)
)
"""The redeem, built once: the acting provider and the end of the hold are in its ``WHERE``."""


def release(
    session: Session, given_id: str, principal: Principal, provider_id: str, now: datetime
) -> Incentive:
    """The holder hands the incentive to the provider who served; nobody else can receive it."""
    incentive, _ = acting(session, given_id, principal, Kind.HOLDER)
    if provider_id != incentive.provider_id:
        raise InvalidInput(
            "provider_id: an incentive goes only to the provider who served", field="provider_id"
        )
    if incentive.state == IncentiveState.ISSUED and incentive.lapses_at <= now:
        raise Conflict(f"the incentive lapsed on {incentive.lapses_at:%Y-%m-%d}")
    moved = move(session, incentive, A.RELEASE, vouchers.actor_of(principal), now)
    if moved is not None:
        note(session, [moved])
        ledger(session, incentive, "incentive.released", now, store(incentive, "incentives"),
               served(incentive, "incentives-held"))  # fmt: skip
    return incentive


def redeem(
    session: Session,
    given_id: str,
    principal: Principal,
    token: str,
    verifier: Verifier,
    now: datetime,
) -> Incentive:
    """The provider who served redeems it, once, after the hold; the voucher is ``rewarded``."""
    incentive, voucher = acting(session, given_id, principal, Kind.PROVIDER)
    try:
        claims = verifier.verify(token, typ=INCENTIVE_TYP)
    except TokenError as exc:
        raise InvalidInput(f"token: refused ({exc})", field="token") from None
    if claims.get("sub") != incentive.id:
        raise InvalidInput("token: it belongs to another incentive", field="token")
    if incentive.state == IncentiveState.RELEASED and now < incentive.redeemable_at:
        raise Conflict(f"the incentive is on hold until {incentive.redeemable_at.isoformat()}")
    actor = vouchers.actor_of(principal)
    moved = move(session, incentive, A.REDEEM, actor, now)  # REDEEM names provider and hold
    ledger(session, incentive, "incentive.redeemed", now, served(incentive, "incentives-held"),
           served(incentive, "receivable"))  # fmt: skip
    rewarded = vouchers.move(
        session, voucher, Action.REWARD, actor, now, f"incentive {incentive.id}"
    )
    record(session, [rewarded] if rewarded else [], [moved] if moved else [], notes_first=True)
    return incentive


def cancel(
    session: Session, given_id: str, principal: Principal, reason: str, now: datetime
) -> Incentive:
    """The operator stops an incentive before it is redeemed (chargeback, dispute)."""
    incentive, _ = acting(session, given_id, principal, Kind.ADMIN)
    held = incentive.state == IncentiveState.RELEASED
    why = f"incentive {incentive.id}: {reason}" if reason else None
    moved = move(session, incentive, A.CANCEL, vouchers.actor_of(principal), now, detail=why)
    if moved is not None:
        note(session, [moved])
        owed = served(incentive, "incentives-held") if held else store(incentive, "incentives")
        ledger(session, incentive, "incentive.cancelled", now, owed,
               store(incentive, "incentive-expense"))  # fmt: skip
    return incentive


def lapse_due(session: Session, now: datetime) -> int:
    """Lapse every incentive not released by its deadline; returns how many (for the worker)."""
    due = session.scalars(
        select(Incentive).where(
            Incentive.state == IncentiveState.ISSUED, Incentive.lapses_at <= now
        )
    ).all()
    lapsed = 0
    for incentive in due:
        try:
            moved = move(session, incentive, A.LAPSE, Actor("system"), now)
        except IllegalIncentiveTransition:
            continue  # released meanwhile
        if moved is not None:
            note(session, [moved])
            ledger(session, incentive, "incentive.lapsed", now, store(incentive, "incentives"),
                   store(incentive, "incentive-expense"))  # fmt: skip
            lapsed += 1
    return lapsed


def ledger(
    session: Session, incentive: Incentive, kind: str, now: datetime, debit: str, credit: str
) -> None:
    """The incentive's amount, debited to ``debit`` and credited to ``credit``."""
    posting = Posting(
        kind,
        incentive.id,
        incentive.currency,
        transfer(incentive.amount, debit, credit),
        gsp_id=incentive.gsp_id,
        provider_id=incentive.provider_id,
    )
    post(session, posting, now)


def store(incentive: Incentive, purpose: str) -> str:
    """The account ``purpose`` of the store whose program gave the incentive."""
    return accounts.gsp(incentive.gsp_id, purpose)


def served(incentive: Incentive, purpose: str) -> str:
    """The account ``purpose`` of the provider who served."""
    return accounts.provider(incentive.provider_id, purpose)


def change(
    incentive: Incentive,
    action: str,
    before: str | None,
    after: str,
    actor: Actor,
    now: datetime,
    detail: str | None = None,
) -> Change:
    """An audit row on the service voucher (``incentive.<action>``); written as a note, not
    published to the voucher change feed, whose listeners expect voucher states."""
    return Change(
        incentive.voucher_id,
        f"incentive.{action}",
        before,
        after,
        actor,
        now,
        detail or f"incentive {incentive.id}",
        incentive.gsp_id,
        incentive.provider_id,
    )


def money(incentive: Incentive) -> str:
    return f"{from_minor(incentive.amount, incentive.currency)} {incentive.currency}"
