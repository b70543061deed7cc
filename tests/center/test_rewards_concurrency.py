"""Races through the real HTTP server on SQLite and PostgreSQL: 20 parallel assessments of one
voucher, 20 parallel incentive redeems, 20 parallel claims against one voucher's coverage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
from sqlalchemy import func, select

from center.assessments.models import Assessment
from center.incentives.models import Incentive
from center.insurance.models import Claim, Coverage
from center.ledger.models import LedgerEntry
from tests.common.hub import LiveHub
from tests.common.rewards import assess, completed, rewards_hub

from .test_concurrency import together

PARALLEL = 20


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    folder = tmp_path_factory.mktemp(f"races-{request.param}")
    url = (
        f"sqlite:///{folder / 'center.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    with rewards_hub(folder, url, request.param, incentive_hold_hours=0) as live:
        yield live


def post(hub: LiveHub, path: str, key: str, body: dict[str, object]) -> int:
    response = requests.post(
        hub.url(path), json=body, headers={"Authorization": f"Bearer {key}"}, timeout=60
    )
    return response.status_code


def count(hub: LiveHub, *query: object) -> int:
    with hub.database.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(*query)) or 0)  # type: ignore[arg-type]


def test_twenty_parallel_assessments_of_one_voucher_make_one(hub: LiveHub) -> None:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    path = f"/api/v1/vouchers/{voucher['id']}/assessment"
    statuses = Counter(
        together(PARALLEL, lambda: post(hub, path, voucher["holder_secret"], {"score": 5}))
    )
    assert statuses == Counter({200: 1, 409: PARALLEL - 1})
    with hub.database.transaction(write=False) as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(Assessment)
                .where(Assessment.voucher_id == voucher["id"])
            )
            == 1
        )
        assert (
            session.scalar(
                select(func.count())
                .select_from(Incentive)
                .where(Incentive.voucher_id == voucher["id"])
            )
            == 1
        )
    records = hub.call("GET", "/api/v1/providers", params={"limit": 200}).json()["items"]
    assert next(p for p in records if p["id"] == provider.id)["record"]["reviews"] == 1


def test_twenty_parallel_incentive_redeems_exactly_one_wins(hub: LiveHub) -> None:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    incentive = assess(hub, voucher, 5).json()["incentive"]
    path = f"/api/v1/incentives/{incentive['id']}"
    hub.call("POST", path + "/release", voucher["holder_secret"], json={"provider_id": provider.id})
    statuses = Counter(
        together(
            PARALLEL,
            lambda: post(hub, path + "/redeem", provider.key, {"token": incentive["token"]}),
        )
    )
    assert statuses == Counter({200: 1, 409: PARALLEL - 1})
    with hub.database.transaction(write=False) as session:
        redeemed = session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(
                LedgerEntry.kind == "incentive.redeemed",
                LedgerEntry.ref == incentive["id"],
            )
        )
    assert redeemed == 2  # one transaction: its two legs


def test_twenty_parallel_claims_never_pay_more_than_the_limit(hub: LiveHub) -> None:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    path = f"/api/v1/vouchers/{voucher['id']}/claims"
    body = {"amount": "25.00", "description": "parts"}  # net 15.00 each; limit 100.00
    statuses = Counter(together(PARALLEL, lambda: post(hub, path, provider.key, body)))
    assert statuses == Counter({200: PARALLEL})
    with hub.database.transaction(write=False) as session:
        coverage = session.get(Coverage, voucher["id"])
        approved = session.scalars(
            select(Claim.paid).where(Claim.voucher_id == voucher["id"], Claim.status == "approved")
        ).all()
        pending = session.scalar(
            select(func.count())
            .select_from(Claim)
            .where(Claim.voucher_id == voucher["id"], Claim.status == "pending")
        )
    assert coverage is not None and coverage.paid == sum(approved) <= coverage.limit
    assert (len(approved), pending) == (6, PARALLEL - 6)  # 6 × 15.00 fit in 100.00
    receivable = hub.call(
        "GET", f"/api/v1/ledger/accounts/provider:{provider.id}:receivable", hub.admin_key
    ).json()["balances"][0]["balance"]
    assert Decimal(receivable) == Decimal("90.00")
