"""Tenant isolation for every reward endpoint: others' ids answer 404, byte-identical to ids
that do not exist; no key is 401 whatever the id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.common.hub import LiveHub
from tests.common.rewards import assess, completed, rewards_hub

MISSING_VOUCHER = "0000-0000-0000-0000-0"
MISSING_INCENTIVE = "0000-0000-0000-0000-1"  # well formed in the incentive namespace
MISSING_CLAIM = "clm-0000000000000000"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp(f"isolation-{request.param}")
    url = (
        f"sqlite:///{folder / 'center.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    with rewards_hub(folder, url, request.param) as hub:
        gsp, other_gsp = hub.new_gsp(), hub.new_gsp()
        provider, other_provider = hub.new_provider(), hub.new_provider()
        voucher = completed(hub, gsp, provider)
        incentive = assess(hub, voucher, 5).json()["incentive"]
        to_assess = completed(hub, gsp, provider)
        claim = hub.call(
            "POST",
            f"/api/v1/vouchers/{voucher['id']}/claims",
            provider.key,
            json={"amount": "20.00", "description": "parts"},
        ).json()
        stranger = completed(hub, other_gsp, other_provider)
        yield {
            "hub": hub,
            "ids": {
                "voucher": to_assess["id"],
                "claimed": voucher["id"],
                "incentive": incentive["id"],
                "claim": claim["id"],
            },
            "bodies": {"provider": provider.id, "token": incentive["token"]},
            "strangers": {
                "other GSP": other_gsp.key,
                "other provider": other_provider.key,
                "wrong holder secret": stranger["holder_secret"],
                "made-up holder secret": "hld_" + "x" * 27,
            },
        }


# (method, path template, id kind, missing id, body)
ENDPOINTS = [
    ("POST", "/api/v1/vouchers/{}/assessment", "voucher", MISSING_VOUCHER, {"score": 5}),
    ("POST", "/api/v1/vouchers/{}/claims", "claimed", MISSING_VOUCHER,
     {"amount": "5.00", "description": "x"}),
    ("GET", "/api/v1/incentives/{}", "incentive", MISSING_INCENTIVE, None),
    ("POST", "/api/v1/incentives/{}/release", "incentive", MISSING_INCENTIVE, "release"),
    ("POST", "/api/v1/incentives/{}/redeem", "incentive", MISSING_INCENTIVE, "redeem"),
    ("GET", "/api/v1/claims/{}", "claim", MISSING_CLAIM, None),
]  # fmt: skip
STRANGERS = ["other GSP", "other provider", "wrong holder secret", "made-up holder secret"]


def body_for(kind: Any, world: dict[str, Any]) -> Any:
    if kind == "release":
        return {"provider_id": world["bodies"]["provider"]}
    if kind == "redeem":
        return {"token": world["bodies"]["token"]}
    return kind


@pytest.mark.parametrize("method,template,kind,missing,body", ENDPOINTS)
@pytest.mark.parametrize("who", STRANGERS)
def test_others_get_404_identical_to_a_missing_id(
    world: dict[str, Any], method: str, template: str, kind: str, missing: str, body: Any, who: str
) -> None:
    hub: LiveHub = world["hub"]
    key = world["strangers"][who]
    json_body = body_for(body, world)
    real = hub.call(method, template.format(world["ids"][kind]), key, json=json_body)
    absent = hub.call(method, template.format(missing), key, json=json_body)
    assert real.status_code == absent.status_code == 404, real.text
    assert real.content == absent.content


@pytest.mark.parametrize("method,template,kind,missing,body", ENDPOINTS)
def test_no_key_is_401_whatever_the_id(
    world: dict[str, Any], method: str, template: str, kind: str, missing: str, body: Any
) -> None:
    hub: LiveHub = world["hub"]
    json_body = body_for(body, world)
    real = hub.call(method, template.format(world["ids"][kind]), None, json=json_body)
    absent = hub.call(method, template.format(missing), None, json=json_body)
    assert real.status_code == absent.status_code == 401
    assert real.content == absent.content


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("POST", "/api/v1/claims/{claim}/decision", {"approve": True}),
        ("POST", "/api/v1/incentives/{incentive}/cancel", {}),
        ("POST", "/api/v1/vouchers/{claimed}/assessment/moderation", {"hidden": True}),
    ],
)
@pytest.mark.parametrize("who", STRANGERS)
def test_operator_actions_refuse_everyone_else(
    world: dict[str, Any], method: str, path: str, body: Any, who: str
) -> None:
    hub: LiveHub = world["hub"]
    answer = hub.call(method, path.format(**world["ids"]), world["strangers"][who], json=body)
    assert answer.status_code in (401, 404)
    assert answer.headers["Content-Type"] == "application/problem+json"
