"""Every Shopify fixture maps to the right canonical state (ids, money, units, customer)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from adapters.payload import PayloadError, parse_json
from adapters.shopify.mapping import map_delivery, map_order
from adapters.updates import Ignored, OrderUpdate, PrivacyRequest

IPODS = ["466157049", "518995019", "703073504"]

# file → (order id, currency, [(line id, quantity, unit price)], paid, cancelled,
#         refunded units per line, customer id or None for no customer)
CASES = {
    "shopify_python_api__order_authorized_usd_discount_3items.json": (
        "450789469",
        "USD",
        [(i, 1, "199.00") for i in IPODS],
        False,
        False,
        {},
        "207119551",
    ),
    "shopify_python_api__orders_list_partially_refunded.json": (
        "450789469",
        "USD",
        [],
        True,
        False,
        {},
        "207119551",
    ),
    "shopify_rest_2025-07__order_cancelled_refunded_cancel_response.json": (
        "450789469",
        "USD",
        [(i, 1, "199.00") for i in IPODS],
        True,
        True,
        dict.fromkeys(IPODS, 1),
        "207119551",
    ),
    "shopify_rest_2025-07__order_eur_paid_no_customer.json": (
        "1073459976",
        "EUR",
        [("1071823188", 3, "74.99")],
        True,
        False,
        {},
        None,
    ),
    "shopify_rest_2025-07__order_paid_3items_no_customer.json": (
        "1073459963",
        "USD",
        [("1071823173", 1, "129.99"), ("1071823174", 1, "85.95"), ("1071823175", 2, "19.99")],
        True,
        False,
        {},
        None,
    ),
    "shopify_rest_2025-07__order_paid_discount_code_customer.json": (
        "1073459981",
        "USD",
        [("1071823193", 1, "199.00")],
        True,
        False,
        {},
        "1073339475",
    ),
    "shopify_rest_2025-07__order_partially_paid.json": (
        "1073459980",
        "USD",
        [("1071823192", 1, "199.00")],
        False,
        False,
        {},
        "1073339474",
    ),
    "shopify_rest_2025-07__order_partially_refunded_discount_customer.json": (
        "450789469",
        "USD",
        [(i, 1, "199.00") for i in IPODS],
        True,
        False,
        {"703073504": 1, "466157049": 1},
        "207119551",
    ),
    "shopify_rest_2025-07__order_pending.json": (
        "1073459983",
        "USD",
        [("1071823195", 1, "199.00")],
        False,
        False,
        {},
        "207119551",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_order_fixture_maps_to_canonical_state(kit: Any, name: str) -> None:
    order_id, currency, lines, paid, cancelled, refunded, customer = CASES[name]
    order = map_order(kit.fixture_object(f"shopify/{name}"))
    assert (order.id, order.currency, order.paid, order.cancelled) == (
        order_id,
        currency,
        paid,
        cancelled,
    )
    assert [(line.id, line.quantity, line.unit_price) for line in order.lines] == [
        (i, q, Decimal(p)) for i, q, p in lines
    ]
    assert all(
        str(line.unit_price) == p for line, (_, _, p) in zip(order.lines, lines, strict=True)
    )
    assert dict(order.refunded_units()) == refunded
    assert (order.customer.id if order.customer else None) == customer


def test_refund_object_applies_to_the_order_it_names(kit: Any) -> None:
    body = kit.fixture_object("shopify/shopify_python_api__refund_2_line_items.json")
    update = map_delivery("refunds/create", body, "d")
    assert isinstance(update, OrderUpdate)
    assert update.order_id == "450789469" and update.kind == "order.refunded"
    assert update.snapshot is None
    (refund,) = update.refunds
    assert refund.id == "509562969"
    assert {(line.line_id, line.quantity) for line in refund.lines} == {
        ("703073504", 1),
        ("466157049", 1),
    }


def test_order_topics_give_their_kind_and_a_snapshot(kit: Any) -> None:
    body = kit.fixture_object("shopify/shopify_rest_2025-07__order_pending.json")
    for topic, kind in [
        ("orders/create", "order.created"),
        ("orders/paid", "order.paid"),
        ("orders/fulfilled", "order.fulfilled"),
        ("orders/cancelled", "order.cancelled"),
        ("orders/updated", "order.updated"),
    ]:
        update = map_delivery(topic, body, "d")
        assert isinstance(update, OrderUpdate) and update.kind == kind
        assert update.snapshot is not None and update.snapshot.order.id == "1073459983"


def test_full_text_keeps_64_bit_ids_exact() -> None:
    body = parse_json(
        b'{"id": 9007199254740993, "currency": "USD", "total_price": "1.00",'
        b' "created_at": "2025-01-01T00:00:00Z", "financial_status": "paid",'
        b' "line_items": [{"id": 18446744073709551615, "quantity": 1,'
        b' "price": "1.00", "title": "x"}]}'
    )
    order = map_order(body)
    assert order.id == "9007199254740993"
    assert order.lines[0].id == "18446744073709551615"


def test_privacy_and_other_topics() -> None:
    redact = map_delivery(
        "customers/redact",
        {
            "shop_id": 1,
            "shop_domain": "s",
            "customer": {"id": 5, "email": "a@b.c", "phone": None},
            "orders_to_redact": [7, 8],
        },
        "d",
    )
    assert isinstance(redact, PrivacyRequest)
    assert redact.kind == "customer_redact" and redact.order_ids == ("7", "8")
    assert redact.customer is not None and redact.customer.id == "5"
    shop_redact = {"shop_id": 1, "shop_domain": "s"}
    assert map_delivery("shop/redact", shop_redact, "d", "s") == PrivacyRequest("shop_redact")
    assert isinstance(map_delivery("app/uninstalled", {"id": 1}, "d"), Ignored)
    assert isinstance(map_delivery("collections/update", {"id": 1}, "d"), Ignored)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"currency": "USD"}, "id"),
        (
            {"id": 1, "currency": "USD", "total_price": "x1", "created_at": "2025-01-01T00:00:00Z"},
            "total_price",
        ),
        (
            {"id": 1, "currency": "usd", "total_price": "1", "created_at": "2025-01-01T00:00:00Z"},
            "currency",
        ),
        ({"id": 1, "currency": "USD", "total_price": "1", "created_at": "yesterday"}, "created_at"),
        (
            {
                "id": 1,
                "currency": "USD",
                "total_price": "1",
                "created_at": "2025-01-01T00:00:00Z",
                "line_items": [{"id": 2, "quantity": "many", "price": "1"}],
            },
            "line_items[0].quantity",
        ),
        ([1, 2], "the body"),
    ],
)
def test_not_an_order_is_refused_naming_the_field(body: object, named: str) -> None:
    with pytest.raises(PayloadError, match=named.replace("[", r"\[").replace("]", r"\]")):
        map_delivery("orders/paid", body, "d")


BARE_ORDER = {
    "id": 1,
    "currency": "USD",
    "total_price": "1.00",
    "created_at": "2025-01-01T00:00:00Z",
}


@pytest.mark.parametrize("status", [{}, ["paid"], None, 1])
def test_a_financial_status_that_is_no_string_is_not_paid(status: Any) -> None:
    assert not map_order({**BARE_ORDER, "financial_status": status}).paid


def test_a_refund_line_error_names_the_refund_and_the_line() -> None:
    refunded = {"id": 5, "created_at": "2025-01-02T00:00:00Z", "refund_line_items": []}
    odd_line = {"line_item_id": 2, "quantity": "x"}
    body = {**BARE_ORDER, "refunds": [refunded, {**refunded, "refund_line_items": [odd_line]}]}
    with pytest.raises(PayloadError, match=r"refunds\[1\]\.refund_line_items\[0\]\.quantity"):
        map_order(body)
