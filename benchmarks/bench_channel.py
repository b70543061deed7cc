"""The channel's relay beside a bare simple-websocket echo server, measured in one run.

Every server runs as its own process under gunicorn's threaded worker (one process, a thread
per socket), on this machine, with the Python load generator on the same cores:

* **echo floor**: a Flask + flask-sock app whose socket sends every message straight back;
* **relay, 1 process**: ``ascc center serve --workers 1`` (PostgreSQL when it answers, else
  SQLite); every message is stored with its seq, acknowledged, and delivered to the other side;
* **relay, 2 processes via Redis**: two hubs on one PostgreSQL database, sender on one, receiver
  on the other, the doorbell on Redis.

``--conversations`` conversations at once (default 100); in each, the sender sends
``--messages`` messages one after another, each once the previous one was acknowledged (echoed,
for the floor), and the receiver's socket records each message's delivery latency (arrival
minus the send time carried in the message; one clock). Messages/s is all messages over the
wall time. The open sockets' cost is read from /proc: threads and resident memory of the hub's
worker before and after the sockets opened.

    .venv/bin/python benchmarks/bench_channel.py [--conversations 100] [--messages 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import ClientConnection, connect

from simulator.channel_hubs import Hubs, open_cases, start_hubs
from simulator.services import Service, free_port

RELAY_SETTINGS = {
    "ASCC_HUB_CHANNEL_RATE_PER_SECOND": "10000",
    "ASCC_HUB_CHANNEL_BURST": "10000",
    "ASCC_HUB_CHANNEL_MAX_SOCKETS": "400",
    "ASCC_HUB_DB_POOL_SIZE": "20",
    "ASCC_HUB_DB_MAX_OVERFLOW": "20",
}


def echo_app() -> Any:
    from flask import Flask
    from flask_sock import Sock

    app = Flask("echo")
    sock = Sock(app)

    @sock.route("/echo")  # type: ignore[untyped-decorator]
    def echo(ws: Any) -> None:
        while True:
            ws.send(ws.receive())

    return app


def serve_echo(port: int) -> None:
    """The echo floor (``--echo-server PORT``): gunicorn gthread, one worker, a thread a socket."""
    from ascc_plugin.serving import GunicornApp, base_options

    options = {**base_options("127.0.0.1", port, 1), "worker_class": "gthread", "threads": 404}
    sys.argv = sys.argv[:1]
    GunicornApp(echo_app, options).run()


def ws(url: str) -> ClientConnection:
    return connect(url, proxy=None, compression=None, open_timeout=30, legacy=True)


class Run:
    """Latencies and counts of one measured run (threads append under a lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def add(self, latency: float) -> None:
        with self.lock:
            self.latencies.append(latency)

    def fail(self, error: str) -> None:
        with self.lock:
            self.errors.append(error)


def each(count: int, work: Callable[[int], None]) -> float:
    """``work(n)`` for n < count in as many threads; the wall time."""
    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def run_echo(url: str, conversations: int, messages: int) -> dict[str, Any]:
    run = Run()
    sockets = [ws(url) for _ in range(conversations)]

    def talk(n: int) -> None:
        for i in range(messages):
            sockets[n].send(json.dumps({"i": i, "t": time.time()}))
            echoed = json.loads(sockets[n].recv(timeout=30))
            run.add(time.time() - echoed["t"])

    wall = each(conversations, talk)
    for socket in sockets:
        socket.close()
    return report(run, wall, conversations * messages)


def socket_url(base: str, voucher: dict[str, Any], key: str) -> str:
    ticket = requests.post(
        f"{base}/api/v1/cases/{voucher['id']}/tickets",
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    ).json()["ticket"]
    return f"ws{base.removeprefix('http')}/ws/cases/{voucher['id']}?ticket={ticket}&since=1"


def run_relay(hubs: Hubs, conversations: int, messages: int) -> dict[str, Any]:
    run, cases = Run(), open_cases(hubs, conversations)
    provider_key = str(hubs.provider["api_key"])
    threads_before, rss_before = worker_cost(hubs.services[0])
    senders = [ws(socket_url(hubs.urls[0], v, v["holder_secret"])) for v in cases]
    receivers = [ws(socket_url(hubs.urls[-1], v, provider_key)) for v in cases]
    for socket in senders + receivers:
        assert json.loads(socket.recv(timeout=30))["type"] == "hello"
    cost = socket_cost(hubs, threads_before, rss_before, len(senders) + len(receivers))

    def receive(n: int) -> None:
        got = 0
        while got < messages:
            frame = json.loads(receivers[n].recv(timeout=60))
            if frame.get("type") == "message":
                run.add(time.time() - float(frame["body"]["text"].split()[1]))
                got += 1

    def send(n: int) -> None:
        for i in range(messages):
            body = {"text": f"{i} {time.time()}"}
            senders[n].send(json.dumps({"type": "message", "client_msg_id": f"m{i}", "body": body}))
            while json.loads(senders[n].recv(timeout=60)).get("type") != "ack":
                pass

    readers = [threading.Thread(target=receive, args=(n,)) for n in range(conversations)]
    for reader in readers:
        reader.start()
    start = time.perf_counter()
    each(conversations, send)
    for reader in readers:
        reader.join()
    wall = time.perf_counter() - start
    for socket in senders + receivers:
        socket.close()
    return {**report(run, wall, conversations * messages), **cost}


def report(run: Run, wall: float, count: int) -> dict[str, Any]:
    ordered = sorted(run.latencies)
    p = lambda q: round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
    return {
        "messages": len(ordered),
        "expected": count,
        "messages_per_s": round(len(ordered) / wall),
        "p50_ms": p(0.50),
        "p99_ms": p(0.99),
        "mean_ms": round(1000 * statistics.fmean(ordered), 1),
    }


def worker_pids(service: Service) -> list[int]:
    assert service.process is not None
    master = service.process.pid
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def worker_cost(service: Service) -> tuple[int, int]:
    """Threads and resident KiB of the hub's worker processes."""
    threads = rss = 0
    for pid in worker_pids(service):
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        fields = dict(line.split(":", 1) for line in status)
        threads += int(fields["Threads"])
        rss += int(fields["VmRSS"].split()[0])
    return threads, rss


def socket_cost(hubs: Hubs, threads: int, rss: int, sockets: int) -> dict[str, Any]:
    if len(hubs.services) != 1 or not threads:
        return {}
    after_threads, after_rss = worker_cost(hubs.services[0])
    return {
        "server_threads_per_socket": round((after_threads - threads) / sockets, 2),
        "server_kib_per_socket": round((after_rss - rss) / sockets, 1),
    }


@contextmanager
def echo_server(folder: Path) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, str(Path(__file__).resolve()), "--echo-server", str(port)]
    import subprocess

    log = (folder / "echo.log").open("wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                ws(f"ws://127.0.0.1:{port}/echo").close()
                break
            except OSError:
                threading.Event().wait(0.1)
        yield f"ws://127.0.0.1:{port}/echo"
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@contextmanager
def relay(folder: Path, database: str, redis_url: str | None, count: int) -> Iterator[Hubs]:
    hubs = start_hubs(folder, database, redis_url, count=count, settings=RELAY_SETTINGS)
    try:
        yield hubs
    finally:
        hubs.stop()


@contextmanager
def postgres_database() -> Iterator[str | None]:
    try:
        import psycopg

        admin = os.environ.get(
            "ASCC_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres"
        )
        name = f"ascc_bench_{os.getpid()}_{time.monotonic_ns()}"
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception:  # no PostgreSQL here: the one-process relay runs on SQLite
        yield None
        return
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument(
        "--redis", default=os.environ.get("ASCC_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--echo-server", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_server:
        return serve_echo(args.echo_server)
    n, m = args.conversations, args.messages
    results: dict[str, Any] = {"conversations": n, "messages_each": m}
    with (
        tempfile.TemporaryDirectory() as tmp,
        postgres_database() as pg,
        postgres_database() as pg2,
    ):
        folder = Path(tmp)
        with echo_server(folder) as url:
            results["echo"] = run_echo(url, n, m)
        database = pg or f"sqlite:///{folder / 'one.sqlite'}"
        with relay(folder / "one", database, None, 1) as hubs:
            results["relay_1_process"] = {
                "database": database.split(":")[0],
                **run_relay(hubs, n, m),
            }
        if pg2 and redis_answers(args.redis):
            os.environ["ASCC_HUB_REDIS_PREFIX"] = f"bench-{os.getpid()}:"
            with relay(folder / "two", pg2, args.redis, 2) as hubs:
                results["relay_2_processes_redis"] = run_relay(hubs, n, m)
    floor = results["echo"]["messages_per_s"]
    for name in ("relay_1_process", "relay_2_processes_redis"):
        if name in results:
            results[name]["ratio_to_echo"] = round(results[name]["messages_per_s"] / floor, 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
