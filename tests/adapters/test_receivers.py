"""The webhook receivers over real HTTP: dedupe, state, events log, every refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.emulation import RefundSpec
from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.app import create_app
from adapters.woocommerce.emulator import WooCommerceEmulator
from ascc_plugin import hookimpl
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.settings import SettingsError

WC_SECRET = "hush-&amp;-quiet"


def units(line: dict[str, Any]) -> list[tuple[str, int, str]]:
    return sorted((v["line_id"], v["unit"], v["program"]) for v in line["vouchers"])


def test_shopify_lifecycle_reconciles_on_state(serve: Any, kit: Any) -> None:
    served, config = serve("shopify")
    shop = ShopifyEmulator(kit.SECRET)
    spec = kit.sample_order()
    tablet, cable = (str(line.id) for line in spec.lines)
    created = shop.order_request("orders/create", spec)
    assert created.send(served.url).json()["status"] == "processed"
    paid = spec.evolve(paid=True, updated_at=kit.later(1))
    answer = shop.order_request("orders/paid", paid, webhook_id="w-paid", event_id="e-paid")
    assert answer.send(served.url).json() == {
        "status": "processed",
        "event_id": "w-paid",
        "vouchers": 5,
        "programs": {"repair-12m": 1, "support-24m": 4},
    }
    refund = RefundSpec(id=77, lines={int(cable): 1}, created_at=kit.later(2))
    assert shop.refund_request(paid, refund).send(served.url).json()["vouchers"] == 4
    log = kit.events(config)
    assert [line["event"]["kind"] for line in log] == [
        "order.created",
        "order.paid",
        "order.refunded",
    ]
    assert log[0]["vouchers"] == []
    assert units(log[2]) == sorted(
        [
            (cable, 0, "support-24m"),
            (cable, 1, "support-24m"),
            (tablet, 0, "repair-12m"),
            (tablet, 0, "support-24m"),
        ]
    )
    assert log[2]["event"]["order"]["id"] == str(spec.id)  # 64-bit id, exact, a string
    assert log[2]["event"]["order"]["lines"][0]["unit_price"] == "199.00"
    cancelled = paid.evolve(cancelled=True, refunds=(refund,), updated_at=kit.later(3))
    assert (
        shop.order_request("orders/cancelled", cancelled).send(served.url).json()["vouchers"] == 0
    )


def test_shopify_duplicates_by_webhook_id_or_event_id(serve: Any, kit: Any) -> None:
    served, config = serve("shopify")
    shop = ShopifyEmulator(kit.SECRET)
    spec = kit.sample_order().evolve(paid=True)
    first = shop.order_request("orders/paid", spec, webhook_id="w1", event_id="e1")
    assert first.send(served.url).json()["status"] == "processed"
    assert first.send(served.url).json()["status"] == "duplicate"
    same_event = shop.order_request("orders/paid", spec, webhook_id="w2", event_id="e1")
    assert same_event.send(served.url).json()["status"] == "duplicate"
    same_webhook = shop.order_request("orders/paid", spec, webhook_id="w1", event_id="e9")
    assert same_webhook.send(served.url).json()["status"] == "duplicate"
    assert len(kit.events(config)) == 1


def test_shopify_refund_before_its_order_is_kept_for_it(serve: Any, kit: Any) -> None:
    served, config = serve("shopify")
    shop = ShopifyEmulator(kit.SECRET)
    spec = kit.sample_order().evolve(paid=True)
    cable = spec.lines[1].id
    refund = RefundSpec(id=78, lines={cable: 3}, created_at=kit.later(5))
    assert shop.refund_request(spec, refund).send(served.url).json()["status"] == "pending"
    assert kit.events(config) == []
    assert shop.order_request("orders/paid", spec).send(served.url).json()["vouchers"] == 2


def test_shopify_previous_secret_is_accepted(serve: Any, kit: Any) -> None:
    served, _config = serve("shopify", secret="new-secret", previous=kit.SECRET)
    spec = kit.sample_order()
    assert (
        ShopifyEmulator(kit.SECRET)
        .order_request("orders/create", spec)
        .send(served.url)
        .status_code
        == 200
    )
    assert (
        ShopifyEmulator("new-secret")
        .order_request("orders/updated", spec)
        .send(served.url)
        .status_code
        == 200
    )
    assert (
        ShopifyEmulator("other").order_request("orders/updated", spec).send(served.url).status_code
        == 401
    )


def test_shopify_fixture_bytes_are_verified_as_sent(serve: Any, kit: Any) -> None:
    served, config = serve("shopify")
    name = "shopify/shopify_rest_2025-07__order_paid_3items_no_customer.json"
    raw = kit.fixture_bytes(name)
    body = raw[raw.index(b":") + 1 : raw.rindex(b"}")]  # the bytes of the wrapped order
    request = ShopifyEmulator(kit.SECRET).request("orders/paid", body)
    assert request.send(served.url).json()["vouchers"] == 6  # 129.99 and 85.95: 2 programs
    (line,) = kit.events(config)
    assert line["event"]["order"]["customer"] is None
    assert line["event"]["gsp"] == {"platform": "shopify", "shop": kit.SHOP}


def test_woocommerce_ping_then_lifecycle(serve: Any, kit: Any) -> None:
    served, config = serve("woocommerce")
    woo = WooCommerceEmulator(WC_SECRET)
    ping = woo.ping().send(served.url)
    assert (ping.status_code, ping.content) == (200, b"")
    spec = kit.sample_order().evolve(paid=True)
    created = woo.order_request("order.created", spec)
    assert created.send(served.url).json()["vouchers"] == 5
    assert created.send(served.url).json()["status"] == "duplicate"
    refund = RefundSpec(id=91, lines={spec.lines[0].id: 1}, created_at=kit.later(1))
    refunded = spec.evolve(refunds=(refund,), updated_at=kit.later(1))
    assert woo.order_request("order.updated", refunded).send(served.url).json()["vouchers"] == 5
    assert woo.refund_request(refunded, refund).send(served.url).json()["vouchers"] == 3
    assert woo.deleted_request(spec).send(served.url).json()["vouchers"] == 0
    restored = refunded.evolve(updated_at=kit.later(9))
    assert woo.order_request("order.restored", restored).send(served.url).json()["vouchers"] == 3
    kinds = [line["event"]["kind"] for line in kit.events(config)]
    assert kinds == [
        "order.created",
        "order.updated",
        "order.refunded",
        "order.cancelled",
        "order.updated",
    ]


def test_woocommerce_delivery_id_is_not_the_dedupe_key(serve: Any, kit: Any) -> None:
    served, _config = serve("woocommerce")
    woo = WooCommerceEmulator(WC_SECRET)
    spec = kit.sample_order().evolve(paid=True)
    first = woo.order_request("order.updated", spec)
    second = woo.order_request("order.updated", spec.evolve(updated_at=kit.later(1)))
    second.headers["X-WC-Webhook-Delivery-ID"] = first.headers["X-WC-Webhook-Delivery-ID"]
    assert first.send(served.url).json()["status"] == "processed"
    assert second.send(served.url).json()["status"] == "processed"


def test_woocommerce_ping_lookalike_with_wc_headers_is_401(serve: Any, kit: Any) -> None:
    served, _config = serve("woocommerce")
    ping = WooCommerceEmulator(WC_SECRET).ping()
    ping.headers["X-WC-Webhook-Topic"] = "order.created"
    assert ping.send(served.url).status_code == 401


def problem(answer: requests.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]
    return body


def test_refusals_are_problems(serve: Any, kit: Any) -> None:
    served, config = serve("shopify", max_body=4096)
    shop = ShopifyEmulator(kit.SECRET)
    url = served.url + "/webhooks/shopify"
    assert (
        "X-Shopify-Hmac-Sha256" in problem(requests.post(url, data=b"{}", timeout=5), 401)["detail"]
    )
    assert (
        "not valid JSON"
        in problem(shop.request("orders/paid", b"{nope").send(served.url), 400)["detail"]
    )
    detail = problem(
        shop.request("orders/paid", {"id": 5, "currency": "USD"}).send(served.url), 400
    )["detail"]
    assert "total_price" in detail
    big = shop.request("orders/paid", b"[" + b"1," * 4000 + b"1]")
    assert "4096" in problem(big.send(served.url), 413)["detail"]
    other_shop = ShopifyEmulator(kit.SECRET, shop="else.myshopify.com")
    problem(other_shop.order_request("orders/paid", kit.sample_order()).send(served.url), 403)
    problem(WooCommerceEmulator(WC_SECRET).ping().send(served.url), 404)
    problem(requests.get(url, timeout=5), 405)
    assert shop.request("collections/update", {"id": 1}).send(served.url).json()["status"] == (
        "ignored"
    )
    assert kit.events(config) == []


def test_healthz(serve: Any) -> None:
    served, _config = serve("woocommerce")
    answer = requests.get(served.url + "/healthz", timeout=5)
    assert answer.json() == {"status": "ok", "platform": "woocommerce", "mode": "preview"}


def test_empty_secret_refuses_to_start(tmp_path: Path, kit: Any) -> None:
    config = kit.write_config(tmp_path, "woocommerce", secret="")
    with pytest.raises(SettingsError, match="webhook_secret"):
        create_app(config)


class Broken:
    @hookimpl(tryfirst=True)
    def ascc_issue_vouchers(self, event: Any, order: Any, programs: Any) -> Any:
        raise RuntimeError("handler down")


def test_a_failing_handler_rolls_the_delivery_back(tmp_path: Path, kit: Any) -> None:
    pm = get_plugin_manager()
    app = create_app(kit.write_config(tmp_path), pm=pm)
    client = app.test_client()
    request = ShopifyEmulator(kit.SECRET).order_request(
        "orders/paid", kit.sample_order().evolve(paid=True)
    )
    pm.register(Broken(), name="broken")
    failed = client.post(request.path, data=request.body, headers=request.headers)
    assert failed.status_code == 503 and failed.json["status"] == 503
    pm.unregister(name="broken")
    retried = client.post(request.path, data=request.body, headers=request.headers)
    assert retried.json == {
        "status": "processed",
        "event_id": request.headers["X-Shopify-Webhook-Id"],
        "vouchers": 5,
        "programs": {"repair-12m": 1, "support-24m": 4},
    }


def test_issue_on_fulfilled_waits_for_fulfilment(serve: Any, kit: Any) -> None:
    served, _config = serve("shopify", issue_on="fulfilled")
    shop = ShopifyEmulator(kit.SECRET)
    paid = kit.sample_order().evolve(paid=True)
    assert shop.order_request("orders/paid", paid).send(served.url).json()["vouchers"] == 0
    fulfilled = paid.evolve(fulfilled=True, updated_at=kit.later(1))
    answer = shop.order_request("orders/fulfilled", fulfilled).send(served.url)
    assert answer.json()["vouchers"] == 5
