"""Money in minor units: exact both ways, refusing what a currency cannot hold."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascc_plugin.money import from_minor, minor_digits, to_minor


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("JPY", 0), ("KWD", 3)])
def test_minor_digits_follow_iso_4217(currency: str, digits: int) -> None:
    assert minor_digits(currency) == digits


@given(st.integers(-(10**15), 10**15), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_minor_units_round_trip_exactly(minor: int, currency: str) -> None:
    assert to_minor(from_minor(minor, currency), currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency"), [("1.001", "EUR"), ("5.5", "JPY"), ("0.0001", "KWD")]
)
def test_amounts_finer_than_the_minor_unit_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(ValueError, match="more decimals"):
        to_minor(Decimal(amount), currency)


def test_trailing_zeros_are_not_extra_precision() -> None:
    assert to_minor(Decimal("12.500"), "EUR") == 1250
    assert str(from_minor(1250, "EUR")) == "12.50"
