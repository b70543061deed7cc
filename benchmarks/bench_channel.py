"""The channel's relay beside a bare echo server and a same-work floor, measured in one run.

Every server runs as its own process under gunicorn's threaded worker (a thread per socket), on
this machine, with the load generator (``channel_load.py``, one asyncio thread) on the same
cores:

* ``echo`` — a Flask + flask-sock app whose socket sends every message straight back;
* ``floor`` — the same-work floor (``channel_floor.py``): one PostgreSQL transaction per message
  through psycopg (counter row + once-only insert), then the frame to both sockets and the ack;
* ``relay_1_process`` — ``ascc center serve --workers 1`` on PostgreSQL: every message stored
  with its seq, acknowledged, delivered to the other side (``relay_1_process_sqlite``: the same
  on SQLite, for comparison; ``relay_1_process_no_group_commit``: with
  ``channel_group_commit = false``, each send in its own transaction);
* ``relay_2_processes_redis`` — two hubs on one PostgreSQL database, sender on one, receiver on
  the other, the doorbell on Redis.

Each round loads every server in turn, twice: **saturating** (each of ``--conversations`` sends
``--messages`` messages, each once the previous was acknowledged: throughput) and **paced**
(each sends ``--rate`` messages/s for ``--seconds`` on a fixed schedule: latency at a fixed
offered load below saturation, counted from the scheduled send time). Ratios to the echo are
taken within each round; the summary gives the median over ``--repeats`` rounds and the spread
(min–max). The servers' CPU time per message (saturating), and threads and resident memory
per open socket, are read from /proc; the load average after each round says how busy the
shared machine was.

    .venv/bin/python benchmarks/bench_channel.py [--conversations 100] [--messages 20]
        [--rate 2] [--seconds 10] [--repeats 3]
        [--targets echo,floor,relay1,single,sqlite,redis]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from channel_floor import prepare as prepare_floor
from channel_load import (
    Conversation,
    EchoConversation,
    Run,
    open_socket,
    paced,
    saturating,
)
from channel_servers import (
    cpu_seconds,
    hubs_on,
    postgres_database,
    script_server,
    worker_cost,
)

from simulator.channel_hubs import Hubs, open_cases
from simulator.services import Service

TARGETS = ("echo", "floor", "relay1", "single", "sqlite", "redis")
NAMES = {
    "relay1": "relay_1_process",
    "single": "relay_1_process_no_group_commit",
    "sqlite": "relay_1_process_sqlite",
    "redis": "relay_2_processes_redis",
}


class Target:
    """A running server and how to open ``count`` conversations on it."""

    name = ""
    service: Service | None = None
    roots: tuple[int, ...] = ()
    """The server's processes (their children are counted with them)."""

    async def open(self, count: int, tag: str) -> list[Conversation]:
        raise NotImplementedError


class Echo(Target):
    name = "echo"

    def __init__(self, url: str, pid: int) -> None:
        self.url, self.roots = url, (pid,)

    async def open(self, count: int, tag: str) -> list[Conversation]:
        sockets = await asyncio.gather(*(open_socket(self.url) for _ in range(count)))
        return [EchoConversation(s, f"{tag}{n}") for n, s in enumerate(sockets)]


class Floor(Target):
    name = "floor"

    def __init__(self, url: str, pid: int) -> None:
        self.url, self.roots = url, (pid,)

    async def open(self, count: int, tag: str) -> list[Conversation]:
        async def pair(n: int) -> Conversation:
            out = await open_socket(f"{self.url}/floor/c{n}?role=holder")
            into = await open_socket(f"{self.url}/floor/c{n}?role=provider")
            await out.recv()
            await into.recv()
            return Conversation(out, into, f"{tag}{n}")

        return list(await asyncio.gather(*(pair(n) for n in range(count))))


