from __future__ import annotations

from collections import Counter
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ascc_plugin.issuing import entitled_units, entitled_vouchers, unique_programs
from ascc_plugin.models import GspRef, Line, Order, OrderEvent, Refund, RefundLine
from ascc_plugin.programs import Match, Program

GSP = GspRef(platform="shopify", shop="demo.myshopify.com")
KEY = b"test-key"
REPAIR = Program(
    id="repair-12m",
    kind="repair",
    term_months=12,
    match=Match(product_type=("Electronics",), min_unit_price=Decimal("50.00")),
)
SUPPORT = Program(id="support-24m", kind="support", term_months=24)


def _order(sample_event: OrderEvent, **changes: object) -> Order:
    return sample_event.order.model_copy(update=changes)


def test_one_voucher_per_unit_per_matching_program(sample_event: OrderEvent) -> None:
    vouchers = entitled_vouchers(GSP, sample_event.order, [REPAIR, SUPPORT], "paid", KEY)
    assert Counter((v.line_id, v.program) for v in vouchers) == {
        ("L1", "repair-12m"): 1,
        ("L1", "support-24m"): 1,
        ("L2", "repair-12m"): 2,
        ("L2", "support-24m"): 2,
    }
    assert len({v.id for v in vouchers}) == len(vouchers)
    assert {v.unit for v in vouchers if v.line_id == "L2"} == {0, 1}


def test_match_rules_need_every_given_key(sample_event: OrderEvent) -> None:
    cheap = Program(
        id="p",
        kind="repair",
        term_months=1,
        match=Match(product_type=("Electronics",), min_unit_price=Decimal("100")),
    )
    assert {
        v.line_id for v in entitled_vouchers(GSP, sample_event.order, [cheap], "paid", KEY)
    } == {"L1"}
    by_tag = Program(id="t", kind="support", term_months=1, match=Match(tag=("tv", "x")))
    assert {u.line.id for u in entitled_units(sample_event.order, [by_tag], "paid")} == {"L1"}
    by_vendor = Program(id="v", kind="support", term_months=1, match=Match(vendor=("Other",)))
    assert entitled_units(sample_event.order, [by_vendor], "paid") == []


def test_validity_is_the_program_term_from_the_order_date(sample_event: OrderEvent) -> None:
    [voucher] = entitled_vouchers(GSP, sample_event.order, [REPAIR], "paid", KEY)[:1]
    assert voucher.valid_until.isoformat() == "2027-11-02T10:12:44+00:00"


def test_unpaid_cancelled_and_unfulfilled_orders_entitle_nothing(sample_event: OrderEvent) -> None:
    programs = [SUPPORT]
    assert entitled_units(_order(sample_event, paid=False), programs, "paid") == []
    assert entitled_units(_order(sample_event, cancelled=True), programs, "paid") == []
    assert entitled_units(sample_event.order, programs, "fulfilled") == []
    assert entitled_units(_order(sample_event, fulfilled=True), programs, "fulfilled")


def test_refunds_take_back_the_highest_units(sample_event: OrderEvent) -> None:
    refund = Refund(
        id="R", created_at=sample_event.occurred_at, lines=(RefundLine(line_id="L2", quantity=1),)
    )
    order = _order(sample_event, refunds=(refund,))
    before = entitled_vouchers(GSP, sample_event.order, [SUPPORT], "paid", KEY)
    after = entitled_vouchers(GSP, order, [SUPPORT], "paid", KEY)
    assert [v.unit for v in after if v.line_id == "L2"] == [0]
    assert {v.id for v in after} < {v.id for v in before}


def test_programs_offered_twice_are_kept_once() -> None:
    assert unique_programs([[REPAIR, SUPPORT], [REPAIR]]) == [REPAIR, SUPPORT]


lines = st.lists(st.integers(0, 6), min_size=1, max_size=4)
refund_counts = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 9)), max_size=6)


@given(lines, refund_counts)
def test_refund_arithmetic_never_goes_negative_or_duplicates(
    quantities: list[int], refunds: list[tuple[int, int]]
) -> None:
    order_lines = tuple(
        Line(id=f"L{i}", quantity=q, unit_price="99.00", product_type="Electronics")
        for i, q in enumerate(quantities)
    )
    refund_objects = tuple(
        Refund(
            id=f"R{n}",
            created_at="2026-01-01T00:00:00Z",
            lines=(RefundLine(line_id=f"L{line}", quantity=qty),),
        )
        for n, (line, qty) in enumerate(refunds)
    )
    order = Order(
        id="1",
        currency="USD",
        total="1",
        placed_at="2026-01-01T00:00:00Z",
        paid=True,
        lines=order_lines,
        refunds=refund_objects,
    )
    vouchers = entitled_vouchers(GSP, order, [REPAIR, SUPPORT], "paid", KEY)
    assert len({v.id for v in vouchers}) == len(vouchers)
    refunded = Counter()
    for line, qty in refunds:
        refunded[f"L{line}"] += qty
    for line in order_lines:
        expected = max(0, line.quantity - refunded[line.id])
        units = sorted(
            v.unit for v in vouchers if v.line_id == line.id and v.program == "repair-12m"
        )
        assert units == list(range(expected))
