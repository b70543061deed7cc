"""Every WooCommerce fixture maps to the right canonical state (ids, money, units, customer)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from adapters.payload import PayloadError, parse_json
from adapters.store.state import OrderState, current_order, merge
from adapters.updates import Ignored, OrderUpdate
from adapters.woocommerce.mapping import map_delivery, map_order

IOS = "wc_ios__order_"
LINES_324 = [
    ("38", 1, "13.50"),
    ("39", 2, "13.50"),
    ("40", 3, "10.80"),
    ("41", 4, "13.50"),
    ("42", 5, "8.10"),
    ("43", 6, "8.10"),
    ("44", 7, "1.80"),
    ("45", 8, "2.70"),
]
LINES_727 = [("315", 2, "3.00"), ("316", 1, "12.00")]
LINES_963 = [("890", 2, "30.00"), ("891", 1, "0.00")]  # quantity 1.5 → 1 whole unit

# file → (order id, currency, lines, paid, fulfilled, cancelled, refunded units,
#         refund ids, customer (id, email))
CASES = {
    f"{IOS}211_guest_wcpay_processing.data-envelope.json": (
        "211",
        "USD",
        [("302", 1, "17.65")],
        True,
        False,
        False,
        {},
        [],
        (None, "2177025@example.net"),
    ),
    f"{IOS}324_partially_refunded_8items.data-envelope.json": (
        "324",
        "USD",
        LINES_324,
        True,
        True,
        False,
        {},
        ["547", "549"],
        ("1", "thuy.copeland+pamela-nguyen-orders@automattic.com"),
    ),
    f"{IOS}526_subscription_renewal.data-envelope.json": (
        "526",
        "USD",
        [("1052", 1, "14.50")],
        True,
        False,
        False,
        {},
        [],
        ("27375286", "your.email+fakedata38165@gmail.com"),
    ),
    f"{IOS}609_fully_refunded.data-envelope.json": (
        "609",
        "USD",
        [("667", 2, "90.00")],
        True,
        False,
        False,
        {"667": 2},
        ["622", "status:refunded"],
        ("1", "julia.amosova@gmail.com"),
    ),
    f"{IOS}963_aed_currency.data-envelope.json": (
        "963",
        "AED",
        LINES_963,
        True,
        False,
        False,
        {},
        [],
        ("11", "scrambled@scrambled.com"),
    ),
    f"{IOS}963_processing_coupon_fee_customer.data-envelope.json": (
        "963",
        "USD",
        LINES_963,
        True,
        False,
        False,
        {},
        [],
        ("11", "scrambled@scrambled.com"),
    ),
    "wc_v3_docs__order_727_completed_update_response.json": (
        "727",
        "USD",
        LINES_727,
        True,
        True,
        False,
        {},
        [],
        (None, "john.doe@example.com"),
    ),
    "wc_v3_docs__order_727_processing_guest_create_response.json": (
        "727",
        "USD",
        LINES_727,
        True,
        False,
        False,
        {},
        [],
        (None, "john.doe@example.com"),
    ),
    "wc_v3_docs__orders_list_727_processing_723_completed_customer.json": (
        "727",
        "USD",
        LINES_727,
        True,
        False,
        False,
        {},
        [],
        (None, "john.doe@example.com"),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_order_fixture_maps_to_canonical_state(kit: Any, name: str) -> None:
    order_id, currency, lines, paid, fulfilled, cancelled, refunded, refund_ids, who = CASES[name]
    order = map_order(kit.fixture_object(f"woocommerce/{name}"))
    assert (order.id, order.currency, order.paid, order.fulfilled, order.cancelled) == (
        order_id,
        currency,
        paid,
        fulfilled,
        cancelled,
    )
    assert [(line.id, line.quantity, str(line.unit_price)) for line in order.lines] == lines
    assert dict(order.refunded_units()) == refunded
    assert sorted(refund.id for refund in order.refunds) == refund_ids
    assert order.customer is not None
    assert (order.customer.id, order.customer.email) == who


def test_raw_fixture_bytes_parse_price_without_float(kit: Any) -> None:
    raw = kit.fixture_bytes(f"woocommerce/{IOS}324_partially_refunded_8items.data-envelope.json")
    body = parse_json(raw)["data"]
    assert body["line_items"][2]["price"] == Decimal("10.799999999999999")
    assert map_order(body).lines[2].unit_price == Decimal("10.80")


def test_second_order_of_the_list_has_amount_only_refunds(kit: Any) -> None:
    raw = kit.fixture_bytes(
        "woocommerce/wc_v3_docs__orders_list_727_processing_723_completed_customer.json"
    )
    order = map_order(parse_json(raw)[1])
    assert (order.id, order.fulfilled, order.customer and order.customer.id) == ("723", True, "26")
    assert sorted(r.id for r in order.refunds) == ["724", "726"]
    assert not order.refunded_units()  # totals only: which units is unknown, none are voided
    assert order.lines[0].title == "Woo Album #2"


def test_refund_object_fixture_names_its_order(kit: Any) -> None:
    body = kit.fixture_object("woocommerce/wc_v3_docs__order_refund_create_response.json")
    update = map_delivery("order_refund.created", body, "d", kit.T0)
    assert isinstance(update, OrderUpdate)
    assert update.order_id == "723" and update.kind == "order.refunded"
    (refund,) = update.refunds
    assert refund.id == "726" and refund.lines == ()


# The docs' refund 724 of order 723 (list-refunds example): one unit of line 311 taken back.
REFUND_724 = {
    "id": 724,
    "date_created_gmt": "2017-03-21T19:55:37",
    "amount": "9.00",
    "reason": "",
    "refunded_by": 1,
    "line_items": [
        {
            "id": 314,
            "product_id": 87,
            "variation_id": 0,
            "quantity": -1,
            "total": "-9.00",
            "price": -9,
            "meta_data": [{"id": 2076, "key": "_refunded_item_id", "value": "311"}],
        }
    ],
    "_links": {"up": [{"href": "https://example.com/wp-json/wc/v3/orders/723"}]},
}


@pytest.mark.parametrize("refund_first", [True, False])
def test_refund_object_units_apply_to_the_stored_order(kit: Any, refund_first: bool) -> None:
    raw = kit.fixture_bytes(
        "woocommerce/wc_v3_docs__orders_list_727_processing_723_completed_customer.json"
    )
    order_update = map_delivery("order.updated", parse_json(raw)[1], "d", kit.T0)
    refund_update = map_delivery("order.updated", REFUND_724, "d", kit.T0)  # refund-shaped body
    assert isinstance(order_update, OrderUpdate) and isinstance(refund_update, OrderUpdate)
    steps = [refund_update, order_update] if refund_first else [order_update, refund_update]
    state = OrderState()
    for step in steps:
        state = merge(state, step)
    order = current_order(state)
    assert order is not None and dict(order.refunded_units()) == {"311": 1}


def test_deleted_body_is_only_an_id_and_voids_until_restored(kit: Any) -> None:
    body = kit.fixture_object("woocommerce/wc_v3_docs__order_727_completed_update_response.json")
    order = map_delivery("order.updated", body, "d", kit.T0)
    deleted = map_delivery("order.deleted", {"id": 727}, "d", kit.T0)
    restored = map_delivery("order.restored", body, "d2", kit.T0)
    assert isinstance(deleted, OrderUpdate) and deleted.order_id == "727"
    assert isinstance(order, OrderUpdate) and isinstance(restored, OrderUpdate)
    state = merge(merge(OrderState(), order), deleted)
    assert (current_order(state) or pytest.fail()).cancelled
    assert not (current_order(merge(state, restored)) or pytest.fail()).cancelled


def test_unknown_topic_is_ignored() -> None:
    assert isinstance(map_delivery("coupon.updated", {"id": 1}, "d", None), Ignored)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("quantity", "units"),
    [(Decimal("1.5"), 1), (Decimal("0.5"), 0), (3, 3), (Decimal("-2"), 0), ("2", 2)],
)
def test_fractional_quantities_floor_to_whole_units(kit: Any, quantity: Any, units: int) -> None:
    body = dict(
        kit.fixture_object(
            "woocommerce/wc_v3_docs__order_727_processing_guest_create_response.json"
        )
    )
    body["line_items"] = [{**body["line_items"][0], "quantity": quantity}]
    assert map_order(body).lines[0].quantity == units


@pytest.mark.parametrize(
    ("price", "currency", "unit"),
    [
        (Decimal("10.799999999999999"), "USD", "10.80"),
        (Decimal("0.005"), "USD", "0.01"),
        (Decimal("1234.5"), "JPY", "1235"),
        (Decimal("1.2345"), "KWD", "1.235"),
        (7, "EUR", "7.00"),
    ],
)
def test_number_prices_round_half_up_to_minor_units(
    kit: Any, price: Any, currency: str, unit: str
) -> None:
    body = dict(
        kit.fixture_object(
            "woocommerce/wc_v3_docs__order_727_processing_guest_create_response.json"
        )
    )
    body["currency"] = currency
    body["line_items"] = [{**body["line_items"][0], "price": price}]
    assert str(map_order(body).lines[0].unit_price) == unit


def test_missing_price_is_derived_from_the_total_string(kit: Any) -> None:
    body = dict(
        kit.fixture_object(
            "woocommerce/wc_v3_docs__order_727_processing_guest_create_response.json"
        )
    )
    line = {k: v for k, v in body["line_items"][0].items() if k != "price"}
    body["line_items"] = [{**line, "total": "10.00", "quantity": 3}]
    assert str(map_order(body).lines[0].unit_price) == "3.33"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"id": 1}, "status"),
        ({"id": 1, "status": "processing"}, "date_created_gmt"),
        ({"status": "processing", "date_created_gmt": "2020-01-01T00:00:00"}, "id"),
        (
            {
                "refunded_by": 1,
                "amount": "1.00",
                "id": 3,
                "date_created_gmt": "2020-01-01T00:00:00",
            },
            "names no order",
        ),
    ],
)
def test_not_an_order_is_refused_naming_the_field(body: Any, named: str) -> None:
    with pytest.raises(PayloadError, match=named):
        map_delivery("order.updated", body, "d", None)  # type: ignore[arg-type]


@pytest.mark.parametrize("price", [Decimal("1E+30"), 10**40])
def test_a_price_too_large_to_round_is_refused_naming_the_line(kit: Any, price: Any) -> None:
    body = dict(
        kit.fixture_object(
            "woocommerce/wc_v3_docs__order_727_processing_guest_create_response.json"
        )
    )
    body["line_items"] = [body["line_items"][0], {**body["line_items"][1], "price": price}]
    with pytest.raises(PayloadError, match=r"line_items\[1\]\.price"):
        map_order(body)
