"""``mode = "gsp"``: the store issues with the hub's own service layer, and behaves like the hub.

Real processes on loopback: a center, a store forwarding to it (``center`` mode, which holds no
key) and a store issuing itself (``gsp`` mode). The two issuers — the hub and the gsp store —
share one key folder and one shop domain, so the same order must get the same voucher ids and
the same answers at every lifecycle step.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec
from adapters.shopify.emulator import ShopifyEmulator
from ascc_plugin.keys import generate_key
from simulator.services import (
    Service,
    ascc_json,
    center_service,
    poll_until,
    run_ascc,
    store_service,
)
from tests.common.settings import store_config

SHOP = "twin.myshopify.com"
WEBHOOK_SECRET = "shpss_twin_secret"
POLICY = ["--id", "twin-care", "--insurer", "Mutual", "--currency", "USD"]
POLICY += ["--premium-rate", "0.02", "--coverage-limit", "200.00", "--deductible", "20.00"]
PROGRAMS = [
    {
        "id": "repair-12m",
        "kind": "repair",
        "term_months": 12,
        "match": {"min_unit_price": "100.00"},
        "incentive": {"5": "12.00", "4": "6.00"},
        "insurance_policy": "twin-care",
    },
    {"id": "support-24m", "kind": "support", "term_months": 24},
]


@dataclass
class Site:
    """Where a customer and a provider talk to: the hub, or the store in gsp mode."""

    url: str
    deliveries: Path
    provider_id: str
    provider_key: str


def store_toml(folder: Path, mode: str, **tables: Any) -> Path:
    return store_config(
        folder,
        store={"shop": SHOP, "mode": mode, "webhook_secret": WEBHOOK_SECRET},
        delivery={"channels": ["log"]},
        programs=PROGRAMS,
        **tables,
    )


def stopping(*services: Service) -> Iterator[None]:
    try:
        yield
    finally:
        for service in services:
            service.stop()


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Site]]:
    root = tmp_path_factory.mktemp("twins")
    keys = root / "keys"
    generate_key(keys)
    center = center_service(root / "center")
    center.env["ASCC_KEYS_DIR"] = str(keys)
    center.env["ASCC_HUB_INCENTIVE_HOLD_HOURS"] = "0"  # the walk redeems its incentive at once
    run_ascc(["center", "init-db"], center.env)
    ascc_json(["center", "add-policy", *POLICY], center.env)
    gsp = ascc_json(
        ["center", "add-gsp", "--name", "Twin", "--platform", "shopify", "--shop", SHOP], center.env
    )
    hub_provider = ascc_json(
        ["center", "add-provider", "--name", "Fixit", "--categories", "repair,support"], center.env
    )
    center_table = {
        "url": center.url,
        "signing_secret": gsp["signing_secret"],
        "retry_base_seconds": 0.1,
    }
    forwarding = store_toml(root / "forwarding", "center", center=center_table)
    issuing = store_toml(
        root / "issuing", "gsp", keys={"dir": str(keys)}, gsp={"incentive_hold_hours": 0}
    )
    gsp_env = {
        "ASCC_DATABASE_URL": f"sqlite:///{issuing.parent / 'ascc-gsp.sqlite'}",
        "ASCC_KEYS_DIR": str(keys),
    }
    services = [center.start(), store_service(forwarding).start(), store_service(issuing).start()]
    ascc_json(["center", "add-policy", *POLICY], gsp_env)
    store_provider = ascc_json(
        ["center", "add-provider", "--name", "Fixit", "--categories", "repair,support"], gsp_env
    )
    generator = stopping(*services)
    next(generator)
    yield {
        "center": Site(
            center.url,
            forwarding.parent / "ascc-deliveries.jsonl",
            str(hub_provider["provider_id"]),
            str(hub_provider["api_key"]),
        ),
        "gsp": Site(
            services[2].url,
            issuing.parent / "ascc-deliveries.jsonl",
            str(store_provider["provider_id"]),
            str(store_provider["api_key"]),
        ),
        "stores": {"center": services[1].url, "gsp": services[2].url},  # type: ignore[dict-item]
        "keys": keys,  # type: ignore[dict-item]
    }
    next(generator, None)


def order(order_id: int) -> OrderSpec:
    now = datetime.now(UTC)
    return OrderSpec(
        id=order_id,
        lines=(
            LineSpec(id=11, title="Washer", quantity=2, price="649.00", sku="WASH"),
            LineSpec(id=12, title="Hose", quantity=1, price="19.90", sku="HOSE"),
        ),
        customer=CustomerSpec(
            id=3, email="grace@example.com", first_name="Grace", last_name="Hopper"
        ),
        created_at=now,
        updated_at=now,
        paid=True,
    )


def delivered(log: Path, count: int, seconds: float = 20.0) -> list[dict[str, Any]]:
    """The delivered vouchers of ``log`` once it holds ``count``, waiting up to ``seconds``."""

    def lines() -> list[str] | None:
        found = log.read_text().splitlines() if log.exists() else []
        return found if len(found) >= count else None

    return [json.loads(line)["voucher"] for line in poll_until(lines, str(log), seconds)]


def walk(site: Site, voucher: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    """Every lifecycle step, legal and illegal, as (step, HTTP status, state afterwards)."""
    holder = {"Authorization": f"Bearer {voucher['holder_secret']}"}
    provider = {"Authorization": f"Bearer {site.provider_key}"}
    base = f"{site.url}/api/v1/vouchers/{voucher['id']}"
    steps = [
        ("provider before assignment", "post", "/complete", provider, {"notes": "x"}),
        ("activate", "post", "/activate", holder, None),
        ("activate again", "post", "/activate", holder, None),
        ("assign", "post", "/assign", holder, {"provider_id": site.provider_id}),
        ("complete before redeem", "post", "/complete", provider, {"notes": "x"}),
        ("redeem", "post", "/redeem", provider, {"token": voucher["token"]}),
        ("redeem again", "post", "/redeem", provider, {"token": voucher["token"]}),
        ("complete", "post", "/complete", provider, {"notes": "fixed the pump"}),
        ("stranger reads", "get", "", {"Authorization": "Bearer hld_nobody"}, None),
    ]
    seen = []
    for name, method, path, headers, body in steps:
        answer = requests.request(method, base + path, headers=headers, json=body, timeout=10)
        state = requests.get(base, headers=holder, timeout=10).json().get("state")
        seen.append((name, answer.status_code, state))
    return seen + reward_walk(site, voucher)


def reward_walk(site: Site, voucher: dict[str, Any]) -> list[tuple[str, int, Any]]:
    """assess → release → redeem → rewarded, and a cost claim: (step, status, what it said)."""
    holder = {"Authorization": f"Bearer {voucher['holder_secret']}"}
    provider = {"Authorization": f"Bearer {site.provider_key}"}
    base = f"{site.url}/api/v1"

    def call(path: str, headers: dict[str, str], body: Any) -> requests.Response:
        return requests.post(base + path, headers=headers, json=body, timeout=10)

    assessed = call(f"/vouchers/{voucher['id']}/assessment", holder, {"score": 5})
    incentive = assessed.json()["incentive"]
    path = f"/incentives/{incentive['id']}"
    released = call(path + "/release", holder, {"provider_id": site.provider_id})
    redeemed = call(path + "/redeem", provider, {"token": incentive["token"]})
    again = call(path + "/redeem", provider, {"token": incentive["token"]})
    claim = call(
        f"/vouchers/{voucher['id']}/claims", provider, {"amount": "50.00", "description": "x"}
    )
    state = requests.get(f"{base}/vouchers/{voucher['id']}", headers=holder, timeout=10).json()
    kept = ("id", "voucher_id", "amount", "currency", "state")
    return [
        ("assess", assessed.status_code, {k: incentive[k] for k in kept}),
        ("release", released.status_code, released.json()["state"]),
        ("redeem incentive", redeemed.status_code, redeemed.json()["state"]),
        ("redeem incentive again", again.status_code, again.json()["status"]),
        ("claim", claim.status_code, {k: claim.json()[k] for k in ("status", "paid", "currency")}),
        ("rewarded", 200, state["state"]),
    ]


def test_gsp_and_center_mode_issue_the_same_ids_and_behave_alike(sites: dict[str, Any]) -> None:
    spec = order(880001)
    shop = ShopifyEmulator(WEBHOOK_SECRET, shop=SHOP)
    for mode in ("center", "gsp"):
        assert (
            shop.order_request("orders/paid", spec).send(sites["stores"][mode]).status_code == 200
        )
    # repair covers the two washers; support covers all three units
    hub_vouchers = delivered(sites["center"].deliveries, 5)
    store_vouchers = delivered(sites["gsp"].deliveries, 5)
    assert sorted(v["id"] for v in hub_vouchers) == sorted(v["id"] for v in store_vouchers)
    assert all(v["holder_url"].startswith(sites["gsp"].url) for v in store_vouchers)

    repairs = [v for v in hub_vouchers if v["program"] == "repair-12m"]  # incentive + policy
    first = sorted(repairs, key=lambda v: v["id"])[0]
    twin = next(v for v in store_vouchers if v["id"] == first["id"])
    hub_walk, store_walk = walk(sites["center"], first), walk(sites["gsp"], twin)
    assert hub_walk == store_walk
    assert [status for _, status, _ in hub_walk] == [
        *(404, 200, 200, 200, 409, 200, 409, 200, 404),
        *(200, 200, 200, 409, 200, 200),
    ]
    assert hub_walk[7][2] == "completed"
    assert hub_walk[-2][2] == {"status": "approved", "paid": "30.00", "currency": "USD"}
    assert hub_walk[-1][2] == "rewarded"
    views = [provider_view(sites[mode], first) for mode in ("center", "gsp")]
    assert views[0] == views[1] and "token" not in views[0]  # the token is the customer's


def provider_view(site: Site, voucher: dict[str, Any]) -> list[str]:
    """The fields of the assigned provider's view of ``voucher``."""
    answer = requests.get(
        f"{site.url}/api/v1/vouchers/{voucher['id']}",
        headers={"Authorization": f"Bearer {site.provider_key}"},
        timeout=10,
    )
    assert answer.status_code == 200
    return sorted(answer.json())