class Relay(Target):
    def __init__(self, name: str, hubs: Hubs, cases: list[dict[str, Any]]) -> None:
        self.name, self.hubs, self.cases = name, hubs, cases
        self.service = hubs.services[0] if hubs.services else None
        self.roots = tuple(s.process.pid for s in hubs.services if s.process is not None)
        self.http = requests.Session()
        # a pooled connection the hub closed (keep-alive timeout) between runs: retry it
        self.http.mount("http://", requests.adapters.HTTPAdapter(max_retries=3))

    def socket_url(self, base: str, voucher: dict[str, Any], key: str) -> str:
        path = f"{base}/api/v1/cases/{voucher['id']}"
        auth = {"Authorization": f"Bearer {key}"}
        head = self.http.get(path, headers=auth, timeout=30).json()["head"]
        ticket = self.http.post(path + "/tickets", headers=auth, timeout=30).json()["ticket"]
        socket_base = "ws" + base.removeprefix("http")
        return f"{socket_base}/ws/cases/{voucher['id']}?ticket={ticket}&since={head}"

    async def open(self, count: int, tag: str) -> list[Conversation]:
        provider = str(self.hubs.provider["api_key"])
        urls = [
            (
                self.socket_url(self.hubs.urls[0], case, case["holder_secret"]),
                self.socket_url(self.hubs.urls[-1], case, provider),
            )
            for case in self.cases[:count]
        ]

        async def pair(n: int, out_url: str, in_url: str) -> Conversation:
            out, into = await open_socket(out_url), await open_socket(in_url)
            for socket in (out, into):
                assert json.loads(await socket.recv())["type"] == "hello"
            return Conversation(out, into, f"{tag}{n}")

        return list(
            await asyncio.gather(*(pair(n, *pair_urls) for n, pair_urls in enumerate(urls)))
        )


async def measure(target: Target, args: argparse.Namespace, round_: int) -> dict[str, Run]:
    runs = {}
    for mode in ("saturating", "paced"):
        conversations = await target.open(args.conversations, f"r{round_}{mode[0]}")
        if mode == "saturating":
            cpu = cpu_seconds(target.roots)
            runs[mode] = await saturating(conversations, args.messages)
            runs[mode].server_cpu = cpu_seconds(target.roots) - cpu
        else:
            runs[mode] = await paced(conversations, args.rate, args.seconds, seed=round_)
        await asyncio.gather(*(c.close() for c in conversations))
    return runs


