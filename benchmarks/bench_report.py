"""The reward report on 100,000 vouchers: how long ``GET /api/v1/reports`` takes to build, on
PostgreSQL (and SQLite for comparison), and the query plans that make it an index plan — one
grouped pass per figure, never a scan per provider.

A marketplace is written straight into a fresh database with Core bulk inserts (a realistic
mix: 80 % redeemed, 70 % completed, 50 % assessed, 40 % given an incentive, premiums on every
voucher, a claim on one in twenty), then the report is built for the operator, one store and
one provider, each timed over a few runs (median), through :func:`center.reports.services.build`.

    .venv/bin/python benchmarks/bench_report.py [--vouchers 100000] [--backends postgres,sqlite]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Table, text  # noqa: E402

from center import migrate  # noqa: E402
from center.infra.db import Database  # noqa: E402
from center.models import (  # noqa: E402
    Assessment,
    AuditEvent,
    Gsp,
    Incentive,
    LedgerEntry,
    Policy,
    Provider,
    Voucher,
)
from center.reports.services import Scope, build  # noqa: E402
from center.settings import HubSettings  # noqa: E402

PG_ADMIN = os.environ.get("ASCC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
START = datetime(2026, 1, 1, tzinfo=UTC)
GSPS, PROVIDERS, BATCH, RUNS = 5, 60, 5000, 5


def table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def seed(database: Database, count: int, rng: random.Random) -> None:
    """``count`` vouchers and everything their lives left behind, in bulk."""
    gsps = [f"gsp-{n:04d}" for n in range(GSPS)]
    providers = [f"prv-{n:04d}" for n in range(PROVIDERS)]
    with database.transaction() as session:
        connection = session.connection()
        connection.execute(table(Gsp).insert(), [gsp_row(g) for g in gsps])
        connection.execute(table(Provider).insert(), [provider_row(p) for p in providers])
        connection.execute(table(Policy).insert(), [policy_row()])
    for first in range(0, count, BATCH):
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        for n in range(first, min(count, first + BATCH)):
            life(rows, n, rng.choice(gsps), rng.choice(providers), rng)
        with database.transaction() as session:
            for name, items in rows.items():
                if items:
                    session.connection().execute(TABLES[name].insert(), items)


TABLES = {
    "vouchers": table(Voucher),
    "audit": table(AuditEvent),
    "assessments": table(Assessment),
    "incentives": table(Incentive),
    "ledger": table(LedgerEntry),
}


def life(
    rows: dict[str, list[dict[str, Any]]], n: int, gsp: str, provider: str, rng: random.Random
) -> None:
    vid = f"V{n:015d}"
    issued = START + timedelta(minutes=5 * n / 10)
    redeemed, completed = issued + timedelta(hours=rng.uniform(2, 200)), None
    progress = rng.random()
    state = "issued"
    rows["audit"].append(audit(vid, "issue", None, "issued", issued))
    premium(rows, vid, gsp, issued)
    if progress < 0.8:
        state = "in_service"
        rows["audit"].append(audit(vid, "redeem", "assigned", "in_service", redeemed))
    if progress < 0.7:
        state, completed = "completed", redeemed + timedelta(hours=rng.uniform(1, 72))
        rows["audit"].append(audit(vid, "complete", "in_service", "completed", completed))
        if n % 20 == 0:
            claim(rows, vid, gsp, provider, completed)
    if progress < 0.5 and completed is not None:
        state = "assessed"
        assessed(rows, vid, gsp, provider, rng.choice((2, 3, 4, 4, 5, 5, 5)), completed, progress)
    rows["vouchers"].append(
        voucher_row(vid, gsp, provider if progress < 0.8 else None, state, issued)
    )


def assessed(rows: dict[str, list[dict[str, Any]]], vid: str, gsp: str, provider: str, score: int,
             at: datetime, progress: float) -> None:  # fmt: skip
    rows["assessments"].append(
        {"voucher_id": vid, "gsp_id": gsp, "provider_id": provider, "program": "repair-12m",
         "score": score, "comment": None, "comment_hidden": False, "incentive_reason": None,
         "at": at}
    )  # fmt: skip
    if progress >= 0.4:
        return
    state = "redeemed" if progress < 0.25 else "lapsed" if progress < 0.3 else "issued"
    rows["incentives"].append(
        {"id": "I" + vid[1:], "voucher_id": vid, "gsp_id": gsp, "provider_id": provider,
         "customer_seq": None, "program": "repair-12m", "amount": 1000, "currency": "EUR",
         "state": state, "holder_digest": "x" * 64, "token": "t", "issued_at": at,
         "redeemable_at": at, "lapses_at": at + timedelta(days=30),
         "released_at": at if state == "redeemed" else None,
         "redeemed_at": at + timedelta(days=3) if state == "redeemed" else None,
         "ended_at": at + timedelta(days=30) if state == "lapsed" else None}
    )  # fmt: skip


def legs(kind: str, ref: str, at: datetime, gsp: str, provider: str | None,
         pairs: list[tuple[str, int]]) -> list[dict[str, Any]]:  # fmt: skip
    return [
        {"kind": kind, "ref": ref, "account": account, "currency": "EUR", "amount": amount,
         "gsp_id": gsp, "provider_id": provider, "policy_id": "care", "at": at}
        for account, amount in pairs
    ]  # fmt: skip


def premium(rows: dict[str, list[dict[str, Any]]], vid: str, gsp: str, at: datetime) -> None:
    pairs = [(f"gsp:{gsp}:premium-expense", 495), ("policy:care:premiums", -495)]
    rows["ledger"] += legs("premium.accrued", vid, at, gsp, None, pairs)


def claim(
    rows: dict[str, list[dict[str, Any]]], vid: str, gsp: str, provider: str, at: datetime
) -> None:
    pairs = [("policy:care:claims", 4000), (f"provider:{provider}:receivable", -4000)]
    rows["ledger"] += legs("claim.approved", "C" + vid, at, gsp, provider, pairs)
    reserve = [("policy:care:incurred", 2500), ("policy:care:reserve", -2500)]
    rows["ledger"] += legs("claim.reserved", "P" + vid, at, gsp, provider, reserve)


def audit(vid: str, action: str, before: str | None, after: str, at: datetime) -> dict[str, Any]:
    return {"voucher_id": vid, "action": action, "from_state": before, "to_state": after,
            "actor_kind": "system", "actor_id": None, "detail": None, "at": at}  # fmt: skip


def voucher_row(
    vid: str, gsp: str, provider: str | None, state: str, at: datetime
) -> dict[str, Any]:
    return {"id": vid, "gsp_id": gsp, "customer_seq": None, "provider_id": provider,
            "program": "repair-12m", "kind": "repair", "order_id": vid, "line_id": "L1",
            "unit": 0, "state": state, "valid_until": at + timedelta(days=365), "token": None,
            "holder_digest": "x" * 64, "currency": "EUR", "unit_price": 9900, "notes": None,
            "created_at": at, "updated_at": at}  # fmt: skip


def gsp_row(gsp: str) -> dict[str, Any]:
    return {"id": gsp, "name": gsp, "platform": "shopify", "shop": f"{gsp}.example",
            "key_digest": uuid.uuid4().hex * 2, "signing_secret": "whsec_x", "webhook_url": None,
            "created_at": START}  # fmt: skip


def provider_row(provider: str) -> dict[str, Any]:
    return {"id": provider, "name": provider, "region": None, "capacity": 10, "description": "",
            "email": None, "key_digest": uuid.uuid4().hex * 2, "rating_total": 0,
            "reviews_count": 0, "completed_services": 0, "created_at": START}  # fmt: skip


def policy_row() -> dict[str, Any]:
    return {"id": "care", "insurer": "Mutual", "currency": "EUR", "premium_fixed": 495,
            "premium_rate": None, "coverage_limit": 20000, "deductible": 1000,
            "created_at": START}  # fmt: skip


SCOPES = (
    ("operator (all)", Scope("all")),
    ("one store", Scope("gsp", "gsp-0002")),
    ("one provider", Scope("provider", "prv-0007")),
)


def timed(database: Database, scope: Scope, start: datetime, end: datetime) -> tuple[float, Any]:
    seconds, found = [], None
    for _ in range(RUNS):
        began = time.perf_counter()
        with database.transaction(write=False) as session:
            found = build(session, scope, start, end)
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), found


def plans(database: Database, start: datetime, end: datetime) -> None:
    """EXPLAIN of the report's statements for one provider (PostgreSQL)."""
    from sqlalchemy.dialects import postgresql

    captured: list[Any] = []
    with database.transaction(write=False) as session:
        execute, scalars = session.execute, session.scalars

        def capture(original: Any) -> Any:
            def run(statement: Any, *args: Any, **kwargs: Any) -> Any:
                captured.append(statement)
                return original(statement, *args, **kwargs)

            return run

        session.execute, session.scalars = capture(execute), capture(scalars)  # type: ignore[method-assign]
        build(session, Scope("provider", "prv-0007"), start, end)
        session.execute, session.scalars = execute, scalars  # type: ignore[method-assign]
        for statement in captured:
            sql = str(statement.compile(dialect=postgresql.dialect(),
                                        compile_kwargs={"literal_binds": True}))  # fmt: skip
            plan = session.execute(text("EXPLAIN " + sql)).scalars().all()
            scans = [line.strip() for line in plan if "Scan" in line]
            print(f"    {sql.split(chr(10))[0][:70]}…")
            for line in scans[:4]:
                print(f"        {line[:110]}")


