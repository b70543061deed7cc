"""Incentive lifecycle operations: check who may act → conditional update → audit → ledger.

Every move is one ``UPDATE incentives … WHERE seq = :seq AND state IN (:allowed)`` (the redeem
also names the acting provider and the end of the hold in its ``WHERE``) whose row count is
checked, then the audit row and the balanced ledger transaction are written in the same
database transaction. Redeeming moves the service voucher to ``rewarded``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ascc_plugin import rewards
from ascc_plugin.identity import INCENTIVE, InvalidVoucherId, incentive_id, parse_id
from ascc_plugin.money import from_minor
from ascc_plugin.tokens import INCENTIVE_TYP, Signer, TokenError, Verifier
from center.audit.trail import Actor, Change, note
from center.incentives.models import Incentive
from center.incentives.states import IllegalIncentiveTransition, IncentiveState, plan
from center.incentives.states import IncentiveAction as A
from center.infra.problems import Conflict, InvalidInput, NotFound, Unauthorized
from center.ledger import accounts
from center.ledger.services import Posting, post, transfer
from center.parties import keys
from center.parties.auth import Kind, Principal
from center.settings import RewardRules
from center.vouchers.models import Voucher
from center.vouchers.services import actor_of, transition
from center.vouchers.states import Action

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
) -> Incentive:
    """The incentive for ``voucher`` (assessed; its provider served), with its ledger entry."""
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
    session.add(made)
    session.flush()
    detail = (
        f"incentive {made.id}: {money(made)}, redeemable from {made.redeemable_at:%Y-%m-%d %H:%M}Z"
    )
    audit(session, made, "issue", None, "issued", actor, now, detail)
    ledger(
        session,
        made,
        "incentive.issued",
        now,
        accounts.gsp(made.gsp_id, "incentive-expense"),
        accounts.gsp(made.gsp_id, "incentives"),
    )
    return made


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


def visible_incentive(session: Session, given_id: str, principal: Principal) -> Incentive:
    """The incentive if ``principal`` may see it (holder, its store, its provider, operator)."""
    if principal.kind == Kind.ANONYMOUS:
        raise Unauthorized("this operation needs a key or the voucher's holder secret")
    try:
        canonical = parse_id(given_id, INCENTIVE)
    except InvalidVoucherId:
        raise NotFound(NOT_FOUND) from None
    found = session.scalar(select(Incentive).where(Incentive.id == canonical))
    if found is None or not may_see(found, principal):
        raise NotFound(NOT_FOUND)
    return found


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


def acting(session: Session, given_id: str, principal: Principal, kind: Kind) -> Incentive:
    found = visible_incentive(session, given_id, principal)
    if principal.kind != kind:
        raise NotFound(NOT_FOUND)
    return found


def move(
    session: Session, incentive: Incentive, action: A, actor: Actor, now: datetime, *where: Any
) -> bool:
    """Move ``incentive`` by ``action``; ``False`` for a no-op repeat, 409 if illegal or raced."""
    step = plan(action, incentive.state)
    if step is None:
        return False
    stamp = STAMP.get(action, "ended_at")
    result = session.execute(
        update(Incentive)
        .where(Incentive.seq == incentive.seq, Incentive.state.in_(step.sources), *where)
        .values(state=step.target, **{stamp: now})
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise IllegalIncentiveTransition(action, incentive.state, "the incentive changed meanwhile")
    before = incentive.state
    set_committed_value(incentive, "state", step.target)
    set_committed_value(incentive, stamp, now)
    audit(session, incentive, action.value, before.value, step.target.value, actor, now, None)
    return True


def release(
    session: Session, given_id: str, principal: Principal, provider_id: str, now: datetime
) -> Incentive:
    """The holder hands the incentive to the provider who served; nobody else can receive it."""
    incentive = acting(session, given_id, principal, Kind.HOLDER)
    if provider_id != incentive.provider_id:
        raise InvalidInput(
            "provider_id: an incentive goes only to the provider who served", field="provider_id"
        )
    if incentive.state == "issued" and incentive.lapses_at <= now:
        raise Conflict(f"the incentive lapsed on {incentive.lapses_at:%Y-%m-%d}")
    if move(session, incentive, A.RELEASE, actor_of(principal), now):
        ledger(
            session,
            incentive,
            "incentive.released",
            now,
            accounts.gsp(incentive.gsp_id, "incentives"),
            accounts.provider(incentive.provider_id, "incentives-held"),
        )
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
    incentive = acting(session, given_id, principal, Kind.PROVIDER)
    try:
        claims = verifier.verify(token, typ=INCENTIVE_TYP)
    except TokenError as exc:
        raise InvalidInput(f"token: refused ({exc})", field="token") from None
    if claims.get("sub") != incentive.id:
        raise InvalidInput("token: it belongs to another incentive", field="token")
    if incentive.state == "released" and now < incentive.redeemable_at:
        raise Conflict(f"the incentive is on hold until {incentive.redeemable_at.isoformat()}")
    actor = actor_of(principal)
    move(
        session,
        incentive,
        A.REDEEM,
        actor,
        now,
        Incentive.provider_id == principal.id,
        Incentive.redeemable_at <= now,
    )
    ledger(
        session,
        incentive,
        "incentive.redeemed",
        now,
        accounts.provider(incentive.provider_id, "incentives-held"),
        accounts.provider(incentive.provider_id, "receivable"),
    )
    voucher = session.scalars(select(Voucher).where(Voucher.id == incentive.voucher_id)).one()
    transition(session, voucher, Action.REWARD, actor, now, detail=f"incentive {incentive.id}")
    return incentive


def cancel(
    session: Session, given_id: str, principal: Principal, reason: str, now: datetime
) -> Incentive:
    """The operator stops an incentive before it is redeemed (chargeback, dispute)."""
    incentive = acting(session, given_id, principal, Kind.ADMIN)
    held = incentive.state == "released"
    if move(session, incentive, A.CANCEL, actor_of(principal), now):
        source = (
            accounts.provider(incentive.provider_id, "incentives-held")
            if held
            else accounts.gsp(incentive.gsp_id, "incentives")
        )
        ledger(
            session,
            incentive,
            "incentive.cancelled",
            now,
            source,
            accounts.gsp(incentive.gsp_id, "incentive-expense"),
        )
    del reason
    return incentive


def lapse_due(session: Session, now: datetime) -> int:
    """Lapse every incentive not released by its deadline; returns how many (for the worker)."""
    due = session.scalars(
        select(Incentive).where(Incentive.state == "issued", Incentive.lapses_at <= now)
    ).all()
    lapsed = 0
    for incentive in due:
        try:
            if not move(session, incentive, A.LAPSE, Actor("system"), now):
                continue
        except IllegalIncentiveTransition:
            continue  # released meanwhile
        lapsed += 1
        ledger(
            session,
            incentive,
            "incentive.lapsed",
            now,
            accounts.gsp(incentive.gsp_id, "incentives"),
            accounts.gsp(incentive.gsp_id, "incentive-expense"),
        )
    return lapsed


def ledger(
    session: Session, incentive: Incentive, kind: str, now: datetime, debit: str, credit: str
) -> None:
    posting = Posting(
        kind,
        incentive.id,
        incentive.currency,
        transfer(incentive.amount, debit, credit),
        gsp_id=incentive.gsp_id,
        provider_id=incentive.provider_id,
    )
    post(session, posting, now)


def audit(
    session: Session,
    incentive: Incentive,
    action: str,
    before: str | None,
    after: str,
    actor: Actor,
    now: datetime,
    detail: str | None,
) -> None:
    """An audit row on the service voucher (``incentive.<action>``); not published to the
    voucher change feed, whose listeners expect voucher states."""
    change = Change(
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
    note(session, [change])


def money(incentive: Incentive) -> str:
    return f"{from_minor(incentive.amount, incentive.currency)} {incentive.currency}"


def as_model(incentive: Incentive, with_token: bool) -> rewards.Incentive:
    return rewards.Incentive(
        id=incentive.id,
        voucher_id=incentive.voucher_id,
        gsp_id=incentive.gsp_id,
        provider_id=incentive.provider_id,
        program=incentive.program,
        amount=from_minor(incentive.amount, incentive.currency),
        currency=incentive.currency,
        state=incentive.state.value,
        issued_at=incentive.issued_at,
        redeemable_at=incentive.redeemable_at,
        lapses_at=incentive.lapses_at,
        token=incentive.token if with_token else None,
    )


def incentive_json(incentive: Incentive, principal: Principal) -> dict[str, Any]:
    """The incentive as the API shows it; only its holder sees the token."""
    shown = as_model(incentive, principal.kind == Kind.HOLDER)
    return {**shown.model_dump(mode="json", exclude_none=True), "token": shown.token}
