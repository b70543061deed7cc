"""One source of truth for sizes: the canonical models' bounds fit the hub's columns.

The store refuses at intake what the models refuse, and the hub validates every event with the
same models, so a value the models accept must be storable on every database. This test reads
each bound from the pydantic field and each width from the SQLAlchemy column: widening a model
field without its column (or narrowing a column) fails here, not on PostgreSQL in production.
"""

from __future__ import annotations

from typing import Any

import pytest
from annotated_types import MaxLen
from pydantic import BaseModel
from sqlalchemy import Column

from ascc_plugin import models
from ascc_plugin.programs import MAX_SLUG, Program
from center.deliveries.models import ProcessedEvent
from center.parties.models import Customer, Gsp
from center.vouchers.models import GspProgram, Voucher


def max_length(model: type[BaseModel], name: str) -> int:
    """The ``max_length`` of a model field (from its constraints or its pattern's repeat)."""
    field = model.model_fields[name]
    found = [item.max_length for item in field.metadata if isinstance(item, MaxLen)]
    if found:
        return found[0]
    schema: Any = model.model_json_schema()["properties"][name]
    for option in [schema, *schema.get("anyOf", [])]:
        if "maxLength" in option:
            return int(option["maxLength"])
    raise AssertionError(f"{model.__name__}.{name} has no maximum length")


def width(column: Any) -> int:
    length = column.property.columns[0].type.length if hasattr(column, "property") else None
    if length is None and isinstance(column, Column):
        length = column.type.length
    assert isinstance(length, int), column
    return length


STORED = [
    (models.Order, "id", Voucher.order_id),
    (models.Line, "id", Voucher.line_id),
    (models.GspRef, "shop", Gsp.shop),
    (models.Customer, "name", Customer.name),
    (models.Customer, "email", Customer.email),
    (models.Customer, "phone", Customer.phone),
]


@pytest.mark.parametrize(("model", "name", "column"), STORED)
def test_every_stored_field_fits_its_column(model: type[BaseModel], name: str, column: Any) -> None:
    assert max_length(model, name) <= width(column), f"{model.__name__}.{name} vs {column}"


def test_the_customer_key_fits_an_id_or_an_email() -> None:
    key = width(Customer.customer_key)
    assert len("id:") + max_length(models.Customer, "id") <= key
    assert len("email:") + max_length(models.Customer, "email") <= key


def test_program_ids_and_kinds_fit_their_columns() -> None:
    for column in (Voucher.program, Voucher.kind, GspProgram.program_id, GspProgram.kind):
        assert width(column) >= MAX_SLUG
    assert Program.model_json_schema()["properties"]["id"]["pattern"].endswith(
        f"{{0,{MAX_SLUG - 1}}}$"
    )


def test_platform_pattern_fits_its_column() -> None:
    pattern = models.GspRef.model_json_schema()["properties"]["platform"]["pattern"]
    assert pattern.endswith("{0,31}$") and width(Gsp.platform) >= 32


def test_webhook_ids_fit_the_idempotency_record() -> None:
    from center.api.signed import MAX_WEBHOOK_ID

    assert width(ProcessedEvent.webhook_id) >= MAX_WEBHOOK_ID


def test_an_event_at_every_bound_is_accepted(sample_event_json: dict[str, Any]) -> None:
    order = sample_event_json["order"]
    order["id"] = "o" * models.MAX_ID
    order["customer"] = {
        "id": "c" * models.MAX_ID,
        "email": "e" * (models.MAX_EMAIL - 12) + "@example.com",
        "phone": "1" * models.MAX_PHONE,
        "name": "n" * models.MAX_NAME,
    }
    order["lines"][0]["quantity"] = models.MAX_UNITS
    event = models.OrderEvent.model_validate(sample_event_json)
    assert event.order.customer is not None and len(event.order.customer.name or "") == 200
