"""Where the relay's time goes: py-spy samples the hub's worker while ``bench_channel.py``'s
saturating load runs against one ``ascc center serve --workers 1`` on PostgreSQL.

Prints the share of samples by the package of the innermost Python frame (with ``--gil``: only
the thread holding the GIL, i.e. where Python CPU goes; without: every active thread, so waits
on the database show too), the top functions, and the database's transactions per message
(``pg_stat_database.xact_commit``) and the worker's CPU time per message (``/proc``).

    .venv/bin/pip install py-spy   # a sampling profiler; attaches to the running worker
    .venv/bin/python benchmarks/profile_channel.py [--conversations 100] [--messages 20] [--gil]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_channel import Relay
from channel_load import saturating
from channel_servers import hubs_on, postgres_database

from simulator.channel_hubs import open_cases

PACKAGES = (
    "sqlalchemy", "psycopg", "gunicorn", "simple_websocket", "wsproto", "flask", "werkzeug",
    "pydantic", "redis", "json", "threading", "socket", "selectors", "queue", "center",
)  # fmt: skip


def package_of(frame: str) -> str:
    """The package a collapsed py-spy frame ``function (path:line)`` belongs to."""
    path = frame.rsplit("(", 1)[-1]
    for name in PACKAGES:
        if f"/{name}/" in path or f"{name}.py" in path or path.startswith(name):
            return name
    return "other"


def summarise(raw: Path, top: int) -> dict[str, Any]:
    by_package: collections.Counter[str] = collections.Counter()
    by_function: collections.Counter[str] = collections.Counter()
    centre: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        by_package[package_of(frames[-1])] += int(count)
        by_function[frames[-1]] += int(count)
        ours = [f for f in frames if "center/" in f.rsplit("(", 1)[-1]]
        if ours:
            centre[ours[-1].split(" (")[0]] += int(count)
    total = sum(by_package.values()) or 1
    share = lambda c: {k: round(100 * v / total, 1) for k, v in c.most_common(top)}  # noqa: E731
    return {
        "samples": total,
        "by_package_pct": share(by_package),
        "top_functions_pct": share(by_function),
        "innermost_center_function_pct": share(centre),
    }


def commits(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


async def profiled(target: Relay, args: argparse.Namespace, raw: Path, url: str) -> dict[str, Any]:
    """The saturating load on ``target`` with py-spy attached to its worker for the load only."""
    conversations = await target.open(args.conversations, "p")
    assert target.service is not None and target.service.process is not None
    worker = Path(f"/proc/{target.service.process.pid}/task/{target.service.process.pid}/children")
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "-p", worker.read_text().split()[0], "-f", "raw", "-o", str(raw)]
    command += ["-r", str(args.rate), "--nonblocking"] + (["--gil"] if args.gil else [])
    sampler = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    before, cpu = commits(url), cpu_seconds(int(command[3]))
    run = await saturating(conversations, args.messages)
    after, cpu = commits(url), cpu_seconds(int(command[3])) - cpu
    sampler.send_signal(signal.SIGINT)
    sampler.wait(60)
    await asyncio.gather(*(c.close() for c in conversations))
    count = len(run.latencies)
    return {
        "transactions_per_message": round((after - before) / count, 2),
        "worker_cpu_ms_per_message": round(1000 * cpu / count, 2),
        "relay": run.report(),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--gil", action="store_true", help="only the thread holding the GIL")
    parser.add_argument("--rate", type=int, default=100, help="samples per second")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, postgres_database() as url:
        folder, raw = Path(tmp), Path(tmp) / "profile.txt"
        with hubs_on(folder, url, None, 1) as hubs:
            target = Relay("relay_1_process", hubs, open_cases(hubs, args.conversations))
            result = asyncio.run(profiled(target, args, raw, url))
        print(json.dumps({**summarise(raw, args.top), **result}, indent=2))


if __name__ == "__main__":
    main()