async def socket_cost(target: Target, count: int) -> dict[str, float]:
    """Threads and KiB per open socket of a one-process server (both sockets of a pair there)."""
    assert target.service is not None
    threads, rss = worker_cost(target.service)
    conversations = await target.open(count, "cost")
    after_threads, after_rss = worker_cost(target.service)
    await asyncio.gather(*(c.close() for c in conversations))
    return {
        "server_threads_per_socket": round((after_threads - threads) / (2 * count), 2),
        "server_kib_per_socket": round((after_rss - rss) / (2 * count), 1),
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over the rounds, and its spread [min, max]."""
    out: dict[str, Any] = {}
    for key in ("messages_per_s", "p50_ms", "p99_ms", "server_cpu_ms_per_message"):
        values = [run[key] for run in runs if key in run]
        if values:
            out[key] = round(statistics.median(values), 2)
            out[key + "_spread"] = [min(values), max(values)]
    out["delivered"] = f"{sum(r['messages'] for r in runs)}/{sum(r['expected'] for r in runs)}"
    return out


def ratios(rounds: list[dict[str, dict[str, Run]]], name: str, base: str) -> dict[str, Any]:
    values = [
        r[name]["saturating"].report()["messages_per_s"]
        / r[base]["saturating"].report()["messages_per_s"]
        for r in rounds
    ]
    return {"median": round(statistics.median(values), 3), "spread": [round(min(values), 3),
            round(max(values), 3)]}  # fmt: skip


def start_targets(stack: ExitStack, args: argparse.Namespace, folder: Path) -> list[Target]:
    """The chosen servers, each started and ready (stopped when ``stack`` closes)."""
    chosen, targets, n = args.targets.split(","), [], args.conversations
    if "echo" in chosen:
        base, pid = stack.enter_context(script_server(folder, "channel_servers.py"))
        targets.append(Echo(base + "/echo", pid))
    if "floor" in chosen:
        url = stack.enter_context(postgres_database())
        prepare_floor(url, n)
        targets.append(Floor(*stack.enter_context(script_server(folder, "channel_floor.py", url))))
    single = {"ASCC_HUB_CHANNEL_GROUP_COMMIT": "false"}
    for key, database, redis_url, count, extra in (
        ("relay1", "pg", None, 1, {}),
        ("single", "pg", None, 1, single),
        ("sqlite", f"sqlite:///{folder / 'relay.sqlite'}", None, 1, {}),
        ("redis", "pg", args.redis, 2, {}),
    ):
        if key in chosen:
            url = stack.enter_context(postgres_database()) if database == "pg" else database
            hubs = stack.enter_context(hubs_on(folder / key, url, redis_url, count, **extra))
            targets.append(Relay(NAMES[key], hubs, open_cases(hubs, n)))
    return targets


async def bench(args: argparse.Namespace, targets: list[Target]) -> dict[str, Any]:
    rounds = []
    loads = []
    for round_ in range(args.repeats):
        rounds.append({t.name: await measure(t, args, round_) for t in targets})
        loads.append(round(os.getloadavg()[0], 1))
        print(f"round {round_ + 1}: " + json.dumps(
            {name: {m: r.report() for m, r in runs.items()} for name, runs in rounds[-1].items()}
        ), file=sys.stderr)  # fmt: skip
    results: dict[str, Any] = {
        "conversations": args.conversations,
        "saturating_messages_each": args.messages,
        "paced_offered_per_s": args.rate * args.conversations,
        "paced_seconds": args.seconds,
        "repeats": args.repeats,
        "load_average_after_each_round": loads,  # this machine is shared: noise shows here
    }
    for target in targets:
        entry = results[target.name] = {
            mode: summary([r[target.name][mode].report() for r in rounds])
            for mode in ("saturating", "paced")
        }
        if "echo" in rounds[0] and target.name != "echo":
            entry["throughput_ratio_to_echo"] = ratios(rounds, target.name, "echo")
        if "floor" in rounds[0] and target.name.startswith("relay"):
            entry["throughput_ratio_to_floor"] = ratios(rounds, target.name, "floor")
        if target.name == "relay_1_process":
            entry.update(await socket_cost(target, args.conversations))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20, help="per conversation, saturating")
    parser.add_argument("--rate", type=float, default=2.0, help="messages/s per conversation")
    parser.add_argument("--seconds", type=float, default=10.0, help="of paced load")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument(
        "--redis", default=os.environ.get("ASCC_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        targets = start_targets(stack, args, Path(tmp))
        results = asyncio.run(bench(args, targets))
    print(json.dumps(results, indent=1))
    print(table(results, [t.name for t in targets]))


def table(results: dict[str, Any], names: list[str]) -> str:
    """The summary as text: medians with their spread [min–max] over the rounds."""
    keys = ("messages_per_s", "p50_ms", "p99_ms", "server_cpu_ms_per_message")
    lines = [
        "server | load | messages/s | p50 ms | p99 ms | server CPU ms/message | ratio to echo "
        "| ratio to floor"
    ]
    for name in names:
        for mode in ("saturating", "paced"):
            got = results[name][mode]
            cells = [
                f"{got[k]} [{got[k + '_spread'][0]}–{got[k + '_spread'][1]}]" if k in got else ""
                for k in keys
            ]
            for key in ("throughput_ratio_to_echo", "throughput_ratio_to_floor"):
                found = results[name].get(key) if mode == "saturating" else None
                cells.append(f"{found['median']} {found['spread']}" if found else "")
            lines.append(" | ".join([name, mode, *cells]))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
