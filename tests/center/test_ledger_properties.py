"""Ledger properties (hypothesis): for any sequence of business events — vouchers issued and
voided, services assessed, incentives released, redeemed or lapsed, claims filed and decided —
every transaction sums to zero in one currency, every balance equals the sum of its entries,
and replaying any request changes no balance. Through the real views (Flask's test client) on
SQLite; the same code paths run on PostgreSQL in the HTTP tests."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ascc_plugin.signatures import standard_headers
from center.api.hub import current_hub
from center.incentives.models import Incentive
from center.incentives.services import lapse_due
from center.ledger.models import LedgerEntry
from center.ledger.services import balances
from center.parties import services as parties
from tests.common.hub import LiveHub, Party, event_body
from tests.common.rewards import PROGRAMS, rewards_hub

STAGES = (
    "void",
    "issued",
    "completed",
    "assessed",
    "released",
    "redeemed",
    "lapsed",
    "cancelled",
    "cancelled after release",
)


@dataclass(frozen=True)
class Plan:
    stage: str
    score: int
    claims: tuple[int, ...]
    approve: bool


plans = st.builds(
    Plan,
    st.sampled_from(STAGES),
    st.integers(1, 5),
    st.lists(st.integers(1, 20_000), max_size=3).map(tuple),
    st.booleans(),
)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    folder = tmp_path_factory.mktemp("ledger-properties")
    url = f"sqlite:///{folder / 'center.sqlite'}"
    with rewards_hub(
        folder, url, "sqlite", incentive_hold_hours=0, incentive_pair_limit=100
    ) as live:
        yield live


class Walker:
    """Sends each request through the views, then sends it again and checks no balance moved."""

    def __init__(self, hub: LiveHub) -> None:
        self.hub, self.client = hub, hub.app.test_client()

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self.hub.database.transaction(write=False) as session:
            query = select(LedgerEntry.account, LedgerEntry.currency, func.sum(LedgerEntry.amount))
            rows = session.execute(query.group_by(LedgerEntry.account, LedgerEntry.currency))
            return {(a, c): int(s) for a, c, s in rows}

    def twice(self, method: str, path: str, key: str | None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        headers.update(kwargs.pop("headers", {}))
        first = self.client.open(path, method=method, headers=headers, **kwargs)
        after = self.snapshot()
        self.client.open(path, method=method, headers=headers, **kwargs)
        assert self.snapshot() == after, f"replaying {method} {path} moved a balance"
        return first

    def event(self, gsp: Party, body: bytes, webhook_id: str) -> Any:
        now = int(self.hub.clock().timestamp())  # type: ignore[attr-defined]
        headers = {"ASCC-Domain": gsp.shop, **standard_headers(gsp.secret, webhook_id, now, body)}
        return self.twice("POST", "/api/v1/events", None, data=body, headers=headers)


def walk(walker: Walker, gsp: Party, provider: Party, plan: Plan, n: int) -> None:
    order = f"o-{gsp.id}-{n}"
    issued = walker.event(gsp, event_body(gsp, programs=PROGRAMS, order_id=order), f"m-{order}")
    voucher = next(v for v in issued.json["vouchers"] if v["program"] == "repair-12m")
    if plan.stage == "void":
        cancelled = event_body(gsp, programs=PROGRAMS, order_id=order, cancelled=True)
        walker.event(gsp, cancelled, f"c-{order}")
        return
    if plan.stage == "issued":
        return
    path, holder = f"/api/v1/vouchers/{voucher['id']}", voucher["holder_secret"]
    walker.twice("POST", path + "/activate", holder)
    walker.twice("POST", path + "/assign", holder, json={"provider_id": provider.id})
    walker.twice("POST", path + "/redeem", provider.key, json={"token": voucher["token"]})
    walker.twice("POST", path + "/complete", provider.key, json={})
    for i, cents in enumerate(plan.claims):
        body = {"amount": f"{cents // 100}.{cents % 100:02d}", "description": "costs"}
        filed = walker.twice(
            "POST", path + "/claims", provider.key, json=body, headers={"Idempotency-Key": f"k{i}"}
        ).json
        if filed["status"] == "pending":
            decision = {"approve": plan.approve}
            walker.twice("POST", f"/api/v1/claims/{filed['id']}/decision", walker.hub.admin_key,
                         json=decision)  # fmt: skip
    if plan.stage == "completed":
        return
    incentive = walker.twice("POST", path + "/assessment", holder, json={"score": plan.score}).json
    incentive = incentive["incentive"]
    if incentive is None or plan.stage == "assessed":
        return
    ipath = f"/api/v1/incentives/{incentive['id']}"
    if plan.stage == "lapsed":
        with walker.hub.database.transaction() as session:
            lapse_due(session, walker.hub.clock() + timedelta(days=31))  # type: ignore[attr-defined]
        return
    if plan.stage == "cancelled":
        walker.twice("POST", ipath + "/cancel", walker.hub.admin_key, json={})
        return
    walker.twice("POST", ipath + "/release", holder, json={"provider_id": provider.id})
    if plan.stage == "cancelled after release":
        walker.twice("POST", ipath + "/cancel", walker.hub.admin_key, json={})
    if plan.stage == "redeemed":
        walker.twice("POST", ipath + "/redeem", provider.key, json={"token": incentive["token"]})


def check_invariants(hub: LiveHub) -> None:
    """Each transaction (the entries of one ``(kind, ref)``) sums to zero in one currency; each
    account's balance is the sum of its entries."""
    with hub.database.transaction(write=False) as session:
        per_transaction = session.execute(
            select(
                func.sum(LedgerEntry.amount),
                func.count(func.distinct(LedgerEntry.currency)),
                func.count(),
            ).group_by(LedgerEntry.kind, LedgerEntry.ref)
        ).all()
        assert all(total == 0 and currencies == 1 for total, currencies, _ in per_transaction)
        assert all(legs >= 2 for _, _, legs in per_transaction)
        entries = session.execute(
            select(LedgerEntry.currency, LedgerEntry.account, LedgerEntry.amount)
        ).all()
        summed: dict[str, dict[str, int]] = {}
        for currency, account, amount in entries:
            summed.setdefault(account, {}).setdefault(currency, 0)
            summed[account][currency] += amount
        for account, expected in summed.items():
            assert balances(session, account) == expected
        check_incentives_settle(session)


