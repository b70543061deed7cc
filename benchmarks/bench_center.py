"""Center hub throughput: signed events, the /healthz floor, redemptions, assessments and
incentive redeems (the last two beside redemptions, ratios from the same run), through a real
``ascc center serve`` (gunicorn) over loopback, on SQLite and on PostgreSQL; then the outbound
webhooks those events made, drained by one ``ascc center worker`` to a local subscriber
(``benchmarks/receiver_app.py`` under gunicorn, checking every signature): deliveries/s beside
the ingest rate of the same run (goal: the worker keeps up, ratio >= 1.0).

The load generator is wrk (Debian package ``wrk``): a Python generator on the same two cores
would take half the CPU from the server. Standard Webhooks signatures carry a unique id and a
timestamp, so the events are pre-signed here (distinct webhook-ids and orders, timestamps inside
the tolerance) and a generated Lua script hands each wrk thread its own slice of them: every
request is a first delivery, none a replay. Redemptions are pre-assigned vouchers, each
redeemed once; assessments are completed vouchers, each assessed once by its holder; incentive
redeems are released incentives, each redeemed once by the provider who served
(``benchmarks/reward_requests.py`` prepares them in-process). A run stops once every prepared
request was sent (never falling into cheap repeats); the three voucher actions are measured in
interleaved rounds (``benchmarks/rounds.py``) and their ratios to redemptions are medians.

    .venv/bin/python benchmarks/bench_center.py [--seconds 5] [--connections 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import requests
from rounds import KINDS, interleaved, median_run, ratio

from simulator.services import WaitTimeout, poll_until

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ascc_plugin.signatures import standard_headers  # noqa: E402
from center import serve  # noqa: E402

ASCC = str(Path(sys.executable).parent / "ascc")
PG_ADMIN = os.environ.get("ASCC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PROGRAMS = [{"id": "repair-12m", "kind": "repair", "term_months": 12, "incentive": {"5": "10.00"}}]
PROVIDERS = 4  # assessments and incentives spread over a few providers, as in a marketplace
SLACK = 16  # requests a stopping wrk may send past its slice (one per connection in flight)

LUA = """
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  local nthreads = tonumber(args[1])
  reqs = {}
  local n = 0
  for line in io.lines(args[2]) do
    if n % nthreads == id then
      local item = loadstring("return " .. line)()
      table.insert(reqs, wrk.format(item.method, item.path, item.headers, item.body))
    end
    n = n + 1
  end
  i = 0
  sent = 0
  stop_when_done = args[3] == "stop"
end
function request()
  i = i + 1
  if i > #reqs then
    -- every prepared request was sent: stop rather than fall into cheap repeats (409s)
    if stop_when_done then wrk.thread:stop() end
    i = 1
  end
  sent = sent + 1
  return reqs[i]
end
function done(summary, latency, requests)
  local sent_total = 0
  for _, thread in ipairs(threads) do sent_total = sent_total + thread:get("sent") end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, '
    .. '"status_errors": %d, "socket_errors": %d, "sent": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    sent_total))
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string for ASCII content


def lua_request(method: str, path: str, headers: dict[str, str], body: bytes) -> str:
    hdrs = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
    return (
        f"{{method = {lua_string(method)}, path = {lua_string(path)}, headers = {{{hdrs}}}, "
        f"body = {lua_string(body.decode())}}}"
    )


def event_body(shop: str, order_id: str, quantity: int = 1) -> bytes:
    event = {
        "event_id": f"evt-{order_id}",
        "kind": "order.paid",
        "occurred_at": "2026-11-02T10:15:00+00:00",
        "gsp": {"platform": "shopify", "shop": shop},
        "order": {
            "id": order_id,
            "number": "1",
            "currency": "EUR",
            "total": "99.00",
            "placed_at": "2026-11-02T10:12:44+00:00",
            "paid": True,
            "customer": {"email": f"{order_id}@example.com", "name": "Ada"},
            "lines": [
                {
                    "id": "L1",
                    "sku": "TV",
                    "title": "TV",
                    "quantity": quantity,
                    "unit_price": "99.00",
                }
            ],
        },
    }
    return json.dumps({"event": event, "programs": PROGRAMS}).encode()


