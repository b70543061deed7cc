"""Reading storefront JSON exactly: no float ever, ids as strings, named errors.

Rules (README "Connecting a store"):

* JSON is parsed with ``parse_float=Decimal``: a JSON number with a fraction becomes the
  ``Decimal`` of its exact text; integers stay Python ``int`` (any size), so 64-bit ids never
  pass through a float. ``NaN``/``Infinity`` are refused.
* Ids become strings (``450789469`` → ``"450789469"``).
* Money given as a string is kept exactly as sent (Shopify: ``"199.00"``). Money given as a
  JSON number (WooCommerce line ``price``, e.g. ``10.799999999999999``) is rounded to the
  currency's minor unit, half up (``10.80``): WooCommerce computes ``price`` as line total ÷
  quantity in PHP floats, so the digits past the minor unit are float noise.
* Quantities become whole units by flooring (``1.5`` → ``1``; negative → ``0``): a voucher
  covers one whole unit, and a fractional unit (sold by weight or length) entitles no extra one.
  More than :data:`MAX_UNITS` units on one line is refused.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from ascc_plugin.models import MAX_UNITS
from ascc_plugin.money import minor_digits as minor_digits  # the one ISO 4217 table, re-exported

T = TypeVar("T")


class PayloadError(ValueError):
    """The body is not what the endpoint takes; the message names what is wrong."""


def parse_json(body: bytes) -> Any:
    """The JSON document in ``body``, numbers with a fraction as ``Decimal``.

    What ``json.loads(body, parse_float=Decimal, …)`` does, with the decoder made once instead
    of per call (``json.loads`` builds a new decoder whenever it is given a hook).
    """
    try:
        return DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PayloadError(f"the body is not valid JSON ({exc})") from None


def _refuse_constant(name: str) -> Any:
    raise PayloadError(f"the body holds {name}, which is not a JSON number")


DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant)


def obj(value: Any, where: str) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else a PayloadError naming ``where``."""
    if not isinstance(value, Mapping):
        raise PayloadError(f"{where} is not a JSON object")
    return value


def items(value: Any, where: str) -> list[Mapping[str, Any]]:
    """A JSON array of objects (``null`` or absent → empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{where} is not a JSON array")
    for index, item in enumerate(value):
        if type(item) is not dict and not isinstance(item, Mapping):  # JSON objects are dicts
            raise PayloadError(f"{where}[{index}] is not a JSON object")
    return value


def map_items(value: Any, where: str, convert: Callable[[Mapping[str, Any]], T]) -> list[T]:
    """``convert`` of each object of the JSON array ``value``; an error names the item.

    ``convert`` names fields by their own key (``quantity``); the error says which item's
    (``line_items[2].quantity``), so no name is built for the items that are fine.
    """
    converted = []
    for index, item in enumerate(items(value, where)):
        try:
            converted.append(convert(item))
        except PayloadError as exc:
            raise PayloadError(f"{where}[{index}].{exc}") from None
    return converted


def id_str(value: Any, where: str) -> str:
    """A storefront id as a string: a whole JSON number or a non-empty string."""
    if type(value) is int and value >= 0:  # the common case first (bool is not int's type)
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise PayloadError(f"{where} is missing or not an id")


def opt_id(value: Any) -> str | None:
    """An optional reference id: ``None``, ``""`` and ``0`` (WooCommerce's "none") → ``None``."""
    if type(value) is int:  # the common case first (bool is not int's type)
        return str(value) if value else None
    if value in (None, "", 0) or isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip()):
        return str(value).strip()
    return None


def opt_text(value: Any) -> str | None:
    """A non-empty string, else ``None``."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


def exact_amount(value: Any, where: str) -> Decimal:
    """A money amount exactly as sent (string or JSON number), as a finite ``Decimal``."""
    if type(value) is Decimal and value.is_finite():  # a JSON number with a fraction
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise PayloadError(f"{where} is missing or not an amount")
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise PayloadError(f"{where} is not a decimal amount: {value!r}") from None
    if not amount.is_finite():
        raise PayloadError(f"{where} is not a finite amount")
    return amount


def number_amount(value: Any, step: Decimal, where: str) -> Decimal:
    """A money amount: strings exactly as sent, JSON numbers rounded half up to ``step``.

    ``step`` is the currency's minor unit (:func:`minor_step`), looked up once per order.
    """
    amount = exact_amount(value, where)
    if isinstance(value, str):
        return amount
    return rounded(amount, step, where)


def rounded(amount: Decimal, step: Decimal, where: str) -> Decimal:
    """``amount`` rounded half up to ``step``; one too large to round is a PayloadError."""
    try:
        return amount.quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds (1E+30 to the cent)
        raise PayloadError(f"{where} is not an amount a store charges") from None


def minor_step(currency: str) -> Decimal:
    """The currency's minor unit as a ``Decimal`` exponent (``0.01`` for EUR).

    Cached by number of digits, not by currency: the currency is not validated yet, and a
    cache keyed by whatever a body names would grow with every new string.
    """
    return digits_step(minor_digits(currency))


@functools.cache
def digits_step(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)


def whole_units(value: Any, where: str) -> int:
    """A quantity as whole units: floored, never below zero."""
    if type(value) is int and value <= MAX_UNITS:  # the common case (bool is not int's type)
        return max(0, value)
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise PayloadError(f"{where} is missing or not a quantity")
    try:
        quantity = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise PayloadError(f"{where} is not a quantity: {value!r}") from None
    if not quantity.is_finite() or quantity > MAX_UNITS:
        raise PayloadError(f"{where} is not a quantity of at most {MAX_UNITS} units")
    return max(0, int(quantity.to_integral_value(rounding=ROUND_FLOOR)))
