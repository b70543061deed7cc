"""The store's statements per webhook delivery: an order's first delivery is claimed, merged,
enriched from the catalog and stored in a handful of Core statements (no ORM entity loaded),
and the statements are the same ones every time (built once)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from adapters.emulation import ProductSpec, RefundSpec, SignedRequest
from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.app import create_app
from adapters.store.service import StoreService
from tests.common.statements import watched as statements_on

TABLET = 632910392  # the product of the sample order's first line; the second has none


def watched(client: FlaskClient) -> AbstractContextManager[dict[str, list[Any]]]:
    """The SQL statements sent to the store state and the ORM executions made in the block."""
    service: StoreService = client.application.extensions["ascc_store"]
    return statements_on(service.sessions.kw["bind"])


@pytest.fixture
def shop(tmp_path: Path, kit: Any) -> Iterator[tuple[FlaskClient, ShopifyEmulator]]:
    """A preview-mode Shopify store whose catalog knows the tablet."""
    client = create_app(kit.write_config(tmp_path)).test_client()
    emulator = ShopifyEmulator(kit.SECRET)
    tablet = ProductSpec(id=TABLET, title="Tablet", price="199.00", product_type="Electronics")
    assert post(client, emulator.product_request("products/create", tablet)) == "catalogued"
    yield client, emulator


def post(client: FlaskClient, request: SignedRequest) -> str:
    answer = client.post(request.path, headers=request.headers, data=request.body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    status: str = answer.json["status"]  # type: ignore[index]
    return status


def verbs(statements: list[str]) -> list[str]:
    """``BEGIN IMMEDIATE``, ``INSERT delivery_keys``, ``SELECT orders``, …: what each did."""
    named = []
    for sql in (" ".join(statement.split()) for statement in statements):
        words = sql.split()
        if words[0] == "SELECT":
            words = ["SELECT", sql.split(" FROM ")[1].split()[0]]
        elif words[0] == "INSERT":
            words = words[0:1] + words[2:]  # INSERT INTO <table>
        named.append(" ".join(words[:2]))
    return named


def test_a_first_delivery_takes_seven_statements(shop: Any, kit: Any) -> None:
    client, emulator = shop
    with watched(client) as seen:
        assert post(client, emulator.order_request("orders/create", kit.sample_order())) == (
            "processed"
        )
    assert seen["orm"] == []  # no ORM query, no entity loaded, no flush
    assert verbs(seen["sql"]) == [
        "BEGIN IMMEDIATE",
        "INSERT delivery_keys",  # both dedupe keys, in one statement
        "SELECT refunds",
        "SELECT orders",
        "INSERT orders",
        "SELECT products",  # no frozen line facts to read: the order is new
        "INSERT order_line_products",
    ]


def test_a_known_order_reads_its_frozen_lines_and_updates_its_row(shop: Any, kit: Any) -> None:
    client, emulator = shop
    spec = kit.sample_order()
    post(client, emulator.order_request("orders/create", spec))
    paid = spec.evolve(paid=True, updated_at=kit.later(1))
    with watched(client) as seen:
        assert post(client, emulator.order_request("orders/paid", paid)) == "processed"
    assert seen["orm"] == []
    assert verbs(seen["sql"]) == [
        "BEGIN IMMEDIATE",
        "INSERT delivery_keys",
        "SELECT refunds",
        "SELECT orders",
        "UPDATE orders",
        "SELECT order_line_products",  # every line with a product is frozen: no catalog read
    ]


def test_a_duplicate_claims_nothing_and_a_refund_writes_only_itself(shop: Any, kit: Any) -> None:
    client, emulator = shop
    spec = kit.sample_order().evolve(paid=True)
    first = emulator.order_request("orders/paid", spec)
    post(client, first)
    with watched(client) as seen:
        assert post(client, first) == "duplicate"
    assert verbs(seen["sql"]) == ["BEGIN IMMEDIATE", "INSERT delivery_keys"]  # rolled back
    refund = RefundSpec(id=77, lines={spec.lines[1].id: 1}, created_at=kit.later(2))
    with watched(client) as seen:
        assert post(client, emulator.refund_request(spec, refund)) == "processed"
    assert seen["orm"] == []
    assert "INSERT refunds" in verbs(seen["sql"])
    with watched(client) as seen:  # the same refund again, under new ids: nothing changed
        assert post(client, emulator.refund_request(spec, refund)) == "processed"
    assert [verb for verb in verbs(seen["sql"]) if verb.endswith(" refunds")] == ["SELECT refunds"]


def test_the_statements_are_built_once(shop: Any, kit: Any) -> None:
    client, emulator = shop
    texts = []
    for order_id in (101, 102):
        with watched(client) as seen:
            post(client, emulator.order_request("orders/create", kit.sample_order(order_id)))
        texts.append(seen["sql"])
    assert texts[0] == texts[1]