def signed_event(gsp: dict[str, str], shop: str, order_id: str) -> tuple[dict[str, str], bytes]:
    body = event_body(shop, order_id)
    headers = {
        "ASCC-Domain": shop,
        "Content-Type": "application/json",
        **standard_headers(gsp["signing_secret"], f"msg_{order_id}", int(time.time()), body),
    }
    return headers, body


def cli(env: dict[str, str], *args: str) -> Any:
    out = subprocess.run(
        [ASCC, "center", *args], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout) if out.stdout.strip().startswith("{") else out.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk(
    url: str, lines: list[str], seconds: int, connections: int, folder: Path, stop: bool = True
) -> dict[str, Any]:
    """wrk sending ``lines`` (each thread its slice); with ``stop`` it ends once every line
    was sent (a fixed-count run: no cheap repeats), else it cycles for ``seconds``."""
    script, data = folder / "bench.lua", folder / "requests.lua"
    script.write_text(LUA)
    data.write_text("\n".join(lines) + "\n")
    threads = 2
    while len(lines) < 2 * threads:
        lines = lines * 2  # every wrk thread needs a slice of its own
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
            "--",
            str(threads),
            str(data),
            "stop" if stop else "cycle",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["per_second"] = result["requests"] / result["seconds"]
    return result


def wrk_plain(url: str, seconds: int, connections: int) -> dict[str, Any]:
    """wrk on one GET without a script, parsed from its --latency report."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    percent = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            value = parts[1]
            number = float(value.rstrip("usm"))
            percent[parts[0]] = (
                number / 1000
                if value.endswith("us")
                else (number if value.endswith("ms") else number * 1000)
            )
    rate = float(next(x for x in out.splitlines() if x.startswith("Requests/sec:")).split()[1])
    non_2xx = next((int(x.split()[-1]) for x in out.splitlines() if "Non-2xx" in x), 0)
    return {
        "per_second": rate,
        "p50_ms": percent["50%"],
        "p99_ms": percent["99%"],
        "status_errors": non_2xx,
        "socket_errors": 0,
        "sent": 0,
    }


def prepare(
    env: dict[str, str],
    gsp: dict[str, str],
    shop: str,
    providers: list[dict[str, str]],
    args: argparse.Namespace,
) -> dict[str, list[str]]:
    """The measured requests, walked in-process to the step before (reward_requests.py)."""
    import reward_requests as rr

    def walked(stage: str, count: int) -> Any:
        return rr.walked(env, gsp, shop, providers, count, order, stage, PROGRAMS)

    return {
        "redeem": rr.redemption_lines(lua_request, walked("assigned", args.redemptions)),
        "assess": rr.assessment_lines(lua_request, walked("completed", args.assessments)),
        "incentive": rr.incentive_lines(lua_request, walked("released", args.incentives)),
    }


def order(shop: str, order_id: str, quantity: int) -> bytes:
    return event_body(shop, order_id, quantity)


def postgres_database() -> tuple[str, str]:
    import psycopg

    name = f"ascc_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, name


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_up(url: str) -> None:
    def up() -> bool | None:
        try:
            return True if requests.get(url, timeout=1).status_code == 200 else None
        except requests.RequestException:
            return None

    try:
        poll_until(up, url, 30)
    except WaitTimeout:
        raise SystemExit(f"{url} did not come up") from None


def run_backend(backend: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    pg_name = ""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'hub.sqlite'}"
    else:
        url, pg_name = postgres_database()
    env = {
        **os.environ,
        "ASCC_DATABASE_URL": url,
        "ASCC_KEYS_DIR": str(folder / "keys"),
        "ASCC_HUB_WEBHOOK_ALLOW_HTTP": "true",
        "ASCC_HUB_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
        "ASCC_HUB_INCENTIVE_HOLD_HOURS": "0",  # incentives redeemable at once
        "ASCC_HUB_INCENTIVE_PAIR_LIMIT": "1000000",  # one customer buys ten units per order
    }
    env.pop("ASCC_CONFIG", None)
    try:
        cli(env, "init-db")
        shop = "bench.example"
        gsp = cli(env, "add-gsp", "--name", "Bench", "--platform", "shopify", "--shop", shop)
        providers = [
            cli(env, "add-provider", "--name", f"P{n}", "--categories", "repair",
                "--capacity", "100000")
            for n in range(PROVIDERS)
        ]  # fmt: skip
        prepared = prepare(env, gsp, shop, providers, args)
        measured = serve_and_measure(env, args, folder, gsp, shop, prepared)
        measured["outbound"] = measure_outbound(env, args, url)
        measured["ceiling"] = measure_ceiling(env, args, folder)
        return measured
    finally:
        if pg_name:
            drop_postgres(pg_name)


def serve_and_measure(
    env: dict[str, str],
    args: argparse.Namespace,
    folder: Path,
    gsp: dict[str, str],
    shop: str,
    prepared: dict[str, list[str]],
) -> dict[str, Any]:
    port = free_port()
    server = subprocess.Popen(
        [
            ASCC,
            "center",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            args.worker_class,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base + "/healthz")
        env["BENCH_WEBHOOK_SECRET"] = subscribe(base, gsp, env["BENCH_RECEIVER_URL"])
        wrk_plain(base + "/healthz", 1, args.connections)  # warm-up
        floor = wrk_plain(base + "/healthz", args.seconds, args.connections)
        events = [
            lua_request("POST", "/api/v1/events", *signed_event(gsp, shop, f"o-{n}"))
            for n in range(args.events)
        ]
        ingest = wrk(base, events, args.seconds, args.connections, folder)
        measure = partial(
            wrk, base, seconds=args.seconds, connections=args.connections, folder=folder
        )
        rounds = interleaved(measure, prepared, args.repeats)
        redeem, assess, incentive = (median_run(rounds, kind) for kind in KINDS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "floor": floor,
        "ingest": ingest,
        "redeem": redeem,
        "assess": assess,
        "incentive": incentive,
        "rounds": rounds,
        "events_prepared": args.events,
        "prepared": {name: len(lines) for name, lines in prepared.items()},
    }


def subscribe(base: str, gsp: dict[str, str], url: str) -> str:
    """The store's endpoint for every event type at ``url``; its signing secret."""
    answer = requests.post(
        base + "/api/v1/webhooks",
        json={"url": url, "event_types": ["*"]},
        headers={"Authorization": f"Bearer {gsp['api_key']}"},
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["secret"])


