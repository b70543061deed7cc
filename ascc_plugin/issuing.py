"""Which vouchers an order entitles (pure functions: no I/O, no clock).

One voucher per unit per matching program: a line entitles ``quantity − refunded`` units while
the order is paid (or fulfilled, per ``issue_on``) and not cancelled. Refunds take back the
highest unit numbers first, so units ``0 … n−1`` stay entitled and their ids do not change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal, NamedTuple

from dateutil.relativedelta import relativedelta

from ascc_plugin.identity import voucher_id
from ascc_plugin.models import GspRef, Line, Order
from ascc_plugin.programs import Program
from ascc_plugin.vouchers import Voucher

IssueOn = Literal["paid", "fulfilled"]
MAX_VOUCHERS_PER_EVENT = 10_000
"""The default bound of vouchers one order may entitle (``[store]`` and ``[hub]`` settings)."""
UnitKey = tuple[str, str, int, str]
"""What one voucher covers, known without any key: (order id, line id, unit, program id)."""


class Unit(NamedTuple):
    """One entitled unit: the ``unit``-th item of ``line``, covered by ``program``."""

    program: Program
    line: Line
    unit: int


def order_qualifies(order: Order, issue_on: IssueOn) -> bool:
    """Whether the order's state entitles anything at all."""
    if order.cancelled:
        return False
    return order.fulfilled if issue_on == "fulfilled" else order.paid


def entitled_units(order: Order, programs: Sequence[Program], issue_on: IssueOn) -> list[Unit]:
    """Every (program, line, unit) the order entitles now, in line, unit, program order."""
    if not order_qualifies(order, issue_on):
        return []
    refunded = order.refunded_units()
    units: list[Unit] = []
    for line in order.lines:
        covering = [program for program in programs if program.matches(line)]
        for unit in range(line.quantity - refunded[line.id]):
            units.extend(Unit(program, line, unit) for program in covering)
    return units


def entitled_total(order: Order, programs: Sequence[Program], issue_on: IssueOn) -> int:
    """How many vouchers the order entitles now, counted without listing them (cheap for any
    quantity: check it against a bound before :func:`entitled_units`)."""
    if not order_qualifies(order, issue_on):
        return 0
    refunded = order.refunded_units()
    return sum(
        (line.quantity - refunded[line.id]) * sum(1 for p in programs if p.matches(line))
        for line in order.lines
    )


class TooManyVouchers(ValueError):
    """An order entitles more vouchers than one event may carry."""


def check_total(order: Order, programs: Sequence[Program], issue_on: IssueOn, most: int) -> int:
    """:func:`entitled_total`, or :class:`TooManyVouchers` when it is over ``most``."""
    total = entitled_total(order, programs, issue_on)
    if total > most:
        raise TooManyVouchers(
            f"the order entitles {total} vouchers; one event may carry at most {most}"
        )
    return total


def entitled_keys(order: Order, programs: Sequence[Program], issue_on: IssueOn) -> list[UnitKey]:
    """What each voucher the order entitles now covers (a store without the hub's id key)."""
    units = entitled_units(order, programs, issue_on)
    return [(order.id, unit.line.id, unit.unit, unit.program.id) for unit in units]


def entitled_counts(order: Order, programs: Sequence[Program], issue_on: IssueOn) -> dict[str, int]:
    """How many units the order entitles now, per program id (no ids: no key needed)."""
    counts: dict[str, int] = {}
    for unit in entitled_units(order, programs, issue_on):
        counts[unit.program.id] = counts.get(unit.program.id, 0) + 1
    return counts


def entitled_vouchers(
    gsp: GspRef, order: Order, programs: Sequence[Program], issue_on: IssueOn, id_key: bytes
) -> list[Voucher]:
    """The vouchers (state ``issued``, no token or secret yet) the order entitles now (each
    term's end computed once per order: this runs on every ingest and simulated order)."""
    terms: dict[int, datetime] = {}
    vouchers = []
    for unit in entitled_units(order, programs, issue_on):
        program, line = unit.program, unit.line
        valid_until = terms.get(program.term_months)
        if valid_until is None:
            valid_until = order.placed_at + relativedelta(months=program.term_months)
            terms[program.term_months] = valid_until
        vouchers.append(
            Voucher(
                id=voucher_id(
                    id_key, gsp.platform, gsp.shop, order.id, line.id, unit.unit, program.id
                ),
                program=program.id,
                kind=program.kind,
                order_id=order.id,
                line_id=line.id,
                unit=unit.unit,
                valid_until=valid_until,
            )
        )
    return vouchers


def unique_programs(offers: Iterable[Sequence[Program]]) -> list[Program]:
    """Concatenate the programs offered by several plugins, keeping the first of each id."""
    seen: dict[str, Program] = {}
    for offer in offers:
        for program in offer:
            seen.setdefault(program.id, program)
    return list(seen.values())
