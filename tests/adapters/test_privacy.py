"""Shopify's mandatory privacy topics act on the stored records through the hooks."""

from __future__ import annotations

import json
from typing import Any

import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.models import DataRequestRecord, OrderRecord
from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.models import Customer, GspRef


def stored(config: Any) -> list[OrderRecord]:
    engine = create_engine(f"sqlite:///{config.store.state_db}")
    with Session(engine) as session:
        records = list(session.scalars(select(OrderRecord)))
        session.expunge_all()
    engine.dispose()
    return records


def answers(config: Any) -> list[DataRequestRecord]:
    engine = create_engine(f"sqlite:///{config.store.state_db}")
    with Session(engine) as session:
        records = list(session.scalars(select(DataRequestRecord)))
        session.expunge_all()
    engine.dispose()
    return records


def test_customer_redact_erases_the_stored_personal_data(serve: Any, kit: Any) -> None:
    served, config = serve("shopify")
    shop = ShopifyEmulator(kit.SECRET)
    spec = kit.sample_order().evolve(paid=True)
    shop.order_request("orders/paid", spec).send(served.url)
    assert "bob@example.com" in (stored(config)[0].snapshot or "")
    body = {
        "shop_id": 1,
        "shop_domain": kit.SHOP,
        "orders_to_redact": [spec.id],
        "customer": {"id": 207119551, "email": "bob@example.com", "phone": None},
    }
    request = shop.request("customers/redact", body)
    assert request.send(served.url).json()["status"] == "recorded"
    assert request.send(served.url).json()["status"] == "duplicate"
    snapshot = json.loads(stored(config)[0].snapshot or "")
    assert snapshot["customer"] is None and "bob@" not in json.dumps(snapshot)


def test_data_request_collects_the_answers(serve: Any, kit: Any) -> None:
    served, config = serve("shopify")
    shop = ShopifyEmulator(kit.SECRET)
    spec = kit.sample_order().evolve(paid=True)
    shop.order_request("orders/paid", spec).send(served.url)
    body = {
        "shop_id": 1,
        "shop_domain": kit.SHOP,
        "orders_requested": [],
        "customer": {"id": 207119551, "email": "BOB@example.com"},
        "data_request": {"id": 9999},
    }
    assert shop.request("customers/data_request", body).send(served.url).status_code == 200
    (record,) = answers(config)
    assert record.request_id == "9999"
    (answer,) = json.loads(record.answers)
    assert [order["id"] for order in answer["orders"]] == [str(spec.id)]


def test_shop_redact_erases_the_shop(serve: Any, kit: Any) -> None:
    served, config = serve("shopify")
    shop = ShopifyEmulator(kit.SECRET)
    shop.order_request("orders/paid", kit.sample_order()).send(served.url)
    assert shop.request("app/uninstalled", {"id": 1}).send(served.url).json()["status"] == (
        "ignored"
    )
    assert stored(config)
    answer = shop.request("shop/redact", {"shop_id": 1, "shop_domain": kit.SHOP})
    assert answer.send(served.url).status_code == 200
    assert stored(config) == []


def test_privacy_topics_with_a_bad_signature_get_401(serve: Any, kit: Any) -> None:
    served, _config = serve("shopify")
    forger = ShopifyEmulator("not-the-secret")
    for topic in ("customers/data_request", "customers/redact", "shop/redact"):
        request = forger.request(topic, {"shop_id": 1, "customer": {"id": 1}})
        answer = requests.post(
            served.url + request.path, data=request.body, headers=request.headers, timeout=5
        )
        assert answer.status_code == 401


class PrivacyRecorder:
    """A third-party plugin that keeps its own customer records."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    @hookimpl
    def ascc_customer_redact(self, gsp: GspRef, customer: Customer, order_ids: Any) -> None:
        self.calls.append(("redact", (gsp.shop, customer.email, tuple(order_ids))))

    @hookimpl
    def ascc_shop_redact(self, gsp: GspRef) -> None:
        self.calls.append(("shop", gsp.shop))

    @hookimpl
    def ascc_customer_data_request(
        self, gsp: GspRef, customer: Customer, order_ids: Any
    ) -> dict[str, Any]:
        self.calls.append(("data", customer.email))
        return {"source": "recorder", "loyalty_points": 12}


def test_every_privacy_hook_reaches_third_party_plugins(serve: Any, kit: Any) -> None:
    pm = get_plugin_manager()
    recorder = PrivacyRecorder()
    pm.register(recorder)
    served, config = serve("shopify", pm=pm)
    shop = ShopifyEmulator(kit.SECRET)
    customer = {"id": 207119551, "email": "bob@example.com", "phone": None}
    base = {"shop_id": 1, "shop_domain": kit.SHOP, "customer": customer}
    data = {**base, "orders_requested": ["7"], "data_request": {"id": 1}}
    assert shop.request("customers/data_request", data).send(served.url).status_code == 200
    (record,) = answers(config)
    assert {"source": "recorder", "loyalty_points": 12} in json.loads(record.answers)
    redact = {**base, "orders_to_redact": ["7", "8"]}
    assert shop.request("customers/redact", redact).send(served.url).status_code == 200
    assert (
        shop.request("shop/redact", {"shop_id": 1, "shop_domain": kit.SHOP})
        .send(served.url)
        .status_code
        == 200
    )
    assert recorder.calls == [
        ("data", "bob@example.com"),
        ("redact", (kit.SHOP, "bob@example.com", ("7", "8"))),
        ("shop", kit.SHOP),
    ]
    assert answers(config) == []  # shop/redact erased the stored answers too


class Redeliverer:
    """Answers a data request, the first time only after its copy was delivered and recorded
    (the storefront sent it again while the plugins were still collecting)."""

    def __init__(self, copy: Any, url: str = "") -> None:
        self.copy, self.url, self.statuses = copy, url, []

    @hookimpl
    def ascc_customer_data_request(
        self, gsp: GspRef, customer: Customer, order_ids: Any
    ) -> dict[str, Any]:
        if not self.statuses:
            self.statuses.append("sending")
            self.statuses.append(self.copy.send(self.url).json()["status"])
        return {"source": "redeliverer"}


def test_a_copy_delivered_while_the_first_is_answered_is_recorded_once(
    serve: Any, kit: Any
) -> None:
    shop = ShopifyEmulator(kit.SECRET)
    body = {
        "shop_id": 1,
        "shop_domain": kit.SHOP,
        "orders_requested": [],
        "customer": {"id": 207119551, "email": "bob@example.com"},
        "data_request": {"id": 4242},
    }
    request = shop.request("customers/data_request", body)
    pm = get_plugin_manager()
    plugin = Redeliverer(request)
    pm.register(plugin)
    served, config = serve("shopify", pm=pm)
    plugin.url = served.url
    first = request.send(served.url).json()["status"]
    assert (plugin.statuses[1], first) == ("recorded", "duplicate")
    assert [record.request_id for record in answers(config)] == ["4242"]
