"""The service layer called directly with a session — no HTTP, no Flask: ``ingest`` and the
voucher lifecycle, on SQLite and on PostgreSQL (the API tests cover the contract over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ascc_plugin.keys import KeyRing, generate_key
from ascc_plugin.models import OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.sealing import Seal
from ascc_plugin.tokens import Verifier
from ascc_plugin.vouchers import VoucherState
from center import migrate
from center.audit.models import AuditEvent
from center.audit.trail import Change, feed
from center.deliveries.sealing import Sealer
from center.infra.db import Database
from center.parties import services as parties
from center.parties.auth import Kind, Principal
from center.parties.models import Gsp
from center.vouchers import services
from center.vouchers.ingest import Issuer, ingest, prepare
from center.vouchers.states import IllegalTransition
from tests.common.hub import PROGRAMS, Party, order_event

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'hub.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    made = Database(url, secrets=Seal.for_file(tmp_path / "secrets.key"))
    migrate.upgrade(made)
    yield made
    made.dispose()


@pytest.fixture
def issuer(tmp_path: Path) -> Issuer:
    folder = tmp_path / "keys"
    generate_key(folder)
    return Issuer(
        KeyRing.load(folder), "hub.test", "https://hub.test", "paid", Sealer.for_folder(folder)
    )


def new_gsp(database: Database) -> tuple[Gsp, Party]:
    shop = f"svc-{datetime.now().timestamp()}.example"
    with database.transaction() as session:
        made = parties.add_gsp(session, name="S", platform="shopify", shop=shop, now=NOW)
        gsp = parties.get_gsp(session, made["gsp_id"])
        session.expunge(gsp)
    return gsp, Party(made["gsp_id"], made["api_key"], made["signing_secret"], shop)


def event_for(party: Party, **order: object) -> OrderEvent:
    return OrderEvent.model_validate(order_event(party, **order))  # type: ignore[arg-type]


PROGRAM_MODELS = [Program.model_validate(p) for p in PROGRAMS]


def test_ingest_issues_records_and_answers_a_replay_the_same(
    database: Database, issuer: Issuer
) -> None:
    gsp, party = new_gsp(database)
    event = event_for(party, quantity=2)
    seen: list[Change] = []
    feed(database).subscribe(lambda _session, changes: seen.extend(changes))
    first = database.run(
        lambda s: ingest(s, prepare(gsp, event, PROGRAM_MODELS, issuer, NOW, "msg_svc", "d1"))
    )
    again = database.run(
        lambda s: ingest(s, prepare(gsp, event, PROGRAM_MODELS, issuer, NOW, "msg_svc", "d1"))
    )
    assert len(first.issued) == 4 and not first.replayed
    assert again.replayed and [v["id"] for v in again.vouchers] == [v["id"] for v in first.vouchers]
    assert [v["holder_secret"] for v in again.vouchers] == [v.holder_secret for v in first.issued]
    assert {(c.action, c.to_state, c.gsp_id) for c in seen} == {("issue", "issued", gsp.id)}
    assert len(seen) == 4  # the change feed saw each issue once, the replay nothing
    ids = [v.id for v in first.issued]
    with database.transaction(write=False) as session:
        ids = [v.id for v in first.issued]  # the PostgreSQL database is shared by the session
        query = select(func.count()).where(AuditEvent.voucher_id.in_(ids))
        assert session.scalar(query) == 4


def test_the_lifecycle_through_the_services(database: Database, issuer: Issuer) -> None:
    gsp, party = new_gsp(database)
    result = database.run(
        lambda s: ingest(s, prepare(gsp, event_for(party), PROGRAM_MODELS, issuer, NOW))
    )
    voucher = result.issued[0]
    holder = Principal(Kind.HOLDER, secret=voucher.holder_secret)
    with database.transaction() as session:
        made = parties.add_provider(session, name="Fix", categories=[voucher.kind], now=NOW)
    provider = Principal(Kind.PROVIDER, made["provider_id"])
    verifier = Verifier(issuer.ring.jwks())
    later = NOW + timedelta(hours=1)
    with database.transaction() as session:
        services.activate(session, voucher.id, holder, later)
        services.assign(session, voucher.id, holder, made["provider_id"], later)
        services.redeem(session, voucher.id, provider, voucher.token, verifier, later)
        done = services.complete(session, voucher.id, provider, "fixed", later)
        assert done.state == VoucherState.COMPLETED
    with database.transaction() as session, pytest.raises(IllegalTransition):
        services.redeem(session, voucher.id, provider, voucher.token, verifier, later)