SETTLED = {
    # what an incentive leaves on each account once its life ended (debit +, credit −)
    "redeemed": {"incentive-expense": 1, "receivable": -1},
    "lapsed": {},
    "cancelled": {},
}


def check_incentives_settle(session: Any) -> None:
    """Money is conserved along each incentive's life: a redeemed one leaves its amount as the
    store's expense and the provider's receivable; a lapsed or cancelled one leaves nothing."""
    states = dict(session.execute(select(Incentive.id, Incentive.state)).all())
    amounts = dict(session.execute(select(Incentive.id, Incentive.amount)).all())
    left: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(LedgerEntry.ref, LedgerEntry.account, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.kind.like("incentive.%"))
        .group_by(LedgerEntry.ref, LedgerEntry.account)
    )
    for ref, account, total in rows:
        if total:
            left.setdefault(ref, {})[account.rsplit(":", 1)[-1]] = int(total)
    for ref, state in states.items():
        if state.value in SETTLED:
            expected = {k: sign * amounts[ref] for k, sign in SETTLED[state.value].items()}
            assert left.get(ref, {}) == expected, (ref, state)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(plans, min_size=1, max_size=4))
def test_any_sequence_keeps_the_ledger_balanced(hub: LiveHub, sequence: list[Plan]) -> None:
    shop = f"p-{secrets.token_hex(6)}.example"
    with hub.app.app_context(), hub.database.transaction() as session:
        now = current_hub().clock()
        gsp_made = parties.add_gsp(session, name="P", platform="shopify", shop=shop, now=now)
        provider_made = parties.add_provider(session, name="F", categories=["repair"], now=now)
    gsp = Party(gsp_made["gsp_id"], gsp_made["api_key"], gsp_made["signing_secret"], shop)
    provider = Party(provider_made["provider_id"], provider_made["api_key"])
    walker = Walker(hub)
    for n, plan in enumerate(sequence):
        walk(walker, gsp, provider, plan, n)
    check_invariants(hub)


def test_invariants_hold_on_an_empty_ledger(tmp_path: Path) -> None:
    with rewards_hub(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}", "sqlite") as hub:
        check_invariants(hub)
