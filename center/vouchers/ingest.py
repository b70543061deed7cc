"""Ingest one store event: reconcile the order's vouchers with what its state entitles.

:func:`ingest` is the service the ``POST /api/v1/events`` view calls, and the one the store runs
in-process in ``gsp`` mode. In one transaction it stores the store's programs and customer,
issues the missing vouchers (holder secret and token made here), voids those no longer
entitled, writes an audit event per change and records the delivery id with its answer. A
replayed delivery id gets the stored answer back, with the first answer's holder secrets
(vouchers keep only digests; the secrets are kept sealed beside the delivery record for a
retention period, :mod:`center.vouchers.sealing`), so a lost reply loses no secret. Run it
through ``Database.run`` so a lost unique-constraint race (parallel replays) is retried and
then answered from the winner's rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ascc_plugin.identity import new_holder_secret
from ascc_plugin.issuing import IssueOn, entitled_vouchers
from ascc_plugin.keys import KeyRing
from ascc_plugin.models import Customer as CustomerJson
from ascc_plugin.models import OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.tokens import Signer
from ascc_plugin.vouchers import Voucher as VoucherJson
from ascc_plugin.vouchers import VoucherState
from center.parties import keys
from center.parties.models import Customer, Gsp
from center.problems import Conflict, InvalidInput
from center.records.services import Actor, append_event
from center.vouchers.models import GspProgram, ProcessedEvent, Voucher
from center.vouchers.sealing import Sealer
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

    @property
    def signer(self) -> Signer:
        return Signer(self.ring, self.issuer)


@dataclass
class IngestResult:
    """The answer (voucher JSON, secrets on first issue) and what to notify after commit."""

    vouchers: list[dict[str, Any]]
    issued: list[VoucherJson] = field(default_factory=list)
    customer: CustomerJson | None = None
    replayed: bool = False


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def ingest(
    session: Session,
    gsp: Gsp,
    event: OrderEvent,
    programs: Sequence[Program],
    issuer: Issuer,
    now: datetime,
    webhook_id: str | None = None,
    digest: str = "",
) -> IngestResult:
    """Reconcile ``event.order``'s vouchers; see the module docstring."""
    if webhook_id is not None:
        done = session.scalar(
            select(ProcessedEvent).where(
                ProcessedEvent.gsp_id == gsp.id, ProcessedEvent.webhook_id == webhook_id
            )
        )
        if done is not None:
            return replay(done, digest, issuer, now)
    if (event.gsp.platform, event.gsp.shop) != (gsp.platform, gsp.shop):
        raise InvalidInput("event.gsp: the event names another store than the signing one")
    save_programs(session, gsp.id, programs, now)
    customer = save_customer(session, gsp.id, event.order.customer)
    result = reconcile(session, gsp, event, programs, issuer, now, customer)
    if webhook_id is not None:
        answer = {"vouchers": [strip_secret(v) for v in result.vouchers]}
        session.add(
            ProcessedEvent(
                gsp_id=gsp.id,
                webhook_id=webhook_id,
                body_digest=digest,
                response=answer,
                sealed_secrets=seal_secrets(issuer, result.vouchers),
                processed_at=now,
            )
        )
    session.flush()
    return result


