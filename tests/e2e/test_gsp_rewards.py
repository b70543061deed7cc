"""A store in ``gsp`` mode runs the reward half itself, on SQLite and on PostgreSQL: a real
``ascc store serve`` issues from a signed Shopify order, and its customer and provider walk the
voucher's whole life over HTTP — to ``rewarded`` — with a cost claim on the store's policy."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec
from adapters.shopify.emulator import ShopifyEmulator
from ascc_plugin.keys import generate_key
from simulator.services import ascc_json, poll_until, store_service
from tests.common.settings import store_config

pytestmark = pytest.mark.slow
WEBHOOK_SECRET = "shpss_rewards_secret"


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    keys, shop = tmp_path / "keys", f"rw-{secrets.token_hex(4)}.myshopify.com"
    policy = f"care-{secrets.token_hex(4)}"
    generate_key(keys)
    url = (
        f"sqlite:///{tmp_path / 'ascc-gsp.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    program = {
        "id": "repair-12m",
        "kind": "repair",
        "term_months": 12,
        "incentive": {"5": "12.00"},
        "insurance_policy": policy,
    }
    config = store_config(
        tmp_path,
        store={"shop": shop, "mode": "gsp", "webhook_secret": WEBHOOK_SECRET},
        keys={"dir": str(keys)},
        gsp={"database_url": url, "incentive_hold_hours": 0},
        delivery={"channels": ["log"]},
        programs=[program],
    )
    service = store_service(config, workers=1).start()
    env = {"ASCC_DATABASE_URL": url, "ASCC_KEYS_DIR": str(keys)}
    try:
        ascc_json(
            ["center", "add-policy", "--id", policy, "--insurer", "Mutual", "--currency", "USD",
             "--premium-fixed", "3.00", "--coverage-limit", "100", "--deductible", "10"],
            env,
        )  # fmt: skip
        provider = ascc_json(
            ["center", "add-provider", "--name", "Fixit", "--categories", "repair"], env
        )
        yield {"url": service.url, "shop": shop, "folder": tmp_path, "provider": provider}
    finally:
        service.stop()


def delivered(log: Path) -> dict[str, Any]:
    def first() -> dict[str, Any] | None:
        lines = log.read_text().splitlines() if log.exists() else []
        return json.loads(lines[0])["voucher"] if lines else None

    return poll_until(first, str(log), 20)


def test_the_whole_life_to_rewarded_in_gsp_mode(store: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    spec = OrderSpec(
        id=990001,
        lines=(LineSpec(id=1, title="Dryer", quantity=1, price="499.00", sku="DRY"),),
        customer=CustomerSpec(id=8, email="lin@example.com", first_name="Lin"),
        created_at=now,
        updated_at=now,
        paid=True,
    )
    shop = ShopifyEmulator(WEBHOOK_SECRET, shop=store["shop"])
    assert shop.order_request("orders/paid", spec).send(store["url"]).status_code == 200
    voucher = delivered(store["folder"] / "ascc-deliveries.jsonl")
    base, provider = f"{store['url']}/api/v1", store["provider"]
    holder = {"Authorization": f"Bearer {voucher['holder_secret']}"}
    serving = {"Authorization": f"Bearer {provider['api_key']}"}

    def post(path: str, headers: dict[str, str], body: Any) -> Any:
        answer = requests.post(base + path, headers=headers, json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    path = f"/vouchers/{voucher['id']}"
    post(path + "/activate", holder, None)
    post(path + "/assign", holder, {"provider_id": provider["provider_id"]})
    post(path + "/redeem", serving, {"token": voucher["token"]})
    post(path + "/complete", serving, {"notes": "new belt"})
    incentive = post(path + "/assessment", holder, {"score": 5})["incentive"]
    assert (incentive["amount"], incentive["currency"]) == ("12.00", "USD")
    post(f"/incentives/{incentive['id']}/release", holder, {"provider_id": provider["provider_id"]})
    post(f"/incentives/{incentive['id']}/redeem", serving, {"token": incentive["token"]})
    claim = post(path + "/claims", serving, {"amount": "40.00", "description": "belt"})
    assert (claim["status"], claim["paid"]) == ("approved", "30.00")
    state = requests.get(base + path, headers=holder, timeout=10).json()["state"]
    assert state == "rewarded"
    account = requests.get(
        f"{base}/ledger/accounts/provider:{provider['provider_id']}:receivable",
        headers=serving,
        timeout=10,
    ).json()
    assert account["balances"] == [{"currency": "USD", "balance": "42.00"}]
