"""Where the relay's CPU goes, by function: the hub in this process under yappi, the load apart.

The hub's app (the relay as ``ascc center serve`` builds it) is served here by werkzeug's
threaded server (a thread per socket, as under gunicorn's gthread worker) on PostgreSQL; a
child process runs ``bench_channel.py``'s saturating load against it. yappi (a profiler that
follows every thread, with CPU clocks) runs only while the load does. Printed: the CPU time per
message, the share of it by package (the innermost frame's file) and the top functions by own
time — sampling profilers struggle with hundreds of threads, yappi counts every call.

    .venv/bin/pip install yappi
    .venv/bin/python benchmarks/profile_channel_cpu.py [--conversations 100] [--messages 20]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_channel import Relay
from channel_load import saturating
from channel_servers import postgres_database

from simulator.channel_hubs import Hubs, open_cases

GROUPS = ("sqlalchemy", "psycopg", "simple_websocket", "wsproto", "pydantic", "json", "threading",
          "center/channel", "center", "werkzeug", "flask", "socket", "selectors")  # fmt: skip


class Shim(Hubs):
    """:class:`Hubs` for a hub served in another process (its URL given, no service)."""

    def __init__(self, url: str, gsp: dict[str, Any], provider: dict[str, Any]) -> None:
        super().__init__([], gsp, provider)
        self.url = url

    @property
    def urls(self) -> list[str]:
        return [self.url]


async def load(hub: Shim, conversations: int, messages: int) -> dict[str, Any]:
    target = Relay("relay", hub, open_cases(hub, conversations))
    opened = await target.open(conversations, "y")
    print("ready", flush=True)
    sys.stdin.readline()
    run = await saturating(opened, messages)
    await asyncio.gather(*(c.close() for c in opened))
    return run.report()


def serve(url: str, folder: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    from werkzeug.serving import make_server

    from center import create_app, migrate
    from center.infra.db import get_database
    from center.parties import services as parties
    from center.settings import HubSettings

    settings = HubSettings(
        database_url=url, keys_dir=folder / "keys", public_url="http://127.0.0.1",
        channel_rate_per_second=10000, channel_burst=10000, channel_max_sockets=400,
        db_pool_size=20, db_max_overflow=20,
    )  # fmt: skip
    app = create_app(settings)
    migrate.upgrade(get_database(app))
    now = datetime.now(UTC)
    with get_database(app).transaction() as session:
        gsp = parties.add_gsp(session, name="S", platform="shopify", shop=SHOP, now=now)
        provider = parties.add_provider(
            session, name="P", categories=["repair"], now=now, capacity=100000
        )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", gsp, provider


SHOP = "channel.myshopify.com"


def report(stats: Any, messages: int, top: int) -> dict[str, Any]:
    by_group: collections.Counter[str] = collections.Counter()
    by_function: collections.Counter[str] = collections.Counter()
    for item in stats:
        group = next((g for g in GROUPS if f"/{g}/" in item.module or f"/{g}.py" in item.module),
                     "other")  # fmt: skip
        by_group[group] += item.tsub
        by_function[f"{item.name} ({Path(item.module).name}:{item.lineno})"] += item.tsub
    total = sum(by_group.values()) or 1.0
    share = lambda c: {k: round(100 * v / total, 1) for k, v in c.most_common(top)}  # noqa: E731
    return {
        "cpu_ms_per_message": round(1000 * total / messages, 3),
        "own_time_by_package_pct": share(by_group),
        "top_functions_own_time_pct": share(by_function),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--load", nargs=3, help=argparse.SUPPRESS)  # the child: URL GSP PROVIDER
    args = parser.parse_args()
    if args.load:
        hub = Shim(args.load[0], json.loads(args.load[1]), json.loads(args.load[2]))
        print(json.dumps(asyncio.run(load(hub, args.conversations, args.messages))), flush=True)
        return
    import yappi

    with tempfile.TemporaryDirectory() as tmp, postgres_database() as url:
        base, gsp, provider = serve(url, Path(tmp))
        child = subprocess.Popen(
            [sys.executable, __file__, "--conversations", str(args.conversations),
             "--messages", str(args.messages), "--load", base, json.dumps(gsp),
             json.dumps(provider)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert child.stdin and child.stdout
        assert child.stdout.readline().strip() == "ready"
        yappi.set_clock_type("cpu")
        yappi.start(profile_threads=True)
        child.stdin.write("go\n")
        child.stdin.flush()
        result = json.loads(child.stdout.readline())
        yappi.stop()
        child.wait(30)
        summary = report(yappi.get_func_stats(), result["messages"], args.top)
    print(json.dumps({**summary, "relay": result}, indent=2))


if __name__ == "__main__":
    main()
