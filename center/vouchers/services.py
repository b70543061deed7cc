"""Voucher lifecycle operations: check who may act → conditional update → audit event.

Every state change is one ``UPDATE … WHERE seq = :seq AND state IN (:allowed)`` whose row count
is checked, so two concurrent requests can never both move a voucher (single-use redemption
holds under any concurrency, on PostgreSQL and on SQLite). Functions take a session inside a
transaction and plain arguments; the caller commits (``Database.transaction``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ascc_plugin.identity import InvalidVoucherId, parse_id
from ascc_plugin.tokens import TokenError, Verifier
from ascc_plugin.vouchers import Voucher as VoucherJson
from ascc_plugin.vouchers import VoucherState
from center.audit.trail import Actor, Change, record
from center.infra.problems import Conflict, InvalidInput, NotFound, Unauthorized
from center.parties import keys
from center.parties.auth import Kind, Principal
from center.parties.models import Provider, ProviderCategory
from center.vouchers.models import Voucher
from center.vouchers.states import (
    BEFORE_SERVICE,
    NOOP_WHEN_REPEATED,
    TRANSITIONS,
    Action,
    IllegalTransition,
    plan,
)

NOT_FOUND = "no voucher with this id is visible to you"
ACTIVE_CASES = (VoucherState.ASSIGNED, VoucherState.IN_SERVICE)


def voucher_json(
    voucher: Voucher,
    holder_secret: str | None = None,
    public_url: str = "",
    viewer: Principal | None = None,
) -> dict[str, Any]:
    """The DESIGN §7 voucher JSON (plus ``provider_id``); the secret only at first issue.

    The token is the customer's (DESIGN §6): a provider's view leaves it out, so a redemption
    proves that the holder presented it (link, QR code).
    """
    shows_token = viewer is None or viewer.kind != Kind.PROVIDER
    data = canonical(voucher, holder_secret, public_url, shows_token).to_json()
    data["provider_id"] = voucher.provider_id
    return data


def canonical(
    voucher: Voucher, holder_secret: str | None, public_url: str, with_token: bool = True
) -> VoucherJson:
    """The stored voucher as the core's :class:`~ascc_plugin.vouchers.Voucher` (what channels
    and hooks receive), with its holder secret and link when given."""
    return VoucherJson(
        id=voucher.id,
        program=voucher.program,
        kind=voucher.kind,
        order_id=voucher.order_id,
        line_id=voucher.line_id,
        unit=voucher.unit,
        state=voucher.state,
        valid_until=voucher.valid_until,
        token=voucher.token if with_token else None,
        holder_secret=holder_secret,
        holder_url=holder_url(public_url, voucher.id, holder_secret) if holder_secret else None,
    )


def holder_url(public_url: str, voucher_id: str, secret: str) -> str:
    """The customer's link; the secret rides in the fragment, which never reaches server logs."""
    return f"{public_url.rstrip('/')}/v/{voucher_id}#{secret}"


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.kind.value, principal.id)


VOUCHER_BY_ID = select(Voucher).where(Voucher.id == bindparam("id"))
"""Built once: every voucher request reads its voucher through it."""


def visible_voucher(session: Session, voucher_id: str, principal: Principal) -> Voucher:
    """The voucher if ``principal`` may see it: its holder, its store, its provider, the operator.

    Everyone else — and every malformed or unknown id — gets the same 404; a caller with no
    key at all gets 401 (whatever the id, so that reveals nothing either).
    """
    if principal.kind == Kind.ANONYMOUS:
        raise Unauthorized("this operation needs a key or the voucher's holder secret")
    try:
        canonical = parse_id(voucher_id)
    except InvalidVoucherId:
        raise NotFound(NOT_FOUND) from None
    voucher = session.scalar(VOUCHER_BY_ID, {"id": canonical})
    if voucher is None or not may_see(voucher, principal):
        raise NotFound(NOT_FOUND)
    return voucher


def may_see(voucher: Voucher, principal: Principal) -> bool:
    if principal.kind == Kind.HOLDER:
        return principal.secret is not None and keys.matches(
            principal.secret, voucher.holder_digest
        )
    return (
        principal.kind == Kind.ADMIN
        or principal.is_(Kind.GSP, voucher.gsp_id)
        or principal.is_(Kind.PROVIDER, voucher.provider_id)
    )


