"""The store service under hostile deliveries: replayed bodies under other topics, over-long
values, orders that would entitle too many vouchers, a locked state database."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from adapters.emulation import CustomerSpec
from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.app import create_app
from adapters.store.models import DataRequestRecord, OrderRecord
from adapters.woocommerce.emulator import WooCommerceEmulator
from tests.common.servers import Served
from tests.common.settings import SHOP, store_settings

PRIVACY_TOPICS = ("customers/redact", "shop/redact", "customers/data_request")


def rows(config: Any, model: Any) -> list[Any]:
    engine = create_engine(f"sqlite:///{config.store.state_db}")
    with Session(engine) as session:
        found = list(session.scalars(select(model)))
        session.expunge_all()
    engine.dispose()
    return found


def events(config: Any) -> list[dict[str, Any]]:
    path = config.store.events_log
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != name.lower()}


def post(served: Served, path: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(served.url + path, data=body, headers=headers, timeout=30)


@pytest.mark.parametrize("topic", PRIVACY_TOPICS)
def test_a_replayed_order_body_under_a_privacy_topic_changes_nothing(
    serve: Any, kit: Any, topic: str
) -> None:
    served, config = serve("shopify")
    shop = ShopifyEmulator(kit.SECRET, SHOP)
    paid = shop.order_request("orders/paid", kit.sample_order().evolve(paid=True))
    assert paid.send(served.url).status_code == 200
    before = [record.snapshot for record in rows(config, OrderRecord)]
    replay = shop.request(topic, paid.body)  # the captured signed body, another topic
    assert post(served, replay.path, replay.body, replay.headers).status_code == 400
    bare = without(replay.headers, "X-Shopify-Shop-Domain")
    assert post(served, replay.path, replay.body, bare).status_code == 401
    assert [record.snapshot for record in rows(config, OrderRecord)] == before
    assert "bob@example.com" in (before[0] or "")
    assert rows(config, DataRequestRecord) == []


def test_a_privacy_request_for_another_shop_is_refused(serve: Any, kit: Any) -> None:
    served, config = serve("shopify")
    shop = ShopifyEmulator(kit.SECRET, SHOP)
    shop.order_request("orders/paid", kit.sample_order().evolve(paid=True)).send(served.url)
    other = shop.request("shop/redact", {"shop_id": 1, "shop_domain": "other.myshopify.com"})
    assert other.send(served.url).status_code == 400
    assert len(rows(config, OrderRecord)) == 1


def test_an_order_body_under_order_deleted_voids_nothing(serve: Any, kit: Any) -> None:
    served, config = serve("woocommerce")
    shop = WooCommerceEmulator("hush-&amp;-quiet")
    paid = shop.order_request("order.updated", kit.sample_order().evolve(paid=True))
    assert paid.send(served.url).status_code == 200
    replay = shop.request("order.deleted", paid.body)
    assert replay.send(served.url).status_code == 400
    assert [record.deleted for record in rows(config, OrderRecord)] == [False]
    mismatch = {**paid.headers, "X-WC-Webhook-Event": "deleted"}
    assert post(served, paid.path, paid.body, mismatch).status_code == 400


@pytest.mark.parametrize(
    ("platform", "field", "value"),
    [
        ("woocommerce", "price", 10**40),  # a JSON number too large to round to cents
        ("shopify", "financial_status", {"paid": True}),  # not a string
    ],
)
def test_odd_order_fields_are_answered_without_a_500(
    serve: Any, kit: Any, platform: str, field: str, value: Any
) -> None:
    served, config = serve(platform)
    if platform == "woocommerce":
        shop: Any = WooCommerceEmulator("hush-&amp;-quiet")
    else:
        shop = ShopifyEmulator(kit.SECRET, SHOP)
    topic = "order.updated" if platform == "woocommerce" else "orders/paid"
    body = json.loads(shop.order_request(topic, kit.sample_order().evolve(paid=True)).body)
    if field == "price":
        body["line_items"][0]["price"] = value
    else:
        body[field] = value
    answer = shop.request(topic, json.dumps(body).encode()).send(served.url)
    assert answer.status_code in (200, 400), answer.text
    if field == "price":
        assert answer.status_code == 400 and "line_items[0].price" in answer.json()["detail"]
        assert rows(config, OrderRecord) == []


def test_an_over_long_name_is_refused_at_intake(serve: Any, kit: Any) -> None:
    served, config = serve("shopify")
    spec = kit.sample_order().evolve(paid=True)
    long_name = CustomerSpec(id=1, email="a@example.com", first_name="A" * 120, last_name="B" * 120)
    request = ShopifyEmulator(kit.SECRET).order_request(
        "orders/paid", dataclasses.replace(spec, customer=long_name)
    )
    answer = request.send(served.url)
    assert answer.status_code == 400 and "name" in answer.json()["detail"]
    assert rows(config, OrderRecord) == [] and events(config) == []


def test_an_order_over_the_voucher_bound_is_refused_and_recorded_nowhere(
    tmp_path: Path, kit: Any
) -> None:
    config = store_settings(
        tmp_path,
        store={
            "mode": "preview",
            "events_log": "events.jsonl",
            "state_db": "state.sqlite3",
            "max_vouchers_per_event": 5,
        },
    )
    spec = kit.sample_order().evolve(paid=True)  # 1 × (repair + support) + 3 × support = 5
    big = dataclasses.replace(spec.lines[1], quantity=4)
    with Served(create_app(config)) as served:
        shop = ShopifyEmulator(kit.SECRET)
        assert shop.order_request("orders/paid", spec).send(served.url).status_code == 200
        over = dataclasses.replace(spec, lines=(spec.lines[0], big))
        answer = shop.order_request("orders/updated", over).send(served.url)
    assert answer.status_code == 422 and "at most 5" in answer.json()["detail"]
    assert [len(line["vouchers"]) for line in events(config)] == [5]


def test_a_locked_state_database_answers_503_with_retry_after(tmp_path: Path, kit: Any) -> None:
    config = store_settings(
        tmp_path,
        store={
            "mode": "preview",
            "state_db": "state.sqlite3",
            "events_log": "events.jsonl",
            "state_busy_timeout_seconds": 0.2,
        },
    )
    with Served(create_app(config)) as served:
        locker = sqlite3.connect(config.store.state_db, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            request = ShopifyEmulator(kit.SECRET).order_request(
                "orders/paid", kit.sample_order().evolve(paid=True)
            )
            answer = request.send(served.url)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert answer.status_code == 503
        assert answer.headers["Retry-After"].isdigit()
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert request.send(served.url).status_code == 200  # the retry goes through
    engine = create_engine(f"sqlite:///{config.store.state_db}")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OrderRecord)) == 1
    engine.dispose()
