"""The servers of the channel benchmark, and what /proc says they cost.

The echo floor (run as ``python channel_servers.py PORT``: a Flask + flask-sock app under
gunicorn's threaded worker whose socket sends every message straight back), a scratch
PostgreSQL database, hubs started with the relay's benchmark settings, and the CPU time,
threads and resident memory of a server's processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from simulator.channel_hubs import Hubs, start_hubs
from simulator.services import Service, free_port, poll_until

HERE = Path(__file__).resolve().parent
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


def cpu_seconds(roots: tuple[int, ...]) -> float:
    """User + system CPU time so far of the processes ``roots`` and all their descendants."""
    total, pending = 0.0, list(roots)
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            pending += Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def worker_cost(service: Service) -> tuple[int, int]:
    """Threads and resident KiB of the service's worker processes."""
    assert service.process is not None
    master = service.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    threads = rss = 0
    for pid in children:
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        )
        threads += int(fields["Threads"])
        rss += int(fields["VmRSS"].split()[0])
    return threads, rss


@contextmanager
def script_server(folder: Path, script: str, *extra: str) -> Iterator[tuple[str, int]]:
    """``python SCRIPT PORT EXTRA…`` until the block ends; its ``ws://`` base URL and pid."""
    port = free_port()
    log = (folder / f"{Path(script).stem}.log").open("wb")
    command = [sys.executable, str(HERE / script), str(port), *extra]
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        poll_until(lambda: listening(port), f"{script} on :{port}", 30, every=0.1)
        yield f"ws://127.0.0.1:{port}", server.pid
    finally:
        server.terminate()
        server.wait(10)
        log.close()


def listening(port: int) -> bool | None:
    import socket

    with socket.socket() as probe:
        return True if probe.connect_ex(("127.0.0.1", port)) == 0 else None


@contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    admin = os.environ.get("ASCC_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")
    name = f"ascc_bench_{os.getpid()}_{time.monotonic_ns()}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def hubs_on(
    folder: Path, database: str, redis_url: str | None, count: int, **extra: str
) -> Iterator[Hubs]:
    settings = {**RELAY_SETTINGS, **extra}
    if redis_url:
        settings["ASCC_HUB_REDIS_PREFIX"] = f"bench-{os.getpid()}-{time.monotonic_ns()}:"
    hubs = start_hubs(folder, database, redis_url, count=count, settings=settings)
    try:
        yield hubs
    finally:
        hubs.stop()


if __name__ == "__main__":
    serve_echo(int(sys.argv[1]))