def test_a_redelivered_order_issues_nothing_new_in_gsp_mode(sites: dict[str, Any]) -> None:
    spec = order(880002)
    shop = ShopifyEmulator(WEBHOOK_SECRET, shop=SHOP)
    before = len(sites["gsp"].deliveries.read_text().splitlines())
    for topic in ("orders/paid", "orders/updated", "orders/paid"):
        assert shop.order_request(topic, spec).send(sites["stores"]["gsp"]).status_code == 200
    # gsp mode issues and delivers inside the webhook request: the log is complete now
    vouchers = [
        json.loads(line)["voucher"]
        for line in sites["gsp"].deliveries.read_text().splitlines()[before:]
    ]
    assert len({v["id"] for v in vouchers}) == len(vouchers) == 5
    jwks = requests.get(f"{sites['gsp'].url}/.well-known/jwks.json", timeout=10).json()
    assert jwks["keys"][0]["kty"] == "OKP"


def test_gsp_mode_without_keys_is_refused_at_start(tmp_path: Path) -> None:
    service = store_service(store_toml(tmp_path, "gsp"))
    with pytest.raises(Exception, match=r"keys\.dir: gsp mode signs vouchers"):
        service.start(ready_seconds=20)
    assert service.process is not None and service.process.wait(10) == 1


