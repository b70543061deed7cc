"""The e2e soak: 1,000 orders of ``small`` with urban LTE links and a hub outage, cross-checked.

The issue's acceptance run: ``small`` with ``lte_urban`` customers and providers, no warm-up,
long enough for ``--orders`` orders (120 a day), the hub down for ``--outage-hours`` from 06:00
of the second day — in e2e mode (in process, virtual time) on SQLite, and on PostgreSQL when
``--postgres URL`` names a server (a fresh database is made there and dropped). Prints each run's
key figures and its cross-check; exits 1 when a cross-check fails or the two disagree.

    .venv/bin/python benchmarks/soak_e2e.py [--orders 1000] [--postgres postgresql://…/postgres]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from simulator.e2e.run import run_e2e
from simulator.scenario import Scenario


def soak_scenario(orders: int, outage_hours: float) -> Scenario:
    raw: dict[str, Any] = Scenario.load("small").to_mapping()
    raw["run"].update(horizon_days=orders / 120, warmup_days=0)
    raw["wireless"].update(customer="lte_urban", provider="lte_urban")
    raw["faults"] = [{"kind": "hub_down", "start_hours": 30.0, "end_hours": 30.0 + outage_hours}]
    return Scenario.from_mapping(raw, f"small-soak-{orders}.toml")


@contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"ascc_soak_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def one(label: str, scenario: Scenario, seed: int, url: str | None) -> dict[str, Any]:
    start = time.perf_counter()
    result = run_e2e(scenario, seed=seed, database_url=url)
    wall = time.perf_counter() - start
    s = result.summary
    print(
        f"== {label}: {s['model']['orders']:.0f} orders, {s['hub']['vouchers']} vouchers "
        f"{s['hub']['states']}, in {wall:.1f} s ({s['model']['orders'] / wall:.1f} orders/s)"
    )
    print(f"   links {s['links']}, parties {s['parties']}, settle {s['settle_hours']:.2f} h")
    print(
        f"   lost {s['lost']}, duplicated {s['duplicated']}, ledger "
        f"{s['cross_check']['ledger']}, cross-check {'ok' if result.ok else 'FAILED'}"
    )
    for refusal in s["refusals"]:
        print(f"   refused (the model's order of events, the hub's rules): {refusal}")
    if not result.ok:
        print(result.check.diff())
    return {k: v for k, v in s.items() if k != "timing"} | {"ok": result.ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--outage-hours", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL admin URL")
    args = parser.parse_args()
    scenario = soak_scenario(args.orders, args.outage_hours)
    runs = [one("SQLite", scenario, args.seed, None)]
    if args.postgres:
        with fresh_postgres(args.postgres) as url:
            runs.append(one("PostgreSQL", scenario, args.seed, url))
    same = all(run == runs[0] for run in runs)
    if len(runs) > 1:
        print(f"SQLite and PostgreSQL summaries {'identical' if same else 'DIFFER'}")
    sys.exit(0 if same and all(run["ok"] for run in runs) else 1)


if __name__ == "__main__":
    main()
