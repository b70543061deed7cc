"""Ingest one store event: reconcile the order's vouchers with what its state entitles.

``ingest(session, prepare(...))`` is the service the ``POST /api/v1/events`` view calls, and the
one the store runs in-process in ``gsp`` mode. :func:`prepare` needs no database: it checks the
event's bounds, works out the vouchers it entitles to and, for a signed delivery, mints them
(holder secrets, tokens, the sealed answer) — the view runs it before its transaction. Then, in
one transaction, :func:`ingest` records the delivery id with its answer, stores the store's
programs and customer, issues the missing vouchers (a known order's new ones minted there),
voids those no longer entitled and writes an audit event per change. A replayed
delivery id gets the stored answer back with the first answer's holder secrets (vouchers keep
only digests; the secrets are kept sealed beside the delivery record for a retention period,
:mod:`center.deliveries.sealing`), so a lost reply loses no secret.

The hot path: an order's first delivery (most events) is claimed and written by
:mod:`center.vouchers.fresh` — one statement on PostgreSQL, prepared Core statements on SQLite,
no ORM, no read of the order's vouchers first. Any other delivery (the order has vouchers:
reconcile, void, reinstate) reads the order's vouchers, computes the answer, then claims the
delivery with ``INSERT … ON CONFLICT DO NOTHING`` — a parallel replay waits on the unique index
and is answered from the winner's row — and the customer, vouchers and audit rows follow with
one statement each (:mod:`center.vouchers.rows`). The programs are written only when they
differ from what this process last committed for the store (a digest, re-checked against the
database every :data:`PROGRAMS_TTL` seconds). Run it through ``Database.run`` so a lost race on
voucher ids (two deliveries of one order) is retried and then answered from the winner's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ascc_plugin.identity import new_holder_secret
from ascc_plugin.issuing import (
    MAX_VOUCHERS_PER_EVENT,
    IssueOn,
    TooManyVouchers,
    check_total,
    entitled_vouchers,
)
from ascc_plugin.keys import KeyRing
from ascc_plugin.models import Customer as CustomerJson
from ascc_plugin.models import Order, OrderEvent
from ascc_plugin.money import minor_digits, to_minor
from ascc_plugin.programs import Program
from ascc_plugin.tokens import Signer
from ascc_plugin.vouchers import Voucher as VoucherJson
from ascc_plugin.vouchers import VoucherState
from center.audit.trail import Actor, Change, record, tell
from center.deliveries.claims import StoredClaim, claim_delivery, same_body
from center.deliveries.sealing import Sealer
from center.infra.problems import InvalidInput
from center.parties import keys
from center.parties.models import Gsp
from center.vouchers import rows
from center.vouchers.catalog import PROGRAMS_TTL, save_programs  # noqa: F401 (re-exported)
from center.vouchers.fresh import WRITTEN, FirstDelivery, write_first
from center.vouchers.models import Voucher
from center.vouchers.services import holder_url, transition, voucher_json
from center.vouchers.states import BEFORE_SERVICE, Action


@dataclass(frozen=True)
class Issuer:
    """What issuing needs besides the database: keys, token issuer name, links, policy."""

    ring: KeyRing
    issuer: str
    public_url: str
    issue_on: IssueOn = "paid"
    sealer: Sealer | None = None  # keeps first answers' holder secrets for replays
    max_vouchers: int = MAX_VOUCHERS_PER_EVENT  # per event: more is a 422

    @property
    def signer(self) -> Signer:
        return Signer(self.ring, self.issuer)


@dataclass
class IngestResult:
    """The answer (voucher JSON, secrets on first issue) and what to notify after commit."""

    vouchers: list[dict[str, Any]]
    issued: list[VoucherJson] = field(default_factory=list)
    lapsed: list[VoucherJson] = field(default_factory=list)  # recorded expired, never delivered
    customer: CustomerJson | None = None
    replayed: bool = False


@dataclass(frozen=True)
class Prepared:
    """An event's ingest worked out before its transaction (:func:`prepare`)."""

    gsp: Gsp
    event: OrderEvent
    programs: Sequence[Program]
    issuer: Issuer
    now: datetime
    webhook_id: str | None
    digest: str
    entitled: Sequence[VoucherJson]
    first: Minting | None  # the rows if this is the order's first delivery, made already


