"""What ``ascc vouchers preview`` tells a store owner: per line, which programs match and why not.

:func:`explain` builds the report (pure: the event, the store's programs and the vouchers the
preview handler computed); :func:`render` writes it for people, ``--json`` prints it as is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ascc_plugin.issuing import IssueOn, order_qualifies
from ascc_plugin.models import Line, Order, OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.vouchers import Voucher


def explain(
    event: OrderEvent, programs: Sequence[Program], vouchers: Sequence[Voucher], issue_on: IssueOn
) -> dict[str, Any]:
    """The preview report: the order, why it does (not) qualify, each line, the vouchers."""
    order = event.order
    counts = Counter((v.line_id, v.program) for v in vouchers)
    return {
        "event": {"event_id": event.event_id, "kind": event.kind},
        "store": event.gsp.model_dump(),
        "order": {"id": order.id, "number": order.number, "currency": order.currency},
        "qualifies": order_qualifies(order, issue_on),
        "reason": order_reason(order, issue_on),
        "lines": [line_report(line, programs, counts, order) for line in order.lines],
        "vouchers": [voucher.to_json() for voucher in vouchers],
    }


def order_reason(order: Order, issue_on: IssueOn) -> str | None:
    """Why the order entitles nothing at all (``None`` when it qualifies)."""
    if order.cancelled:
        return "the order is cancelled"
    if issue_on == "fulfilled" and not order.fulfilled:
        return 'the order is not fulfilled (issue_on = "fulfilled")'
    if issue_on == "paid" and not order.paid:
        return 'the order is not paid (issue_on = "paid")'
    return None


def line_report(
    line: Line, programs: Sequence[Program], counts: Counter[tuple[str, str]], order: Order
) -> dict[str, Any]:
    facts = line.model_dump(mode="json", include={"id", "title", "sku", "product_id"})
    return {
        **facts,
        "quantity": line.quantity,
        "refunded": order.refunded_units()[line.id],
        "unit_price": str(line.unit_price),
        "catalog": line.catalog,
        "product": {
            "product_type": line.product_type,
            "vendor": line.vendor,
            "tags": list(line.tags),
            "collections": list(line.collections),
            "categories": list(line.categories),
        },
        "programs": [
            {
                "id": program.id,
                "matched": not (reasons := program.match.explain(line)),
                "vouchers": counts[(line.id, program.id)],
                "reasons": reasons,
            }
            for program in programs
        ],
    }


def render(report: dict[str, Any]) -> str:
    """The report for people: a headline, then each line and each program, ✓ or ✗ and why."""
    order, store = report["order"], report["store"]
    count = len(report["vouchers"])
    number = f" ({order['number']})" if order["number"] not in (None, order["id"]) else ""
    headline = (
        f"order {order['id']}{number} of {store['platform']} {store['shop']}: "
        f"{count} voucher{'s' * (count != 1)}"
    )
    text = [headline]
    if report["reason"]:
        text.append(f"  no vouchers: {report['reason']}")
    for line in report["lines"]:
        text.extend(render_line(line))
    return "\n".join(text)


def render_line(line: dict[str, Any]) -> list[str]:
    where = f"product {line['product_id']}" if line["product_id"] else "no product id"
    facts = _product_facts(line["product"])
    if line["catalog"]:
        known = f"catalog: {facts or 'no type'}"
    else:
        known = f"as the order says: {facts}" if facts else "not in the catalog"
    refunded = f", {line['refunded']} refunded" if line["refunded"] else ""
    text = [
        f"line {line['id']} {line['title']!r} ×{line['quantity']}{refunded} at "
        f"{line['unit_price']}, {where} ({known})"
    ]
    for program in line["programs"]:
        if program["matched"]:
            made = program["vouchers"]
            text.append(f"  ✓ {program['id']}: {made} voucher{'s' * (made != 1)}")
            continue
        first, *more = program["reasons"]
        prefix = f"  ✗ {program['id']}: "
        text.append(prefix + first)
        text.extend(" " * len(prefix) + reason for reason in more)
    return text


def _product_facts(product: dict[str, Any]) -> str:
    shown = [product["product_type"]] if product["product_type"] else []
    for key in ("tags", "collections", "categories"):
        if product[key]:
            shown.append(f"{key} {', '.join(product[key])}")
    return "; ".join(shown)