def replay(done: ProcessedEvent, digest: str, issuer: Issuer, now: datetime) -> IngestResult:
    """The first answer again, with its holder secrets while they are retained."""
    if digest and done.body_digest != digest:
        raise Conflict("webhook-id was already used for a different body")
    secrets = (
        issuer.sealer.open(done.sealed_secrets, done.processed_at, now) if issuer.sealer else {}
    )
    vouchers = [
        with_secret(voucher, secrets.get(voucher["id"]), issuer.public_url)
        for voucher in done.response["vouchers"]  # type: ignore[attr-defined]
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


def reconcile(
    session: Session,
    gsp: Gsp,
    event: OrderEvent,
    programs: Sequence[Program],
    issuer: Issuer,
    now: datetime,
    customer: Customer | None,
) -> IngestResult:
    order = event.order
    entitled = entitled_vouchers(event.gsp, order, programs, issuer.issue_on, issuer.ring.id_key)
    existing = {
        v.id: v
        for v in session.scalars(
            select(Voucher).where(Voucher.gsp_id == gsp.id, Voucher.order_id == order.id)
        )
    }
    result = IngestResult(vouchers=[], customer=order.customer)
    actor = Actor("gsp", gsp.id)
    signer = issuer.signer
    for wanted in entitled:
        row = existing.get(wanted.id)
        if row is None:
            issued = issue(session, gsp, wanted, signer, issuer.public_url, customer, now)
            result.issued.append(issued)
            result.vouchers.append({**issued.to_json(), "provider_id": None})
        else:
            result.vouchers.append(voucher_json(row))
    reason = "cancelled" if order.cancelled else "refunded"
    for row in existing.values():
        if row.id not in {v.id for v in entitled} and row.state in BEFORE_SERVICE:
            transition(session, row, Action.VOID, actor, now, detail=reason)
    return result


def issue(
    session: Session,
    gsp: Gsp,
    wanted: VoucherJson,
    signer: Signer,
    public_url: str,
    customer: Customer | None,
    now: datetime,
) -> VoucherJson:
    """Store one new voucher; the returned JSON model carries its token and holder secret."""
    secret = new_holder_secret()
    token = signer.sign_voucher(wanted, now)
    session.add(
        Voucher(
            id=wanted.id,
            gsp_id=gsp.id,
            customer_seq=customer.seq if customer else None,
            program=wanted.program,
            kind=wanted.kind,
            order_id=wanted.order_id,
            line_id=wanted.line_id,
            unit=wanted.unit,
            state=VoucherState.ISSUED,
            valid_until=wanted.valid_until,
            token=token,
            holder_digest=keys.digest(secret),
            created_at=now,
            updated_at=now,
        )
    )
    append_event(
        session, wanted.id, "issue", None, VoucherState.ISSUED.value, Actor("gsp", gsp.id), now
    )
    return wanted.model_copy(
        update={
            "token": token,
            "holder_secret": secret,
            "holder_url": holder_url(public_url, wanted.id, secret),
        }
    )


def save_programs(
    session: Session, gsp_id: str, programs: Sequence[Program], now: datetime
) -> None:
    """Keep the store's programs as it last described them."""
    stored = {
        p.program_id: p
        for p in session.scalars(select(GspProgram).where(GspProgram.gsp_id == gsp_id))
    }
    for program in programs:
        definition = program.model_dump(mode="json")
        row = stored.get(program.id)
        if row is None:
            session.add(
                GspProgram(
                    gsp_id=gsp_id,
                    program_id=program.id,
                    kind=program.kind,
                    definition=definition,
                    updated_at=now,
                )
            )
        elif row.definition != definition:
            row.kind, row.definition, row.updated_at = program.kind, definition, now


def save_customer(session: Session, gsp_id: str, given: CustomerJson | None) -> Customer | None:
    """The store's customer row, made or refreshed; ``None`` for a guest without data."""
    key = customer_key(given)
    if given is None or key is None:
        return None
    row = session.scalar(
        select(Customer).where(Customer.gsp_id == gsp_id, Customer.customer_key == key)
    )
    email = given.email.strip().lower() if given.email else None
    if row is None:
        row = Customer(
            gsp_id=gsp_id, customer_key=key, email=email, name=given.name, phone=given.phone
        )
        session.add(row)
        session.flush()
    elif (row.email, row.name, row.phone) != (email, given.name, given.phone):
        row.email, row.name, row.phone = email, given.name, given.phone
    return row


def customer_key(given: CustomerJson | None) -> str | None:
    if given is None:
        return None
    if given.id:
        return f"id:{given.id}"
    return f"email:{given.email.strip().lower()}" if given.email else None