def prepare(
    gsp: Gsp,
    event: OrderEvent,
    programs: Sequence[Program],
    issuer: Issuer,
    now: datetime,
    webhook_id: str | None = None,
    digest: str = "",
) -> Prepared:
    """What needs no database: the event's bounds checked (422 before any transaction), the
    vouchers it entitles to, and for a signed delivery of the naming store the rows of a first
    delivery — tokens signed, secrets sealed — so that on SQLite the one writer holds its lock
    for the SQL only. A delivery that turns out not to be the order's first discards them."""
    order = event.order
    try:
        check_total(order, programs, issuer.issue_on, issuer.max_vouchers)
    except TooManyVouchers as exc:
        raise InvalidInput(f"event.order: {exc}", field="event.order") from None
    entitled = entitled_vouchers(event.gsp, order, programs, issuer.issue_on, issuer.ring.id_key)
    first = None
    if webhook_id is not None and names_store(event, gsp):
        first = Minting(gsp.id, order, entitled, issuer, now, webhook_id, digest)
        first()
    return Prepared(gsp, event, programs, issuer, now, webhook_id, digest, entitled, first)


def ingest(session: Session, prepared: Prepared) -> IngestResult:
    """Reconcile the prepared event's order in ``session``'s transaction (see the module
    docstring); its answer."""
    p, gsp, order = prepared, prepared.gsp, prepared.event.order
    if p.first is not None and p.webhook_id is not None:
        outcome = write_first(session, gsp.id, order.id, p.webhook_id, p.first)
        if isinstance(outcome, StoredClaim):
            return replay(outcome, p.digest, p.issuer, p.now)
        if outcome == WRITTEN and p.first.result is not None:
            save_programs(session, gsp.id, p.programs, p.now)
            tell(session, p.first.changes)
            session.flush()
            return p.first.result
    existing = rows.order_vouchers(session, gsp.id, order.id)  # detached: no unit of work
    result = answer(p.entitled, existing, p.issuer, p.now, order.customer)
    if p.webhook_id is not None:
        stored = {"vouchers": [strip_secret(v) for v in result.vouchers]}
        sealed = seal_secrets(p.issuer, result.vouchers)
        done = claim_delivery(session, gsp.id, p.webhook_id, p.digest, stored, sealed, p.now)
        if done is not None:
            return replay(done, p.digest, p.issuer, p.now)
    if not names_store(p.event, gsp):
        raise InvalidInput("event.gsp: the event names another store than the signing one")
    save_programs(session, gsp.id, p.programs, p.now)
    customer_seq = save_customer(session, gsp.id, order.customer)
    write_issued(session, gsp.id, [*result.issued, *result.lapsed], customer_seq, p.now, order)
    if changes_state(p.entitled, existing, p.now):  # a refund, a cancellation, a reinstatement
        existing = {v.id: v for v in session.scalars(order_entities(gsp.id, order.id))}
        void_unentitled(session, gsp, p.entitled, existing, order.cancelled, p.now)
        reinstate_entitled(session, gsp, p.entitled, existing, p.now)
    session.flush()
    return result


def order_entities(gsp_id: str, order_id: str) -> Select[Voucher]:
    """The order's vouchers as session entities (state transitions write through them)."""
    return select(Voucher).where(Voucher.gsp_id == gsp_id, Voucher.order_id == order_id)


def changes_state(
    entitled: Sequence[VoucherJson], existing: dict[str, Voucher], now: datetime
) -> bool:
    """Whether a stored voucher is to be voided (no longer entitled, not yet in service) or
    reinstated (entitled again): only then are the order's vouchers loaded as entities."""
    wanted = {v.id for v in entitled}
    if any(v.id not in wanted and v.state in BEFORE_SERVICE for v in existing.values()):
        return True
    return any(reinstates(existing[i], now) for i in wanted if i in existing)


def names_store(event: OrderEvent, gsp: Gsp) -> bool:
    """Whether the event names the store that signed it."""
    return (event.gsp.platform, event.gsp.shop) == (gsp.platform, gsp.shop)


