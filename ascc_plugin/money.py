"""Exact money amounts: ``Decimal`` in Python, a decimal string on the wire, never a float.

Amounts are bounded (at most :data:`MAX_WHOLE_DIGITS` digits before the point and
:data:`MAX_FRACTION_DIGITS` after it): a storefront never charges more, and an unbounded
``Decimal`` (``1E+999999``) would turn every comparison and every serialisation into work for
an attacker. :data:`Price` (line prices, order totals, reward amounts) is never negative.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

MAX_WHOLE_DIGITS = 15
MAX_FRACTION_DIGITS = 18
DECIMAL_PATTERN = rf"^[+-]?[0-9]{{1,{MAX_WHOLE_DIGITS}}}(\.[0-9]{{1,{MAX_FRACTION_DIGITS}}})?$"
PRICE_PATTERN = rf"^\+?[0-9]{{1,{MAX_WHOLE_DIGITS}}}(\.[0-9]{{1,{MAX_FRACTION_DIGITS}}})?$"
_DECIMAL = re.compile(DECIMAL_PATTERN)


def parse_amount(value: Any) -> Decimal:
    """Turn a decimal string, an ``int`` or a ``Decimal`` into a bounded, finite ``Decimal``.

    Floats are refused: a binary float cannot hold most cent amounts exactly, so accepting one
    would silently change what the store charged.
    """
    if type(value) is Decimal:  # the common case first: adapters hand over Decimals
        return bounded(value)
    if isinstance(value, bool):
        raise ValueError("an amount must be a decimal string such as '19.99', not a boolean")
    if isinstance(value, float):
        raise ValueError(
            f"an amount must be a decimal string such as '19.99', not the float {value!r}"
        )
    if isinstance(value, str):
        if len(value) > 64 or not _DECIMAL.match(value):
            raise ValueError(f"{value[:64]!r} is not a decimal amount such as '19.99'")
        return Decimal(value)
    if isinstance(value, (int, Decimal)):
        return bounded(value)
    raise ValueError(f"an amount must be a decimal string, not {type(value).__name__}")


def bounded(value: int | Decimal) -> Decimal:
    """``value`` as a ``Decimal`` if it is finite and within the digit bounds; else ValueError."""
    try:
        amount = value if type(value) is Decimal else Decimal(value)
    except (InvalidOperation, ValueError):
        raise ValueError("not a decimal amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    whole = max(amount.adjusted() + 1, 0)
    if whole > MAX_WHOLE_DIGITS or -exponent > MAX_FRACTION_DIGITS:
        raise ValueError(
            f"an amount has at most {MAX_WHOLE_DIGITS} digits before the point and "
            f"{MAX_FRACTION_DIGITS} after it"
        )
    return amount


def not_negative(amount: Decimal) -> Decimal:
    if amount < 0:
        raise ValueError(f"a price is never negative ({amount})")
    return amount


def as_text(amount: Decimal) -> str:
    """Plain positional notation (``Decimal('1E+2')`` is written ``100``)."""
    return format(amount, "f")


Amount = Annotated[
    Decimal,
    BeforeValidator(parse_amount),
    PlainSerializer(as_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "examples": ["19.99"]}),
]
"""A money amount field: validated by :func:`parse_amount`, serialised as a string."""

Price = Annotated[
    Decimal,
    BeforeValidator(parse_amount),
    AfterValidator(not_negative),
    PlainSerializer(as_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": PRICE_PATTERN, "examples": ["19.99"]}),
]
"""An amount that is never negative: prices, totals, rewards."""

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