def outbox_counts(url: str) -> tuple[int, int]:
    """(delivered, still pending) messages of the outbox."""
    from sqlalchemy import func, select

    from center.infra.db import Database
    from center.webhooks.models import DELIVERED, PENDING, WebhookMessage

    database = Database(url)
    try:
        with database.transaction(write=False) as session:
            query = select(WebhookMessage.state, func.count()).group_by(WebhookMessage.state)
            counts = dict(session.execute(query).all())
    finally:
        database.dispose()
    return int(counts.get(DELIVERED, 0)), int(counts.get(PENDING, 0))


def measure_outbound(env: dict[str, str], args: argparse.Namespace, url: str) -> dict[str, Any]:
    """One ``ascc center worker`` drains what ingest queued to the local subscriber."""
    from center.settings import HubSettings

    database_url = HubSettings(database_url=url).database_url
    port = int(env["BENCH_RECEIVER_URL"].rsplit(":", 1)[1].split("/")[0])
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    receiver = subprocess.Popen(
        [
            gunicorn,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--chdir",
            str(ROOT / "benchmarks"),
            "receiver_app:create_app()",
        ],
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        wait_up(f"http://127.0.0.1:{port}/")
        queued = sum(outbox_counts(database_url))
        worker = subprocess.Popen(
            [ASCC, "center", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        first = poll_until(lambda: started(database_url), "the worker's first delivery", 60)
        done = poll_until(lambda: drained(database_url), "the outbox drained", 600, every=0.02)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        receiver.terminate()
        receiver.wait(timeout=30)
    rate = (done[1] - first[1]) / max(done[0] - first[0], 1e-9)
    return {"queued": queued, "delivered": done[1], "per_second": rate}


def started(url: str) -> tuple[float, int] | None:
    delivered, _ = outbox_counts(url)
    return (time.monotonic(), delivered) if delivered else None


def drained(url: str) -> tuple[float, int] | None:
    delivered, pending = outbox_counts(url)
    return (time.monotonic(), delivered) if pending == 0 else None


def gunicorn_args(args: argparse.Namespace, port: int) -> list[str]:
    return [
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--worker-class",
        args.worker_class,
        "--keep-alive",
        "5",
    ]


def measure_ceiling(env: dict[str, str], args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """The bare single-INSERT app (benchmarks/ceiling_app.py) under the same gunicorn settings."""
    from ceiling_app import make_table

    make_table(env["ASCC_DATABASE_URL"])
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [
            gunicorn,
            *gunicorn_args(args, port),
            "--chdir",
            str(ROOT / "benchmarks"),
            "ceiling_app:create_app()",
        ],
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base + "/healthz")
        wrk_plain(base + "/healthz", 1, args.connections)  # warm-up
        floor = wrk_plain(base + "/healthz", args.seconds, args.connections)
        line = lua_request("POST", "/insert", {"Content-Type": "text/plain"}, b"x" * 100)
        insert = wrk(base, [line] * 4, args.seconds, args.connections, folder, stop=False)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"floor": floor, "insert": insert}


def report(backend: str, r: dict[str, Any]) -> None:
    floor, ingest, redeem = r["floor"], r["ingest"], r["redeem"]
    assess, incentive = r["assess"], r["incentive"]
    print(f"== {backend}")
    for name, m in (
        ("healthz floor", floor),
        ("signed events", ingest),
        ("redemptions", redeem),
        ("assessments", assess),
        ("incentive redeems", incentive),
    ):
        print(
            f"  {name:<14} {m['per_second']:8.0f}/s   p50 {m['p50_ms']:7.2f} ms   "
            f"p99 {m['p99_ms']:7.2f} ms   non-2xx {m['status_errors']}   "
            f"socket errors {m['socket_errors']}"
        )
    print(
        f"  ratio events/floor      {ingest['per_second'] / floor['per_second']:.2f}"
        "   (goal on PostgreSQL: >= 0.40)"
    )
    print(f"  ratio redemptions/floor {redeem['per_second'] / floor['per_second']:.2f}")
    for name, kind in (("assessments", "assess"), ("incentive redeems", "incentive")):
        middle, low, high = ratio(r["rounds"], kind)
        print(
            f"  ratio {name}/redemptions {middle:.2f} (median of {len(r['rounds'])} rounds; "
            f"{low:.2f}–{high:.2f})   (goal: >= 0.80)"
        )
    out = r["outbound"]
    print(
        f"  webhooks out   {out['per_second']:8.0f}/s   (one worker, {out['delivered']} of "
        f"{out['queued']} messages to a local subscriber)"
    )
    print(
        f"  ratio deliveries/ingest {out['per_second'] / ingest['per_second']:.2f}"
        "   (goal: >= 1.0, the worker keeps up)"
    )
    bare, insert = r["ceiling"]["floor"], r["ceiling"]["insert"]
    print(
        f"  ceiling: bare app /healthz {bare['per_second']:.0f}/s, one INSERT "
        f"{insert['per_second']:.0f}/s (p50 {insert['p50_ms']:.2f} ms), "
        f"ratio {insert['per_second'] / bare['per_second']:.2f}"
    )
    if ingest["sent"] > r["events_prepared"] + SLACK:
        print(
            f"  note: {ingest['sent']} events sent > {r['events_prepared']} prepared: "
            "the rest were replays (raise --events)"
        )
    for measured in r["rounds"]:
        for kind in KINDS:
            extra = measured[kind]["sent"] - measured[kind]["prepared"]
            if extra > SLACK:
                print(f"  note: {extra} {kind} requests were repeats (409s); prepare more")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=serve.DEFAULT_WORKERS)
    parser.add_argument("--threads", type=int, default=serve.DEFAULT_THREADS)
    parser.add_argument(
        "--worker-class", default=serve.DEFAULT_WORKER_CLASS, choices=["gthread", "sync"]
    )
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--redemptions", type=int, default=9000)
    parser.add_argument("--assessments", type=int, default=6000)
    parser.add_argument("--incentives", type=int, default=6000)
    parser.add_argument(
        "--repeats", type=int, default=3, help="interleaved rounds of the voucher actions"
    )
    parser.add_argument("--round-seconds", type=int, default=3, help="per voucher-action run")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    print(
        f"gunicorn {args.worker_class}, {args.workers} workers x {args.threads} threads; "
        f"wrk 2 threads, {args.connections} connections, {args.seconds} s per run, "
        f"{args.repeats} round(s) of {args.round_seconds} s of the voucher actions"
    )
    os.environ["BENCH_RECEIVER_URL"] = f"http://127.0.0.1:{free_port()}/hook"
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix=f"bench-center-{backend}-") as tmp:
            report(backend, run_backend(backend, args, Path(tmp)))


if __name__ == "__main__":
    main()
