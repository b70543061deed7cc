"""Bad input to the reward endpoints: a 4xx problem body, and nothing half-written (the voucher
keeps its state, no assessment, claim or ledger entry appears), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from center.assessments.models import Assessment
from center.insurance.models import Claim
from center.ledger.models import LedgerEntry
from tests.common.hub import LiveHub
from tests.common.rewards import assess, completed, rewards_hub

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    folder = tmp_path_factory.mktemp(f"input-{request.param}")
    url = (
        f"sqlite:///{folder / 'center.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    with rewards_hub(folder, url, request.param) as live:
        yield live


def rows(hub: LiveHub) -> tuple[int, int, int]:
    with hub.database.transaction(write=False) as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Assessment, Claim, LedgerEntry)
        )


@pytest.fixture
def served(hub: LiveHub) -> dict[str, Any]:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    return {"voucher": completed(hub, gsp, provider), "provider": provider, "gsp": gsp}


BAD_ASSESSMENTS = [
    {"score": 0},
    {"score": 6},
    {"score": "5"},
    {"score": 5.0},
    {"score": True},
    {"score": None},
    {},
    {"score": 5, "comment": "x" * 2001},
    {"score": 5, "comment": "nul \u0000 here"},
    {"score": 5, "comment": 7},
    {"score": 5, "extra": 1},
    [5],
]


@pytest.mark.parametrize("body", BAD_ASSESSMENTS, ids=[str(i) for i in range(len(BAD_ASSESSMENTS))])
def test_bad_assessments_are_refused_and_change_nothing(
    hub: LiveHub, served: dict[str, Any], body: Any
) -> None:
    voucher = served["voucher"]
    before = rows(hub)
    answer = hub.call(
        "POST", f"/api/v1/vouchers/{voucher['id']}/assessment", voucher["holder_secret"], json=body
    )
    assert 400 <= answer.status_code < 500 and answer.headers["Content-Type"] == PROBLEM
    assert rows(hub) == before
    state = hub.call("GET", f"/api/v1/vouchers/{voucher['id']}", voucher["holder_secret"])
    assert state.json()["state"] == "completed"


def test_malformed_json_is_400(hub: LiveHub, served: dict[str, Any]) -> None:
    voucher = served["voucher"]
    answer = hub.http.post(
        hub.url(f"/api/v1/vouchers/{voucher['id']}/assessment"),
        data=b'{"score": 5',
        headers={"Authorization": f"Bearer {voucher['holder_secret']}"},
        timeout=10,
    )
    assert answer.status_code == 400 and answer.headers["Content-Type"] == PROBLEM


BAD_CLAIMS = [
    {"amount": "-5.00", "description": "x"},
    {"amount": "0", "description": "x"},
    {"amount": 12.5, "description": "x"},
    {"amount": 12, "description": "x"},
    {"amount": "12.345", "description": "x"},
    {"amount": "1e400", "description": "x"},
    {"amount": "NaN", "description": "x"},
    {"amount": "12.00", "currency": "USD", "description": "x"},
    {"amount": "12.00", "currency": "eur", "description": "x"},
    {"amount": "12.00", "description": ""},
    {"amount": "12.00", "description": "a\u0000b"},
    {"amount": "12.00"},
]


@pytest.mark.parametrize("body", BAD_CLAIMS, ids=[str(i) for i in range(len(BAD_CLAIMS))])
def test_bad_claims_are_refused_and_change_nothing(
    hub: LiveHub, served: dict[str, Any], body: Any
) -> None:
    voucher, provider = served["voucher"], served["provider"]
    before = rows(hub)
    answer = hub.call("POST", f"/api/v1/vouchers/{voucher['id']}/claims", provider.key, json=body)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["Content-Type"] == PROBLEM
    assert rows(hub) == before


def test_a_claim_on_a_voucher_not_yours_is_404_and_on_an_unserved_one_409(
    hub: LiveHub, served: dict[str, Any]
) -> None:
    other = hub.new_provider()
    body = {"amount": "12.00", "description": "x"}
    path = f"/api/v1/vouchers/{served['voucher']['id']}/claims"
    assert hub.call("POST", path, other.key, json=body).status_code == 404
    assert hub.call("POST", path, served["gsp"].key, json=body).status_code == 404
    from tests.common.rewards import issue

    fresh = issue(hub, served["gsp"])
    path = f"/api/v1/vouchers/{fresh['id']}/claims"
    assert hub.call("POST", path, served["provider"].key, json=body).status_code == 404


def test_a_replayed_claim_with_its_key_changes_no_balance(
    hub: LiveHub, served: dict[str, Any]
) -> None:
    voucher, provider = served["voucher"], served["provider"]
    path = f"/api/v1/vouchers/{voucher['id']}/claims"
    body = {"amount": "30.00", "description": "pump"}
    headers = {"Authorization": f"Bearer {provider.key}", "Idempotency-Key": "inv-0001"}

    def send(sent: dict[str, str]) -> Any:
        return hub.http.post(hub.url(path), json=sent, headers=headers, timeout=10)

    first = send(body)
    before = rows(hub)
    again = send(body)
    assert again.json() == first.json() and rows(hub) == before
    other = send({**body, "amount": "31.00"})
    assert other.status_code == 409 and rows(hub) == before


def test_bad_releases_and_redeems(hub: LiveHub, served: dict[str, Any]) -> None:
    voucher, provider = served["voucher"], served["provider"]
    incentive = assess(hub, voucher, 5).json()["incentive"]
    path = f"/api/v1/incentives/{incentive['id']}"
    holder = voucher["holder_secret"]
    before = rows(hub)
    for body in ({}, {"provider_id": ""}, {"provider_id": "x" * 41}, {"provider_id": 5}):
        answer = hub.call("POST", path + "/release", holder, json=body)
        assert 400 <= answer.status_code < 500
    hub.call("POST", path + "/release", holder, json={"provider_id": provider.id})
    during = rows(hub)
    for token in ("", "not-a-token", served["voucher"]["token"]):
        answer = hub.call("POST", path + "/redeem", provider.key, json={"token": token})
        assert answer.status_code == 422, answer.text
    assert rows(hub) == during and during[2] > before[2]
    assert hub.call("GET", path, holder).json()["state"] == "released"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/ledger/accounts/policy:care-plus%00:premiums",
        "/api/v1/claims/clm-%00",
        "/api/v1/claims/clm-%00/decision",
        "/api/v1/incentives/%00",
        "/api/v1/ledger/accounts/" + "x" * 161,
    ],
)
def test_control_characters_in_ids_are_404_for_the_operator_too(hub: LiveHub, path: str) -> None:
    method = "POST" if path.endswith("/decision") else "GET"
    body = {"approve": True} if method == "POST" else None
    answer = hub.call(method, path, hub.admin_key, json=body)
    assert answer.status_code == 404 and answer.headers["Content-Type"] == PROBLEM
