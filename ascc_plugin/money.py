"""Exact money amounts: ``Decimal`` in Python, a decimal string on the wire, never a float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema


def parse_amount(value: Any) -> Decimal:
    """Turn a decimal string, an ``int`` or a ``Decimal`` into a finite ``Decimal``.

    Floats are refused: a binary float cannot hold most cent amounts exactly, so accepting one
    would silently change what the store charged.
    """
    if isinstance(value, bool):
        raise ValueError("an amount must be a decimal string such as '19.99', not a boolean")
    if isinstance(value, float):
        raise ValueError(
            f"an amount must be a decimal string such as '19.99', not the float {value!r}"
        )
    if isinstance(value, (int, Decimal)):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal amount") from None
    else:
        raise ValueError(f"an amount must be a decimal string, not {type(value).__name__}")
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return amount


DECIMAL_PATTERN = r"^[+-]?[0-9]+(\.[0-9]+)?$"

Amount = Annotated[
    Decimal,
    BeforeValidator(parse_amount),
    PlainSerializer(lambda amount: str(amount), return_type=str),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "examples": ["19.99"]}),
]
"""A money amount field: validated by :func:`parse_amount`, serialised as a string."""
