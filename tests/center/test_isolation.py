"""Tenant isolation: every read/write endpoint x every party that is not entitled → denied.

Denials reveal nothing: an existing voucher of someone else answers exactly like an id that
does not exist (404, same body), never 403.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.common.hub import LiveHub

MISSING_ID = "0000-0000-0000-0000-0"

OPERATIONS = [
    ("GET", "", None),
    ("POST", "/activate", None),
    ("POST", "/assign", "assign"),
    ("POST", "/redeem", "redeem"),
    ("POST", "/complete", {"notes": "x"}),
]


@pytest.fixture(scope="module")
def world(live: LiveHub) -> dict[str, Any]:
    """A voucher assigned to provider A, and every party that must not touch it."""
    gsp, other_gsp = live.new_gsp(), live.new_gsp()
    provider, other_provider = live.new_provider(), live.new_provider()
    voucher = next(v for v in live.issue(gsp) if v["kind"] == "repair")
    other_voucher = live.issue(other_gsp)[0]
    path = f"/api/v1/vouchers/{voucher['id']}"
    live.call("POST", path + "/activate", voucher["holder_secret"])
    live.call("POST", path + "/assign", voucher["holder_secret"], json={"provider_id": provider.id})
    return {
        "voucher": voucher,
        "provider": provider,
        "gsp": gsp,
        "strangers": {
            "other GSP": other_gsp.key,
            "other provider": other_provider.key,
            "wrong holder secret": other_voucher["holder_secret"],
            "made-up holder secret": "hld_" + "x" * 27,
        },
    }


def body_for(kind: Any, world: dict[str, Any]) -> Any:
    if kind == "assign":
        return {"provider_id": world["provider"].id}
    if kind == "redeem":
        return {"token": world["voucher"]["token"]}
    return kind


@pytest.mark.parametrize("method,suffix,kind", OPERATIONS)
@pytest.mark.parametrize(
    "who", ["other GSP", "other provider", "wrong holder secret", "made-up holder secret"]
)
def test_others_get_404_identical_to_a_missing_id(
    live: LiveHub, world: dict[str, Any], method: str, suffix: str, kind: Any, who: str
) -> None:
    key = world["strangers"][who]
    json_body = body_for(kind, world)
    real = live.call(
        method, f"/api/v1/vouchers/{world['voucher']['id']}{suffix}", key, json=json_body
    )
    missing = live.call(method, f"/api/v1/vouchers/{MISSING_ID}{suffix}", key, json=json_body)
    assert real.status_code == missing.status_code == 404
    assert real.json() == missing.json()


@pytest.mark.parametrize("method,suffix,kind", OPERATIONS)
def test_strangers_without_a_key_learn_nothing(
    live: LiveHub, world: dict[str, Any], method: str, suffix: str, kind: Any
) -> None:
    json_body = body_for(kind, world)
    real = live.call(
        method, f"/api/v1/vouchers/{world['voucher']['id']}{suffix}", None, json=json_body
    )
    missing = live.call(method, f"/api/v1/vouchers/{MISSING_ID}{suffix}", None, json=json_body)
    assert real.status_code == missing.status_code == 401
    assert real.json() == missing.json()


def test_parties_act_only_in_their_role(live: LiveHub, world: dict[str, Any]) -> None:
    """Its own store may read the voucher but not act as holder or provider."""
    path = f"/api/v1/vouchers/{world['voucher']['id']}"
    gsp_key = world["gsp"].key
    assert live.call("GET", path, gsp_key).status_code == 200
    assert live.call("GET", path, world["provider"].key).status_code == 200
    for suffix, body in (
        ("/activate", None),
        ("/assign", {"provider_id": "x"}),
        ("/redeem", {"token": world["voucher"]["token"]}),
    ):
        assert live.call("POST", path + suffix, gsp_key, json=body).status_code == 404
    assert live.call("GET", path, live.admin_key).status_code == 200


def test_records_are_scoped_to_the_caller(live: LiveHub, world: dict[str, Any]) -> None:
    voucher_id = world["voucher"]["id"]

    def ids(key: str, **params: str) -> set[str]:
        response = live.call("GET", "/api/v1/records", key, params={"limit": "200", **params})
        assert response.status_code == 200
        return {r["voucher_id"] for r in response.json()["items"]}

    assert voucher_id in ids(world["gsp"].key)
    assert voucher_id in ids(world["provider"].key)
    assert voucher_id not in ids(world["strangers"]["other GSP"])
    assert ids(world["strangers"]["other GSP"], gsp=world["gsp"].id) == set()
    assert voucher_id not in ids(world["strangers"]["other provider"])
    assert ids(world["strangers"]["other provider"], provider=world["provider"].id) == set()
    for key in (world["strangers"]["wrong holder secret"], None, "gsp_unknown", "adm_guess"):
        assert live.call("GET", "/api/v1/records", key).status_code == 401


def test_events_cannot_be_sent_for_another_store(live: LiveHub, world: dict[str, Any]) -> None:
    """Signed by store B but naming store A's domain: the signature does not verify."""
    from tests.common.hub import Party, event_body

    victim: Party = world["gsp"]
    attacker_secret = live.new_gsp().secret
    response = live.post_event(victim, event_body(victim), secret=attacker_secret)
    assert response.status_code == 401
