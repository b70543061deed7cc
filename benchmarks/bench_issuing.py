"""Pure issuing: vouchers/s of ``entitled_vouchers`` beside the floor of its one unavoidable cost.

Every ingest at the hub and every simulated order runs ``ascc_plugin.issuing.entitled_vouchers``
(match the programs, one keyed id per unit, the term's end, a validated ``Voucher``). The floor
is the keyed hash alone (``hmac.digest`` of the same material, once per voucher). CPU time of
this process, alternated rounds, median ratio.

    .venv/bin/python benchmarks/bench_issuing.py [--orders 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import hmac
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from ascc_plugin.issuing import entitled_vouchers
from ascc_plugin.models import GspRef, Line, Order
from ascc_plugin.programs import Program

KEY = b"k" * 32
GSP = GspRef(platform="shopify", shop="demo.myshopify.com")
PROGRAMS = [
    Program.model_validate(
        {"id": "repair-12m", "kind": "repair", "term_months": 12, "match": {"min_unit_price": "50"}}
    ),
    Program.model_validate({"id": "support-24m", "kind": "support", "term_months": 24}),
]


def orders(count: int) -> list[Order]:
    """Two lines each: two units at 80.00 (repair and support), one at 20.00 (support): 5."""
    placed = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Order(
            id=str(n),
            currency="USD",
            total=Decimal("180.00"),
            placed_at=placed,
            paid=True,
            lines=(
                Line(id=f"{n}-0", quantity=2, unit_price=Decimal("80.00")),
                Line(id=f"{n}-1", quantity=1, unit_price=Decimal("20.00")),
            ),
        )
        for n in range(count)
    ]


def cpu(work: Callable[[], int]) -> tuple[int, float]:
    begin = time.process_time()
    done = work()
    return done, time.process_time() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    made = orders(args.orders)

    def issuing() -> int:
        return sum(len(entitled_vouchers(GSP, o, PROGRAMS, "paid", KEY)) for o in made)

    def floor() -> int:
        material = [
            f'["shopify", "demo.myshopify.com", "{o.id}", "{o.id}-0", 0, "r"]' for o in made
        ]
        return sum(len(hmac.digest(KEY, m.encode(), "sha256")) > 0 for m in material * 5)

    rates, floors = [], []
    for _ in range(args.rounds):
        count, spent = cpu(issuing)
        rates.append(count / spent)
        count, spent = cpu(floor)
        floors.append(count / spent)
    rate, base = statistics.median(rates), statistics.median(floors)
    ratios = sorted(r / f for r, f in zip(rates, floors, strict=True))
    print(f"issuing       {rate:>12,.0f} vouchers/s  (median of {args.rounds} rounds, CPU time)")
    print(f"keyed id only {base:>12,.0f} ids/s       (the floor: hmac.digest per voucher)")
    print(
        f"ratio         {statistics.median(ratios):>12.2f}  (per round: "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + ")"
    )


if __name__ == "__main__":
    main()