@dataclass
class Minting:
    """Makes a first delivery's rows (:mod:`center.vouchers.fresh`) once and keeps its answer."""

    gsp_id: str
    order: Order
    entitled: Sequence[VoucherJson]
    issuer: Issuer
    now: datetime
    webhook_id: str
    digest: str
    result: IngestResult | None = None
    changes: list[Change] = field(default_factory=list)
    made: FirstDelivery | None = None

    def __call__(self) -> FirstDelivery:
        """The answer for an order without vouchers, and the rows that give it."""
        if self.made is not None:
            return self.made
        issuer, now, order = self.issuer, self.now, self.order
        result = answer(self.entitled, {}, issuer, now, order.customer)
        issued = [*result.issued, *result.lapsed]
        self.result, self.changes = result, issue_changes(self.gsp_id, issued, now)
        self.made = FirstDelivery(
            gsp_id=self.gsp_id,
            order_id=order.id,
            webhook_id=self.webhook_id,
            digest=self.digest,
            answer={"vouchers": [strip_secret(v) for v in result.vouchers]},
            sealed=seal_secrets(issuer, result.vouchers),
            now=now,
            customer=customer_fields(order.customer),
            vouchers=[voucher_row(v, self.gsp_id, None, now, order) for v in issued],
            changes=self.changes,
        )
        return self.made


def replay(done: StoredClaim, digest: str, issuer: Issuer, now: datetime) -> IngestResult:
    """The first answer again, with its holder secrets while they are retained."""
    same_body(done, digest)
    secrets = (
        issuer.sealer.open(done.sealed_secrets, done.processed_at, now) if issuer.sealer else {}
    )
    vouchers = [
        with_secret(voucher, secrets.get(voucher["id"]), issuer.public_url)
        for voucher in done.response["vouchers"]
    ]
    return IngestResult(vouchers=vouchers, replayed=True)


def seal_secrets(issuer: Issuer, vouchers: list[dict[str, Any]]) -> str | None:
    secrets = {v["id"]: v["holder_secret"] for v in vouchers if "holder_secret" in v}
    return issuer.sealer.seal(secrets) if issuer.sealer and secrets else None


def with_secret(voucher: dict[str, Any], secret: str | None, public_url: str) -> dict[str, Any]:
    if secret is None:
        return dict(voucher)
    return {
        **voucher,
        "holder_secret": secret,
        "holder_url": holder_url(public_url, voucher["id"], secret),
    }


def strip_secret(voucher: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in voucher.items() if k not in ("holder_secret", "holder_url")}


def answer(
    entitled: Sequence[VoucherJson],
    existing: dict[str, Voucher],
    issuer: Issuer,
    now: datetime,
    customer: CustomerJson | None,
) -> IngestResult:
    """The vouchers the order is entitled to: stored ones as they are (voided ones still within
    term as reinstated), new ones minted here — or recorded ``expired`` when their term had
    already ended (an old order): no secret goes out for a voucher nobody can use."""
    result = IngestResult(vouchers=[], customer=customer)
    signer = issuer.signer
    for wanted in entitled:
        row = existing.get(wanted.id)
        if row is not None:
            shown = voucher_json(row)
            if reinstates(row, now):
                shown |= {"state": VoucherState.ISSUED.value, "provider_id": None}
            result.vouchers.append(shown)
        elif wanted.valid_until <= now:
            lapsed = wanted.model_copy(update={"state": VoucherState.EXPIRED})
            result.lapsed.append(lapsed)
            result.vouchers.append({**lapsed.to_json(), "provider_id": None})
        else:
            issued = mint(wanted, signer, issuer.public_url, now)
            result.issued.append(issued)
            result.vouchers.append({**issued.to_json(), "provider_id": None})
    return result


def reinstates(row: Voucher, now: datetime) -> bool:
    """Whether an entitled stored voucher comes back: voided, and its term not over."""
    return row.state == VoucherState.VOIDED and row.valid_until > now


def mint(wanted: VoucherJson, signer: Signer, public_url: str, now: datetime) -> VoucherJson:
    """A new voucher's JSON model with its token and holder secret (nothing stored yet)."""
    secret = new_holder_secret()
    token = signer.sign_voucher(wanted, now)
    return wanted.model_copy(
        update={
            "token": token,
            "holder_secret": secret,
            "holder_url": holder_url(public_url, wanted.id, secret),
        }
    )