def acting_voucher(session: Session, voucher_id: str, principal: Principal, kind: Kind) -> Voucher:
    """The voucher if ``principal`` is the party of ``kind`` allowed to act on it; else 404."""
    voucher = visible_voucher(session, voucher_id, principal)
    if principal.kind != kind:
        raise NotFound(NOT_FOUND)
    return voucher


def transition(
    session: Session,
    voucher: Voucher,
    action: Action,
    actor: Actor,
    now: datetime,
    detail: str | None = None,
    expect: Mapping[str, Any] | None = None,
    **values: Any,
) -> bool:
    """Move ``voucher`` by ``action``; ``False`` for a no-op repeat, 409 if illegal or raced.

    ``expect`` (column → value) joins the conditional ``UPDATE``: the acting party must still be
    the one the voucher names when the row is written (a provider redeeming a voucher the
    holder just gave to another provider finds no row). When no row matched, the voucher is
    read again: already in the target state by a repeat of a no-op action → ``False``.
    """
    change = move(session, voucher, action, actor, now, detail, expect, **values)
    if change is not None:
        record(session, [change])
    return change is not None


def move(
    session: Session,
    voucher: Voucher,
    action: Action,
    actor: Actor,
    now: datetime,
    detail: str | None = None,
    expect: Mapping[str, Any] | None = None,
    **values: Any,
) -> Change | None:
    """:func:`transition` without its audit row: the :class:`Change` for the caller to
    :func:`~center.audit.trail.record` (with rows of its own, in one statement); ``None`` for
    a no-op repeat."""
    step = plan(action, voucher.state)
    if step is None:
        return None
    if (
        voucher.valid_until <= now
        and action not in (Action.VOID, Action.EXPIRE)
        and voucher.state in BEFORE_SERVICE | {VoucherState.VOIDED}
    ):
        raise IllegalTransition(
            action,
            voucher.state,
            f"the voucher expired on {voucher.valid_until.date().isoformat()}",
        )
    conditions = [Voucher.seq == voucher.seq, Voucher.state.in_(step.sources)]
    conditions += [getattr(Voucher, name) == value for name, value in (expect or {}).items()]
    result = session.execute(
        update(Voucher)
        .where(*conditions)
        .values(state=step.target, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raced(session, voucher, action)  # 409, unless a concurrent no-op repeat got there first
        return None
    change = Change(
        voucher.id,
        action.value,
        voucher.state.value,
        step.target.value,
        actor,
        now,
        detail,
        voucher.gsp_id,
        values.get("provider_id", voucher.provider_id),
    )
    for name, value in {"state": step.target, "updated_at": now, **values}.items():
        set_committed_value(voucher, name, value)
    return change


def raced(session: Session, voucher: Voucher, action: Action) -> bool:
    """After an ``UPDATE`` that matched no row: ``False`` if a concurrent repeat of a no-op
    action got there first (the voucher is in its target state now), else 409."""
    state = session.scalar(select(Voucher.state).where(Voucher.seq == voucher.seq))
    if state is not None and state == TRANSITIONS[action][1] and action in NOOP_WHEN_REPEATED:
        set_committed_value(voucher, "state", state)
        return False
    raise IllegalTransition(action, voucher.state, "the voucher changed meanwhile")


def activate(session: Session, voucher_id: str, principal: Principal, now: datetime) -> Voucher:
    voucher = acting_voucher(session, voucher_id, principal, Kind.HOLDER)
    return activate_voucher(session, voucher, principal, now)


def activate_voucher(
    session: Session, voucher: Voucher, principal: Principal, now: datetime
) -> Voucher:
    """The holder activates (a repeat, also a concurrent one, is a no-op)."""
    transition(
        session, voucher, Action.ACTIVATE, actor_of(principal), now, expect=as_holder(voucher)
    )
    return voucher


def as_holder(voucher: Voucher) -> dict[str, Any]:
    """The holder's condition: the same holder, and the provider it was read with."""
    return {"holder_digest": voucher.holder_digest, "provider_id": voucher.provider_id}


def as_provider(principal: Principal) -> dict[str, Any]:
    """The provider's condition: the voucher is still assigned to the acting provider."""
    return {"provider_id": principal.id}


def assign(
    session: Session, voucher_id: str, principal: Principal, provider_id: Any, now: datetime
) -> Voucher:
    voucher = acting_voucher(session, voucher_id, principal, Kind.HOLDER)
    return assign_voucher(session, voucher, principal, provider_id, now)


def assign_voucher(
    session: Session, voucher: Voucher, principal: Principal, provider_id: Any, now: datetime
) -> Voucher:
    """The holder picks a provider that serves the voucher's kind and has room for a case.

    The provider's row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has one writer
    at a time) before its open cases are counted, so two assignments can never both take its
    last free place.
    """
    known = isinstance(provider_id, str) and provider_id.isprintable() and len(provider_id) <= 40
    provider = locked_provider(session, provider_id) if known else None
    if provider is None:
        raise InvalidInput("provider_id: no such provider", field="provider_id")
    if voucher.kind not in provider.category_names:
        raise InvalidInput(
            f"provider_id: {provider.id} does not serve {voucher.kind!r}", field="provider_id"
        )
    if voucher.provider_id != provider.id and open_cases(session, provider.id) >= provider.capacity:
        raise Conflict(f"provider {provider.id} has no free capacity")
    transition(
        session,
        voucher,
        Action.ASSIGN,
        actor_of(principal),
        now,
        detail=f"provider {provider.id}",
        expect=as_holder(voucher),
        provider_id=provider.id,
    )
    return voucher


def locked_provider(session: Session, provider_id: str) -> Provider | None:
    query = select(Provider).where(Provider.id == provider_id).with_for_update()
    return session.scalar(query)


def open_cases(session: Session, provider_id: str) -> int:
    query = select(func.count()).where(
        Voucher.provider_id == provider_id, Voucher.state.in_(ACTIVE_CASES)
    )
    return int(session.scalar(query) or 0)


def redeem(
    session: Session,
    voucher_id: str,
    principal: Principal,
    token: Any,
    verifier: Verifier,
    now: datetime,
) -> Voucher:
    voucher = acting_voucher(session, voucher_id, principal, Kind.PROVIDER)
    return redeem_voucher(session, voucher, principal, token, verifier, now)


def redeem_voucher(
    session: Session,
    voucher: Voucher,
    principal: Principal,
    token: Any,
    verifier: Verifier,
    now: datetime,
) -> Voucher:
    """The assigned provider redeems, once: the signed token must name this voucher."""
    if not isinstance(token, str) or not token:
        raise InvalidInput("token: the voucher's signed token is required", field="token")
    try:
        claims = verifier.verify(token)
    except TokenError as exc:
        raise InvalidInput(f"token: refused ({exc})", field="token") from None
    if claims.get("sub") != voucher.id:
        raise InvalidInput("token: it belongs to another voucher", field="token")
    transition(
        session, voucher, Action.REDEEM, actor_of(principal), now, expect=as_provider(principal)
    )
    return voucher


def complete(
    session: Session, voucher_id: str, principal: Principal, notes: Any, now: datetime
) -> Voucher:
    voucher = acting_voucher(session, voucher_id, principal, Kind.PROVIDER)
    return complete_voucher(session, voucher, principal, notes, now)


def complete_voucher(
    session: Session, voucher: Voucher, principal: Principal, notes: Any, now: datetime
) -> Voucher:
    if notes is not None and (not isinstance(notes, str) or len(notes) > 10_000):
        raise InvalidInput("notes: a text of at most 10000 characters", field="notes")
    transition(
        session,
        voucher,
        Action.COMPLETE,
        actor_of(principal),
        now,
        expect=as_provider(principal),
        notes=notes,
    )
    session.execute(
        update(Provider)
        .where(Provider.id == voucher.provider_id)
        .values(completed_services=Provider.completed_services + 1)
    )
    return voucher


def expire_due(session: Session, now: datetime) -> int:
    """Expire every voucher whose term ended before service; returns how many."""
    due = session.scalars(
        select(Voucher).where(Voucher.valid_until <= now, Voucher.state.in_(BEFORE_SERVICE))
    )
    return sum(transition(session, v, Action.EXPIRE, Actor("system"), now) for v in due)


def serves(session: Session, provider_id: str, kind: str) -> bool:
    query = select(ProviderCategory).where(
        ProviderCategory.provider_id == provider_id, ProviderCategory.category == kind
    )
    return session.scalar(query) is not None
