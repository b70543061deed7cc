"""Where a staff page's time goes, in-process: the provider console (``/provider/`` and a case
page) and the operator dashboard (``/admin/``) through Flask's test client (no HTTP, no
gunicorn), signed in as a browser is, on SQLite and on PostgreSQL, under cProfile — with the
SQL statements per request counted (SQLAlchemy ``before_cursor_execute``) and the median time.

The marketplace is seeded over the API: 20 cases assigned to the provider, 5 of them completed
and assessed (so the dashboard's 30-day report has figures) and a cost claim waiting.

    .venv/bin/python benchmarks/profile_pages.py [--requests 200] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_center import drop_postgres, postgres_database  # noqa: E402
from sqlalchemy import event  # noqa: E402

from center.api.hub import current_hub  # noqa: E402
from center.infra.db import get_database  # noqa: E402
from center.pages import admin_queries  # noqa: E402
from tests.common.hub import LiveHub  # noqa: E402
from tests.common.rewards import assess, completed, rewards_hub  # noqa: E402
from tests.pages.staff import Browser, assigned  # noqa: E402

OPEN_CASES = 20
ASSESSED = 5
SORT = "cumulative"


def seed(live: LiveHub) -> dict[str, str]:
    """The pages to profile, each with the signed-in browser that asks for it."""
    gsp, provider = live.new_gsp(), live.new_provider(capacity=1000)
    cases = [assigned(live, gsp, provider) for _ in range(OPEN_CASES)]
    for n in range(ASSESSED):
        done = completed(live, gsp, provider)
        assert assess(live, done, 3 + n % 3).status_code == 200
    claim = live.call(
        "POST",
        f"/api/v1/vouchers/{done['id']}/claims",
        provider.key,
        json={"amount": "20.00", "description": "parts"},
    )
    assert claim.status_code in (200, 201), claim.text
    return {"provider": provider.key, "case": cases[0]["id"]}


def pages(live: LiveHub, seeded: dict[str, str]) -> dict[str, tuple[Browser, str]]:
    console, operator = Browser(live), Browser(live)
    assert console.sign_in("provider", seeded["provider"]).status_code == 303
    assert operator.sign_in("admin", live.admin_key).status_code == 303
    return {
        "/provider/": (console, "/provider/"),
        "/provider/cases/<id>": (console, f"/provider/cases/{seeded['case']}"),
        "/admin/": (operator, "/admin/"),
        "/healthz": (console, "/healthz"),
    }


def profile_page(
    live: LiveHub, browser: Browser, path: str, count: int, top: int
) -> dict[str, Any]:
    statements: list[str] = []

    def counted(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        statements.append(sql)

    for _ in range(20):  # warm-up: caches, compiled statements, the pool
        assert browser.get(path).status_code == 200, path
    engine = get_database(live.app).engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        statements.clear()
        assert browser.get(path).status_code == 200
        one = list(statements)
        profiler = cProfile.Profile()
        for _ in range(count):
            profiler.enable()
            browser.get(path)
            profiler.disable()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    times = []
    for _ in range(count):  # timed without the profiler (it inflates Python-heavy code)
        started = time.perf_counter()
        browser.get(path)
        times.append((time.perf_counter() - started) * 1000)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(SORT).print_stats(top)
    return {
        "median_ms": statistics.median(times),
        "statements": one,
        "per_request": len(statements) / (count + 1),  # the one shown + the profiled
        "profile": out.getvalue(),
    }


def report_build(live: LiveHub, count: int) -> dict[str, Any]:
    """The dashboard's report as built once a minute per process (its statements counted)."""
    statements: list[str] = []

    def counted(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        statements.append(sql)

    engine, times = get_database(live.app).engine, []
    with live.app.app_context():
        hub = current_hub()
        for n in range(count):
            if n == 1:
                event.listen(engine, "before_cursor_execute", counted)
            started = time.perf_counter()
            with hub.database.transaction(write=False) as session:
                admin_queries.report(session, hub.clock())
            times.append((time.perf_counter() - started) * 1000)
            if n == 1:
                event.remove(engine, "before_cursor_execute", counted)
    return {"median_ms": statistics.median(times), "per_request": len(statements)}


def run(backend: str, count: int, top: int, show_sql: bool) -> dict[str, Any]:
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="profile-pages-") as tmp:
        folder, pg_name = Path(tmp), ""
        url = f"sqlite:///{folder / 'hub.sqlite'}"
        if backend == "postgres":
            url, pg_name = postgres_database()
        try:
            with rewards_hub(folder, url, backend) as live:
                for name, (browser, path) in pages(live, seed(live)).items():
                    found[name] = profile_page(live, browser, path, count, top)
                    row = found[name]
                    print(f"\n=== {backend} {name}: median {row['median_ms']:.2f} ms, "
                          f"{row['per_request']:.1f} statements per request")  # fmt: skip
                    if show_sql:
                        for sql in row["statements"]:
                            print("   SQL", " ".join(sql.split())[:160])
                    if top:
                        print(row["profile"])
                found["report (a miss)"] = report_build(live, count)
                print(f"\n=== {backend} the dashboard's 30-day report built (a cache miss): "
                      f"median {found['report (a miss)']['median_ms']:.2f} ms")  # fmt: skip
        finally:
            if pg_name:
                drop_postgres(pg_name)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--top", type=int, default=25, help="cost centres shown (0: none)")
    parser.add_argument("--sql", action="store_true", help="print each statement of one request")
    parser.add_argument("--sort", default=SORT, help="pstats order: cumulative, tottime …")
    args = parser.parse_args()
    globals()["SORT"] = args.sort
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the live hub's request lines
    summary = {b: run(b, args.requests, args.top, args.sql) for b in args.backends.split(",")}
    print("\nsummary (in-process, Flask test client, median of", args.requests, "requests)")
    print(f"{'backend':<10}{'page':<24}{'median ms':>10}{'statements':>12}{'÷ /healthz':>12}")
    for backend, rows in summary.items():
        floor = rows["/healthz"]["median_ms"]  # the report is no request: its ratio is a cost
        for name, row in rows.items():
            print(f"{backend:<10}{name:<24}{row['median_ms']:>10.2f}{row['per_request']:>12.1f}"
                  f"{row['median_ms'] / floor:>12.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
