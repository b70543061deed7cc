"""Where one signed event's time goes, in-process: ``POST /api/v1/events`` through Flask's test
client (no HTTP, no gunicorn) on SQLite and on PostgreSQL, under cProfile, with the SQL
statements, transactions and database round trips counted per event; the top cost centres
(own time, ``--sort tottime``) printed so the next change starts from numbers.

    .venv/bin/python benchmarks/profile_center_ingest.py [--events 500] [--vouchers 1]
        [--backends sqlite,postgres] [--top 30] [--sort tottime|cumulative] [--top 0: no profiler]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_center import drop_postgres, event_body, postgres_database  # noqa: E402
from sqlalchemy import event  # noqa: E402

from ascc_plugin.signatures import standard_headers  # noqa: E402
from center import create_app, migrate  # noqa: E402
from center.api.hub import current_hub  # noqa: E402
from center.infra.db import get_database  # noqa: E402
from center.parties import services as parties  # noqa: E402
from center.settings import HubSettings  # noqa: E402

SHOP = "profile.example"


def make_app(url: str, folder: Path) -> tuple[Any, dict[str, str]]:
    app = create_app(HubSettings(database_url=url, keys_dir=folder / "keys"))
    migrate.upgrade(get_database(app))
    with app.app_context(), get_database(app).transaction() as session:
        gsp = parties.add_gsp(
            session, name="P", platform="shopify", shop=SHOP, now=current_hub().clock()
        )
    return app, gsp


def requests_for(
    gsp: dict[str, str], count: int, tag: str, vouchers: int = 1
) -> list[tuple[dict[str, str], bytes]]:
    out = []
    for n in range(count):
        body = event_body(SHOP, f"{tag}-{n}", vouchers)
        headers = {"ASCC-Domain": SHOP, "Content-Type": "application/json"}
        headers.update(
            standard_headers(gsp["signing_secret"], f"m-{tag}-{n}", int(time.time()), body)
        )
        out.append((headers, body))
    return out


def run(backend: str, count: int, folder: Path, top: int, sort: str, vouchers: int) -> None:
    pg_name = ""
    url = f"sqlite:///{folder / 'p.sqlite'}"
    if backend == "postgres":
        url, pg_name = postgres_database()
    try:
        app, gsp = make_app(url, folder)
        client = app.test_client()
        stats = {"statements": 0, "begins": 0, "commits": 0}

        def count_sql(*_: Any) -> None:
            stats["statements"] += 1

        def count_begin(*_: Any) -> None:
            stats["begins"] += 1

        def count_commit(*_: Any) -> None:
            stats["commits"] += 1

        engine = get_database(app).engine
        for warm in requests_for(gsp, 50, "warm"):
            assert client.post("/api/v1/events", headers=warm[0], data=warm[1]).status_code == 200
        event.listen(engine, "before_cursor_execute", count_sql)
        event.listen(engine, "begin", count_begin)
        event.listen(engine, "commit", count_commit)
        work = requests_for(gsp, count, "run", vouchers)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        if top:
            profiler.enable()
        for headers, body in work:
            response = client.post("/api/v1/events", headers=headers, data=body)
            assert response.status_code == 200, response.text
        profiler.disable()
        elapsed = time.perf_counter() - started
        mode = "profiled" if top else "not profiled"
        # PostgreSQL: BEGIN and COMMIT are round trips the cursor events do not see; SQLite's
        # BEGIN IMMEDIATE is a statement, and nothing crosses a network.
        trips = stats["statements"] + (stats["begins"] + stats["commits"]) * (backend == "postgres")
        print(
            f"== {backend}: {count} events of {vouchers} voucher(s), "
            f"{1000 * elapsed / count:.2f} ms/event ({mode}), "
            f"{stats['statements'] / count:.1f} SQL statements, "
            f"{stats['begins'] / count:.1f} transactions and "
            f"{trips / count:.1f} database round trips per event"
        )
        if top:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
            print(out.getvalue())
        get_database(app).dispose()
    finally:
        if pg_name:
            drop_postgres(pg_name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--top", type=int, default=45, help="0: time without the profiler")
    parser.add_argument("--sort", default="tottime", help="pstats order: tottime, cumulative")
    parser.add_argument("--vouchers", type=int, default=1, help="vouchers per event")
    args = parser.parse_args()
    os.environ.pop("ASCC_CONFIG", None)
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            run(backend, args.events, Path(tmp), args.top, args.sort, args.vouchers)


if __name__ == "__main__":
    main()