def run(backend: str, count: int, folder: Path) -> None:
    name = ""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'report.sqlite'}"
    else:
        import psycopg

        name = f"ascc_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = HubSettings(database_url=PG_ADMIN.rsplit("/", 1)[0] + "/" + name).database_url
    database = Database(url)
    try:
        migrate.upgrade(database)
        began = time.perf_counter()
        seed(database, count, random.Random(7))
        if backend == "postgres":
            with database.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
        print(f"== {backend}: {count} vouchers seeded in {time.perf_counter() - began:.1f} s")
        end = START + timedelta(days=400)
        for label, scope in SCOPES:
            seconds, found = timed(database, scope, START, end)
            verdict = "ok" if seconds < 2 else "MISSED"
            print(
                f"  {label:<15} {seconds * 1000:8.1f} ms  (median of {RUNS}; goal < 2000 ms: "
                f"{verdict})   assessments {found['satisfaction']['count']}, "
                f"incentives issued {found['incentives']['issued']['count']}, "
                f"redemptions timed {found['durations']['issue_to_redeem']['count']}"
            )
        if backend == "postgres":
            print("  plans (one provider):")
            plans(database, START, end)
    finally:
        database.dispose()
        if name:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vouchers", type=int, default=100_000)
    parser.add_argument("--backends", default="postgres,sqlite")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
            run(backend, args.vouchers, Path(tmp))


if __name__ == "__main__":
    main()