def test_privacy_requests_reach_the_hub_records_in_gsp_mode(sites: dict[str, Any]) -> None:
    spec = order(880003)
    store = sites["stores"]["gsp"]
    shop = ShopifyEmulator(WEBHOOK_SECRET, shop=SHOP)
    assert shop.order_request("orders/paid", spec).send(store).status_code == 200
    credentials = json.loads((sites["keys"] / "gsp-credentials.json").read_text())
    owner = {"Authorization": f"Bearer {credentials['api_key']}"}

    def records() -> list[dict[str, Any]]:
        answer = requests.get(f"{sites['gsp'].url}/api/v1/records", headers=owner, timeout=10)
        assert answer.status_code == 200
        return [r for r in answer.json()["items"] if r["order_id"] == "880003"]

    assert {r["customer"]["email"] for r in records()} == {"grace@example.com"}
    customer = {"id": 3, "email": "grace@example.com", "phone": None}
    redact = {
        "shop_id": 1,
        "shop_domain": SHOP,
        "customer": customer,
        "orders_to_redact": ["880003"],
    }
    assert shop.request("customers/redact", redact).send(store).status_code == 200
    assert {json.dumps(r["customer"]) for r in records()} <= {
        "null",
        json.dumps({"email": None, "name": None, "phone": None}),
    }
    assert len(records()) == 5  # the vouchers themselves stay


