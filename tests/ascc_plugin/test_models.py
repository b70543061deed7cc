from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ascc_plugin.models import Line, Order, OrderEvent


def test_event_round_trips_with_money_as_strings(sample_event_json: dict) -> None:
    event = OrderEvent.model_validate(sample_event_json)
    dumped = json.loads(event.model_dump_json())
    assert dumped["order"]["total"] == "1439.97"
    assert dumped["order"]["lines"][0]["unit_price"] == "1299.99"
    assert OrderEvent.model_validate(dumped) == event


def test_a_float_amount_is_refused_with_a_clear_error(sample_event_json: dict) -> None:
    sample_event_json["order"]["lines"][0]["unit_price"] = 1299.99
    with pytest.raises(ValidationError, match=r"not the float 1299\.99"):
        OrderEvent.model_validate(sample_event_json)


def test_a_float_amount_is_refused_in_json_input_too(sample_event_json: dict) -> None:
    text = json.dumps(sample_event_json).replace('"1439.97"', "1439.97")
    with pytest.raises(ValidationError, match="decimal string"):
        OrderEvent.model_validate_json(text)


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "12,50", "", True])
def test_non_amounts_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        Line(id="L", quantity=1, unit_price=bad)


def test_integer_and_string_amounts_are_exact() -> None:
    assert Line(id="L", quantity=1, unit_price=10).unit_price == Decimal("10")
    assert Line(id="L", quantity=1, unit_price="10.799999999999999").unit_price == Decimal(
        "10.799999999999999"
    )


def test_unknown_fields_and_naive_times_are_refused(sample_event_json: dict) -> None:
    bad = json.loads(json.dumps(sample_event_json))
    bad["order"]["colour"] = "red"
    with pytest.raises(ValidationError, match="colour"):
        OrderEvent.model_validate(bad)
    naive = json.loads(json.dumps(sample_event_json))
    naive["occurred_at"] = "2026-11-02T10:15:00"
    with pytest.raises(ValidationError, match="timezone"):
        OrderEvent.model_validate(naive)


def test_refunded_units_sum_per_line_and_cap_at_quantity(sample_event: OrderEvent) -> None:
    refund = {"id": "R1", "created_at": "2026-11-03T00:00:00Z"}
    order = Order.model_validate(
        {
            **sample_event.order.model_dump(),
            "refunds": [
                {**refund, "lines": [{"line_id": "L2", "quantity": 1}]},
                {**refund, "id": "R2", "lines": [{"line_id": "L2", "quantity": 5}]},
                {**refund, "id": "R3", "lines": [{"line_id": "nope", "quantity": 1}]},
            ],
        }
    )
    assert order.refunded_units() == {"L2": 2}
