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


# ISO 4217 currencies whose minor unit is not 1/100 (all others: two decimals).
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"}
    | {"RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"}
)
THREE_DECIMAL = frozenset(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])
CURRENCY_PATTERN = r"^[A-Z]{3}$"


def minor_digits(currency: str) -> int:
    """How many decimals the currency's minor unit has (ISO 4217)."""
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def to_minor(amount: Decimal, currency: str) -> int:
    """``amount`` in integer minor units of ``currency`` (``Decimal("12.50")``, EUR → 1250).

    An amount finer than the minor unit (``"1.001"`` EUR) is refused with :class:`ValueError`:
    money is never rounded silently.
    """
    scaled = amount.scaleb(minor_digits(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency} allows")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Integer minor units back to a ``Decimal`` with the currency's decimals (1250 → 12.50)."""
    digits = minor_digits(currency)
    return Decimal(minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))
