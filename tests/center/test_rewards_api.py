"""The reward half over loopback HTTP, on SQLite and on PostgreSQL: assessment → incentive →
release → (hold) → redeem → ``rewarded``; the rules that give no incentive; moderation; flags;
the ledger and the report agreeing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ascc_plugin.tokens import INCENTIVE_TYP, Verifier
from center.ops.models import JobRun
from center.worker.runner import Worker
from tests.common.hub import LiveHub, Party
from tests.common.rewards import MovableClock, assess, completed, post, rewards_hub

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    folder = tmp_path_factory.mktemp(f"rewards-{request.param}")
    url = (
        f"sqlite:///{folder / 'center.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    with rewards_hub(folder, url, request.param, incentive_pair_limit=2) as live:
        yield live


def balance(hub: LiveHub, account: str) -> Decimal:
    answer = hub.call("GET", f"/api/v1/ledger/accounts/{account}", hub.admin_key)
    assert answer.status_code == 200, answer.text
    found = answer.json()["balances"]
    return Decimal(found[0]["balance"]) if found else Decimal(0)


def test_the_whole_life_ends_rewarded(hub: LiveHub) -> None:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    answer = assess(hub, voucher, 5, comment="<b>Quick</b> & friendly")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["assessment"]["comment"] == "<b>Quick</b> & friendly"  # stored as text, as given
    incentive = body["incentive"]
    assert (incentive["amount"], incentive["currency"], body["reason"]) == ("10.00", "EUR", None)
    assert incentive["id"] != voucher["id"]
    jwks = hub.call("GET", "/.well-known/jwks.json").json()
    claims = Verifier(jwks).verify(incentive["token"], typ=INCENTIVE_TYP)
    assert (claims["sub"], claims["voucher"], claims["provider"]) == (
        incentive["id"],
        voucher["id"],
        provider.id,
    )
    path = f"/api/v1/incentives/{incentive['id']}"
    holder = voucher["holder_secret"]
    assert (
        hub.call("GET", f"/api/v1/vouchers/{voucher['id']}", holder).json()["state"] == "assessed"
    )
    released = hub.call("POST", path + "/release", holder, json={"provider_id": provider.id})
    assert released.json()["state"] == "released"
    again = hub.call("POST", path + "/release", holder, json={"provider_id": provider.id})
    assert again.status_code == 200  # a repeated hand-over is a no-op
    held = hub.call("POST", path + "/redeem", provider.key, json={"token": incentive["token"]})
    assert held.status_code == 409 and "on hold until" in held.json()["detail"]
    hub.clock.advance(hours=72)  # type: ignore[attr-defined]
    redeemed = hub.call("POST", path + "/redeem", provider.key, json={"token": incentive["token"]})
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["state"] == "redeemed" and redeemed.json()["token"] is None
    second = hub.call("POST", path + "/redeem", provider.key, json={"token": incentive["token"]})
    assert second.status_code == 409
    record = hub.call("GET", f"/api/v1/vouchers/{voucher['id']}", holder).json()
    assert record["state"] == "rewarded"
    assert balance(hub, f"provider:{provider.id}:receivable") == Decimal("10.00")
    assert balance(hub, f"gsp:{gsp.id}:incentives") == 0
    assert balance(hub, f"gsp:{gsp.id}:incentive-expense") == Decimal("10.00")
    history = hub.call("GET", "/api/v1/records", gsp.key, params={"limit": 200}).json()["items"]
    actions = [
        e["action"] for r in history if r["voucher_id"] == voucher["id"] for e in r["history"]
    ]
    assert actions == [
        "issue", "activate", "assign", "redeem", "complete", "assess",
        "incentive.issue", "incentive.release", "incentive.redeem", "reward",
    ]  # fmt: skip


def test_a_second_assessment_is_409_and_only_the_holder_of_a_completed_voucher_rates(
    hub: LiveHub,
) -> None:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    assert assess(hub, voucher, 4).status_code == 200
    second = assess(hub, voucher, 1)
    assert second.status_code == 409 and second.headers["Content-Type"] == PROBLEM
    fresh = completed(hub, gsp, provider)
    by_provider = hub.call(
        "POST", f"/api/v1/vouchers/{fresh['id']}/assessment", provider.key, json={"score": 5}
    )
    assert by_provider.status_code == 404
    from tests.common.rewards import issue

    early = issue(hub, gsp)
    assert assess(hub, early, 5).status_code == 409  # not completed: nothing to rate


def test_no_incentive_for_a_zero_or_missing_schedule_entry_reason_given(hub: LiveHub) -> None:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    for score, reason in ((3, "score of 3"), (1, "score of 1")):
        body = assess(hub, completed(hub, gsp, provider), score).json()
        assert body["incentive"] is None and reason in body["reason"]


def test_the_pair_limit_records_the_assessment_without_an_incentive(hub: LiveHub) -> None:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    email = f"pair-{gsp.id}@example.com"
    given = [assess(hub, completed(hub, gsp, provider, email=email), 5).json() for _ in range(3)]
    assert [g["incentive"] is not None for g in given] == [True, True, False]
    assert "at most 2 incentives per customer and provider" in given[2]["reason"]
    assert given[2]["assessment"]["score"] == 5


def test_a_provider_sharing_the_customer_email_gets_none_and_is_flagged(hub: LiveHub) -> None:
    gsp = hub.new_gsp()
    with hub.app.app_context(), hub.database.transaction() as session:
        from center.parties import services as parties

        made = parties.add_provider(
            session,
            name="Cousin",
            categories=["repair"],
            now=hub.clock(),  # type: ignore[attr-defined]
            email="Same@Example.com",
        )
    provider = Party(made["provider_id"], made["api_key"])
    voucher = completed(hub, gsp, provider, email="same@example.com")
    body = assess(hub, voucher, 5).json()
    assert body["incentive"] is None and "flagged" in body["reason"]
    flags = hub.call("GET", "/api/v1/flags", hub.admin_key, params={"limit": 200}).json()["items"]
    assert {"kind": "same-email", "voucher_id": voucher["id"]}.items() <= next(
        f for f in flags if f["voucher_id"] == voucher["id"]
    ).items()
    assert hub.call("GET", "/api/v1/flags", gsp.key).status_code == 401
    assert hub.call("GET", "/api/v1/flags", provider.key).status_code == 401


def test_the_program_cap_stops_incentives(hub: LiveHub) -> None:
    from tests.common.rewards import PROGRAMS

    capped = [{**PROGRAMS[0], "incentive_cap": 1}, PROGRAMS[1]]
    gsp, provider = hub.new_gsp(), hub.new_provider()
    first = completed(hub, gsp, provider, programs=capped, email="a@example.com")
    second = completed(hub, gsp, provider, programs=capped, email="b@example.com")
    assert assess(hub, first, 5).json()["incentive"] is not None
    body = assess(hub, second, 5).json()
    assert body["incentive"] is None and "cap of 1 per 30 days" in body["reason"]


def test_release_goes_only_to_the_provider_who_served(hub: LiveHub) -> None:
    gsp, provider, other = hub.new_gsp(), hub.new_provider(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    incentive = assess(hub, voucher, 5).json()["incentive"]
    path = f"/api/v1/incentives/{incentive['id']}/release"
    refused = hub.call("POST", path, voucher["holder_secret"], json={"provider_id": other.id})
    assert refused.status_code == 422 and refused.headers["Content-Type"] == PROBLEM
    got = hub.call("GET", f"/api/v1/incentives/{incentive['id']}", voucher["holder_secret"])
    assert got.json()["state"] == "issued"
    assert balance(hub, f"provider:{other.id}:incentives-held") == 0


def test_unreleased_incentives_lapse_and_their_cost_is_reversed(hub: LiveHub) -> None:
    from center.incentives.services import lapse_due

    gsp, provider = hub.new_gsp(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    incentive = assess(hub, voucher, 4).json()["incentive"]
    hub.clock.advance(days=31)  # type: ignore[attr-defined]
    with hub.database.transaction() as session:
        assert lapse_due(session, hub.clock()) >= 1  # type: ignore[attr-defined]
    got = hub.call("GET", f"/api/v1/incentives/{incentive['id']}", voucher["holder_secret"])
    assert got.json()["state"] == "lapsed"
    assert balance(hub, f"gsp:{gsp.id}:incentive-expense") == 0
    late = hub.call(
        "POST",
        f"/api/v1/incentives/{incentive['id']}/release",
        voucher["holder_secret"],
        json={"provider_id": provider.id},
    )
    assert late.status_code == 409


def test_the_operator_hides_a_comment_and_the_score_stays(hub: LiveHub) -> None:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    assess(hub, voucher, 2, comment="rude words")
    path = f"/api/v1/vouchers/{voucher['id']}/assessment/moderation"
    assert hub.call("POST", path, gsp.key, json={"hidden": True}).status_code == 404
    hidden = hub.call("POST", path, hub.admin_key, json={"hidden": True, "reason": "abuse"})
    assert hidden.status_code == 200, hidden.text
    assert (hidden.json()["comment"], hidden.json()["score"]) == (None, 2)
    records = hub.call("GET", "/api/v1/records", hub.admin_key, params={"gsp": gsp.id}).json()
    history = next(r for r in records["items"] if r["voucher_id"] == voucher["id"])["history"]
    assert history[-1]["action"] == "assessment.hide" and history[-1]["detail"] == "abuse"


def test_ratings_are_earned_and_bayesian(hub: LiveHub) -> None:
    gsp = hub.new_gsp()
    steady, lucky = hub.new_provider(("repair",)), hub.new_provider(("repair",))
    for score in (5, 4, 5, 4, 5, 4):
        assess(hub, completed(hub, gsp, steady, email=f"s{score}{steady.id}@x.example"), score)
    assess(hub, completed(hub, gsp, lucky), 5)
    items = hub.call("GET", "/api/v1/providers", params={"limit": 200}).json()["items"]
    found = {p["id"]: p["record"] for p in items}
    assert found[lucky.id]["mean_score"] == 5.0 and found[lucky.id]["reviews"] == 1
    assert found[steady.id]["reviews"] == 6
    mean = found[lucky.id]["rating"]
    assert mean is not None and mean < 5.0  # one five is pulled toward the marketplace mean


def test_report_loss_ratio_and_reserve_equal_the_ledger(hub: LiveHub) -> None:
    provider, gsp = hub.new_provider(), hub.new_gsp()
    voucher = completed(hub, gsp, provider)
    claim = hub.call(
        "POST",
        f"/api/v1/vouchers/{voucher['id']}/claims",
        provider.key,
        json={"amount": "500.00", "description": "new board"},
    )
    assert claim.json()["status"] == "pending"
    end = (hub.clock() + timedelta(days=400)).isoformat()  # type: ignore[attr-defined]
    report = hub.call(
        "GET", "/api/v1/reports", hub.admin_key, params={"to": end, "from": "2000-01-01T00:00:00Z"}
    )
    assert report.status_code == 200, report.text
    eur = next(row for row in report.json()["insurance"] if row["currency"] == "EUR")
    premiums = balance(hub, "policy:care-plus:premiums")
    paid = balance(hub, "policy:care-plus:claims")
    assert Decimal(eur["premiums_earned"]) == premiums
    assert Decimal(eur["claims_paid"]) == paid
    assert Decimal(eur["reserve"]) == balance(hub, "policy:care-plus:reserve") > 0
    assert Decimal(eur["loss_ratio"]) == round(paid / premiums, 4)
    mine = hub.call("GET", "/api/v1/reports", provider.key, params={"to": end}).json()
    assert mine["scope"] == {"kind": "provider", "id": provider.id}
    assert {p["provider_id"] for p in mine["providers"]} <= {provider.id}


def test_ledger_accounts_are_their_owners_only(hub: LiveHub) -> None:
    gsp, provider, other = hub.new_gsp(), hub.new_provider(), hub.new_provider()
    mine = f"/api/v1/ledger/accounts/provider:{provider.id}:receivable"
    assert hub.call("GET", mine, provider.key).status_code == 200
    theirs = hub.call("GET", mine, other.key)
    missing = hub.call("GET", "/api/v1/ledger/accounts/provider:prv-nobody:receivable", other.key)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert (
        hub.call("GET", f"/api/v1/ledger/accounts/gsp:{gsp.id}:incentives", gsp.key).status_code
        == 200
    )
    assert (
        hub.call("GET", "/api/v1/ledger/accounts/policy:care-plus:premiums", gsp.key).status_code
        == 404
    )
    assert hub.call("GET", mine, None).status_code == 401


def body_of(answer: Any) -> dict[str, Any]:
    data: dict[str, Any] = answer.json()
    return data


def test_premiums_accrue_on_issue_and_reverse_on_void(hub: LiveHub, tmp_path: Path) -> None:
    from tests.common.hub import event_body
    from tests.common.rewards import PROGRAMS

    gsp = hub.new_gsp()
    expense = f"gsp:{gsp.id}:premium-expense"
    post(hub, gsp, event_body(gsp, programs=PROGRAMS, order_id="o-void", quantity=2))
    assert balance(hub, expense) == Decimal("9.90")  # 5 % of 99.00, twice
    cancelled = event_body(gsp, programs=PROGRAMS, order_id="o-void", quantity=2, cancelled=True)
    assert post(hub, gsp, cancelled).status_code == 200
    assert balance(hub, expense) == 0
    del tmp_path


@pytest.mark.parametrize("released", [False, True])
def test_the_operator_cancels_an_incentive_and_its_money_goes_back(
    hub: LiveHub, released: bool
) -> None:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    incentive = assess(hub, voucher, 5).json()["incentive"]
    path = f"/api/v1/incentives/{incentive['id']}"
    if released:
        hub.call(
            "POST", path + "/release", voucher["holder_secret"], json={"provider_id": provider.id}
        )
    assert hub.call("POST", path + "/cancel", provider.key, json={}).status_code == 404
    cancelled = hub.call("POST", path + "/cancel", hub.admin_key, json={"reason": "chargeback"})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    for account in (
        f"gsp:{gsp.id}:incentive-expense",
        f"gsp:{gsp.id}:incentives",
        f"provider:{provider.id}:incentives-held",
    ):
        assert balance(hub, account) == 0, account
    hub.clock.advance(hours=73)  # type: ignore[attr-defined]
    late = hub.call("POST", path + "/redeem", provider.key, json={"token": incentive["token"]})
    assert late.status_code == 409
    records = hub.call("GET", "/api/v1/records", hub.admin_key, params={"gsp": gsp.id}).json()
    history = next(r for r in records["items"] if r["voucher_id"] == voucher["id"])["history"]
    assert history[-1]["action"] == "incentive.cancel"
    assert history[-1]["detail"].endswith("chargeback")


def test_the_worker_lapses_unreleased_incentives_on_its_schedule(
    hub: LiveHub, worker_for: Callable[..., Worker]
) -> None:
    """The ``lapse-incentives`` job of ``ascc center worker``: nothing before the deadline, the
    incentive lapsed (and its run recorded) on the first tick after it."""
    gsp, provider = hub.new_gsp(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    incentive = assess(hub, voucher, 5).json()["incentive"]
    clock: MovableClock = hub.clock  # type: ignore[attr-defined]
    path = f"/api/v1/incentives/{incentive['id']}"
    worker_for(hub.database, clock=clock).tick()
    assert hub.call("GET", path, voucher["holder_secret"]).json()["state"] == "issued"
    clock.advance(days=31)
    worker_for(hub.database, clock=clock).tick()
    assert hub.call("GET", path, voucher["holder_secret"]).json()["state"] == "lapsed"
    with hub.database.transaction(write=False) as session:
        run = session.get(JobRun, "lapse-incentives")
    assert run is not None and run.last_count >= 1


def test_report_counts_incentives_per_stamp_and_splits_the_period_from_the_reserve(
    hub: LiveHub,
) -> None:
    """The report's incentives (one scan, a count and a sum per stamp) and its insurance (one
    ledger statement: the period's sums and the reserve up to its end) on a provider's own
    scope and on a period that holds nothing but follows a reserve."""
    provider, gsp = hub.new_provider(), hub.new_gsp()
    voucher = completed(hub, gsp, provider)
    incentive = assess(hub, voucher, 5).json()["incentive"]
    released = hub.call(
        "POST",
        f"/api/v1/incentives/{incentive['id']}/release",
        voucher["holder_secret"],
        json={"provider_id": provider.id},
    )
    assert released.status_code == 200, released.text
    now = hub.clock()  # type: ignore[attr-defined]
    end = (now + timedelta(days=1)).isoformat()
    mine = hub.call("GET", "/api/v1/reports", provider.key, params={"to": end}).json()
    amount = {incentive["currency"]: incentive["amount"]}
    assert mine["incentives"] == {
        "issued": {"count": 1, "amounts": amount},
        "released": {"count": 1, "amounts": amount},
        "redeemed": {"count": 0, "amounts": {}},
        "lapsed": {"count": 0, "amounts": {}},
    }
    whole = hub.call(
        "GET", "/api/v1/reports", hub.admin_key, params={"to": end, "from": "2000-01-01T00:00:00Z"}
    ).json()
    later = hub.call(
        "GET",
        "/api/v1/reports",
        hub.admin_key,
        params={"from": (now + timedelta(hours=1)).isoformat(), "to": end},
    ).json()
    for row in whole["insurance"]:
        same = next(r for r in later["insurance"] if r["currency"] == row["currency"])
        assert Decimal(same["premiums_earned"]) == Decimal(same["claims_paid"]) == 0
        assert same["reserve"] == row["reserve"] and same["loss_ratio"] is None
    assert all(later["incentives"][name]["count"] == 0 for name in later["incentives"])