def repair_voucher(log: Path, order_id: str) -> dict[str, Any]:
    """The first repair voucher of ``order_id`` delivered to ``log`` (waiting for it)."""

    def found() -> dict[str, Any] | None:
        lines = log.read_text().splitlines() if log.exists() else []
        vouchers = [json.loads(line)["voucher"] for line in lines]
        mine = [v for v in vouchers if v["order_id"] == order_id and v["program"] == "repair-12m"]
        return min(mine, key=lambda v: v["id"]) if mine else None

    return poll_until(found, f"a voucher of {order_id} in {log}", 20)


def converse(site: Site, voucher: dict[str, Any]) -> list[tuple[int, str, str, Any]]:
    """Assign the voucher, then hold one scripted conversation over the site's channel."""
    from ascc_plugin.channel.client import CaseChannel

    holder_auth = {"Authorization": f"Bearer {voucher['holder_secret']}"}
    base = f"{site.url}/api/v1/vouchers/{voucher['id']}"
    requests.post(base + "/activate", headers=holder_auth, timeout=10).raise_for_status()
    assign = {"provider_id": site.provider_id}
    requests.post(base + "/assign", json=assign, headers=holder_auth, timeout=10).raise_for_status()
    holder = CaseChannel(site.url, voucher["id"], voucher["holder_secret"])
    provider = CaseChannel(site.url, voucher["id"], site.provider_key)
    holder.connect()
    provider.connect()
    holder.wait_ack(holder.message("the drum is stuck"))
    window = ("2026-12-01T08:00:00Z", "2026-12-01T09:00:00Z")
    proposal = provider.wait_ack(provider.propose(*window, remote=True))
    holder.wait_ack(holder.accept(proposal))
    holder.wait_ack(holder.present_voucher(voucher["token"]))
    presented = provider.frames_until(lambda f: f.type == "voucher")[-1]
    assert provider.verify_voucher(presented, provider.verifier())["sub"] == voucher["id"]
    assert provider.redeem(presented.body["token"]).status_code == 200
    seen = holder.frames_until(lambda f: f.body.get("event") == "redeemed")
    holder.close()
    provider.close()
    hidden = {"provider_id", "token"}
    return [
        (f.seq, f.type, f.sender, {k: v for k, v in f.body.items() if k not in hidden})
        for f in seen
    ]


def test_the_gsp_store_serves_the_same_channel_as_the_hub(sites: dict[str, Any]) -> None:
    spec = order(880004)
    shop = ShopifyEmulator(WEBHOOK_SECRET, shop=SHOP)
    for mode in ("center", "gsp"):
        assert (
            shop.order_request("orders/paid", spec).send(sites["stores"][mode]).status_code == 200
        )
    on_hub = converse(sites["center"], repair_voucher(sites["center"].deliveries, "880004"))
    on_store = converse(sites["gsp"], repair_voucher(sites["gsp"].deliveries, "880004"))
    assert on_hub == on_store
    kinds = [kind for _, kind, _, _ in on_hub]
    assert kinds == ["system", "message", "proposal", "accept", "voucher", "system"]