def write_issued(
    session: Session,
    gsp_id: str,
    issued: Sequence[VoucherJson],
    customer_seq: int | None,
    now: datetime,
    order: Order | None = None,
) -> None:
    """Store the new vouchers (holder secrets as digests) and their ``issue`` audit events."""
    rows.insert_vouchers(
        session, [voucher_row(v, gsp_id, customer_seq, now, order) for v in issued]
    )
    record(session, issue_changes(gsp_id, issued, now))


def issue_changes(gsp_id: str, issued: Sequence[VoucherJson], now: datetime) -> list[Change]:
    """The ``issue`` audit changes of new vouchers (holder secrets for the feed only)."""
    actor = Actor("gsp", gsp_id)
    return [
        Change(
            v.id,
            "issue",
            None,
            v.state.value,
            actor,
            now,
            LAPSED.get(v.state),
            gsp_id,
            holder_secret=v.holder_secret,
        )
        for v in issued
    ]


LAPSED = {VoucherState.EXPIRED: "its term had ended when it was issued"}


def voucher_row(
    voucher: VoucherJson,
    gsp_id: str,
    customer_seq: int | None,
    now: datetime,
    order: Order | None = None,
) -> dict[str, Any]:
    return {
        **priced(voucher, order),
        "id": voucher.id,
        "gsp_id": gsp_id,
        "customer_seq": customer_seq,
        "provider_id": None,
        "program": voucher.program,
        "kind": voucher.kind,
        "order_id": voucher.order_id,
        "line_id": voucher.line_id,
        "unit": voucher.unit,
        "state": voucher.state,
        "valid_until": voucher.valid_until,
        "token": voucher.token,
        "holder_digest": keys.digest(voucher.holder_secret) if voucher.holder_secret else "",
        "notes": None,
        "created_at": now,
        "updated_at": now,
    }


def priced(voucher: VoucherJson, order: Order | None) -> dict[str, Any]:
    """The order's currency and the covered unit's price in minor units (rounded half up)."""
    line = next((li for li in order.lines if li.id == voucher.line_id), None) if order else None
    if order is None or line is None:
        return {"currency": None, "unit_price": None}
    step = Decimal(1).scaleb(-minor_digits(order.currency))
    price = line.unit_price.quantize(step, rounding=ROUND_HALF_UP)
    return {"currency": order.currency, "unit_price": to_minor(price, order.currency)}


def void_unentitled(
    session: Session,
    gsp: Gsp,
    entitled: Sequence[VoucherJson],
    existing: dict[str, Voucher],
    cancelled: bool,
    now: datetime,
) -> None:
    """Void the stored vouchers the order no longer entitles (refunded or cancelled units)."""
    wanted = {v.id for v in entitled}
    reason = "cancelled" if cancelled else "refunded"
    for row in existing.values():
        if row.id not in wanted and row.state in BEFORE_SERVICE:
            transition(session, row, Action.VOID, Actor("gsp", gsp.id), now, detail=reason)


def reinstate_entitled(
    session: Session,
    gsp: Gsp,
    entitled: Sequence[VoucherJson],
    existing: dict[str, Voucher],
    now: datetime,
) -> None:
    """Reinstate the voided vouchers the order entitles again (restored, paid again)."""
    for item in entitled:
        row = existing.get(item.id)
        if row is not None and reinstates(row, now):
            transition(
                session,
                row,
                Action.REINSTATE,
                Actor("gsp", gsp.id),
                now,
                detail="entitled again",
                provider_id=None,
            )


def save_customer(session: Session, gsp_id: str, given: CustomerJson | None) -> int | None:
    """The store's customer row (its ``seq``), made or refreshed; ``None`` for a guest."""
    fields = customer_fields(given)
    if fields is None:
        return None
    return rows.upsert_customer(
        session, gsp_id, fields["customer_key"], fields["email"], fields["name"], fields["phone"]
    )


def customer_fields(given: CustomerJson | None) -> dict[str, Any] | None:
    """The customer row's fields (but the store), or ``None`` for a guest."""
    key = customer_key(given)
    if given is None or key is None:
        return None
    email = given.email.strip().lower() if given.email else None
    return {"customer_key": key, "email": email, "name": given.name, "phone": given.phone}


def customer_key(given: CustomerJson | None) -> str | None:
    if given is None:
        return None
    if given.id:
        return f"id:{given.id}"
    return f"email:{given.email.strip().lower()}" if given.email else None
