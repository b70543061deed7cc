"""Center hub throughput: signed events against a same-work floor app and /healthz, then
redemptions, assessments and incentive redeems (ratios from the same run), through a real
``ascc center serve`` (gunicorn) over loopback, on SQLite and on PostgreSQL; then the outbound
webhooks those events made, drained by one ``ascc center worker`` to a local subscriber
(``benchmarks/receiver_app.py`` under gunicorn, checking every signature): deliveries/s beside
the ingest rate of the same run (goal: the worker keeps up, ratio >= 1.0).

Ingest is measured in ``--repeats`` interleaved rounds, each sending the same freshly signed
events (1, then 4 vouchers per event) to the hub and to ``benchmarks/floor_app.py`` — a minimal
app doing the hub's essential work per event with plain psycopg / sqlite3 — then /healthz; the
figures are medians with their range, the ratios hub/floor taken within a round. The floors run
under gunicorn sync workers (gthread pins keep-alive connections to one process, so a floor
measured once can halve); the hub runs with ``ascc center serve``'s defaults.

The load generator is wrk (Debian package ``wrk``): a Python generator on the same two cores
would take half the CPU from the server. Standard Webhooks signatures carry a unique id and a
timestamp, so the events are pre-signed here (distinct webhook-ids and orders, timestamps inside
the tolerance) and a generated Lua script hands each wrk thread its own slice of them: every
request is a first delivery, none a replay. Redemptions are pre-assigned vouchers, each
redeemed once; assessments are completed vouchers, each assessed once by its holder; incentive
redeems are released incentives, each redeemed once by the provider who served
(``benchmarks/reward_requests.py`` prepares them in-process). A run stops once every prepared
request was sent (never falling into cheap repeats), and only 2xx answers count as done; the
non-2xx (409 repeats) seen are stated. The three voucher actions are measured in interleaved
rounds (``benchmarks/rounds.py``) and their ratios to redemptions are medians.

    .venv/bin/python benchmarks/bench_center.py [--seconds 3] [--connections 8] [--repeats 3]
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


def signed_event(
    gsp: dict[str, str], shop: str, order_id: str, quantity: int = 1
) -> tuple[dict[str, str], bytes]:
    body = event_body(shop, order_id, quantity)
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
    ok = result["requests"] - result["status_errors"]  # only answered requests count
    result["per_second"] = ok / result["seconds"]
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
    floor_server, floor_base = start_floor(env, args, gsp)
    try:
        wait_up(base + "/healthz")
        wait_up(floor_base + "/healthz")
        env["BENCH_WEBHOOK_SECRET"] = subscribe(base, gsp, env["BENCH_RECEIVER_URL"])
        ingest = ingest_rounds(base, floor_base, gsp, shop, args, folder)
        measure = partial(
            wrk, base, seconds=args.round_seconds, connections=args.connections, folder=folder
        )
        rounds = interleaved(measure, prepared, args.repeats)
        redeem, assess, incentive = (median_run(rounds, kind) for kind in KINDS)
    finally:
        for running in (server, floor_server):
            running.terminate()
            running.wait(timeout=30)
    return {
        "ingest": ingest,
        "redeem": redeem,
        "assess": assess,
        "incentive": incentive,
        "rounds": rounds,
        "prepared": {name: len(lines) for name, lines in prepared.items()},
    }


PER_EVENT = (1, 4)  # vouchers per event (one line of 1 or 4 units, one program)
WARM_EVENTS = 200


def ingest_rounds(
    base: str,
    floor_base: str,
    gsp: dict[str, str],
    shop: str,
    args: argparse.Namespace,
    folder: Path,
) -> list[dict[str, Any]]:
    """``repeats`` rounds of: the hub and the floor app on the same signed events (1, then 4
    vouchers per event; each request a first delivery, the run stopping once all were sent),
    then /healthz. The events of a round are signed just before it (5-minute tolerance)."""
    warm = [
        lua_request("POST", "/api/v1/events", *signed_event(gsp, shop, f"warm-{n}"))
        for n in range(WARM_EVENTS)
    ]
    for url in (base, floor_base):  # connections opened, code paths run once, before measuring
        wrk(url, warm, args.seconds, args.connections, folder)
        wrk_plain(url + "/healthz", 1, args.connections)
    rounds = []
    for r in range(args.repeats):
        measured: dict[str, Any] = {}
        for per_event in PER_EVENT:
            count = args.events // per_event
            lines = [
                lua_request(
                    "POST",
                    "/api/v1/events",
                    *signed_event(gsp, shop, f"r{r}-{per_event}-{n}", per_event),
                )
                for n in range(count)
            ]
            for name, url in (("hub", base), ("floor", floor_base)):
                run = wrk(url, lines, args.seconds, args.connections, folder)
                measured[f"{name}{per_event}"] = {**run, "prepared": count}
        measured["healthz"] = wrk_plain(floor_base + "/healthz", args.seconds, args.connections)
        rounds.append(measured)
    return rounds


def start_floor(
    env: dict[str, str], args: argparse.Namespace, gsp: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str]:
    """The same-work floor app (benchmarks/floor_app.py) under gunicorn sync workers."""
    from floor_app import make_tables

    url = env["ASCC_DATABASE_URL"]
    if url.startswith("sqlite"):
        url = url.replace("hub.sqlite", "floor.sqlite")
    make_tables(url)
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [
            gunicorn,
            *gunicorn_args(args, port),
            "--chdir",
            str(ROOT / "benchmarks"),
            "floor_app:create_app()",
        ],
        env={
            **env,
            "PYTHONPATH": str(ROOT),
            "FLOOR_DATABASE_URL": url,
            "FLOOR_SECRET": gsp["signing_secret"],
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server, f"http://127.0.0.1:{port}"


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
    """The floors run sync workers, as many as the hub has threads (workers x threads): a
    gthread worker pins a keep-alive connection, so a floor measured once can halve, while a
    sync worker serves one connection at a time — and the floor app overlaps as many database
    waits as the hub can."""
    workers = str(args.workers * args.threads)
    return ["--bind", f"127.0.0.1:{port}", "--workers", workers,
            "--worker-class", "sync", "--keep-alive", "5"]  # fmt: skip


def spread(values: list[float]) -> tuple[float, float, float]:
    """The median, lowest and highest of ``values``."""
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[0], ordered[-1]


def shown(values: list[float], digits: int = 0) -> str:
    middle, low, high = spread(values)
    return f"{middle:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def report_ingest(rounds: list[dict[str, Any]]) -> None:
    print(f"  ingest: median (lowest–highest) of {len(rounds)} interleaved rounds")
    rate = {key: [r[key]["per_second"] for r in rounds] for key in rounds[0]}
    for per_event in PER_EVENT:
        for name, label in (("hub", "hub"), ("floor", "same-work floor app")):
            key = f"{name}{per_event}"
            vouchers = [x * per_event for x in rate[key]]
            p99 = [r[key]["p99_ms"] for r in rounds]
            bad = sum(r[key]["status_errors"] + r[key]["socket_errors"] for r in rounds)
            print(
                f"    {label:<20} {per_event} voucher(s)/event: {shown(rate[key])} events/s, "
                f"{shown(vouchers)} vouchers/s, p99 {shown(p99, 1)} ms, errors {bad}"
            )
            over = [r[key]["sent"] - r[key]["prepared"] for r in rounds]
            if max(over) > SLACK:
                print(f"    note: {max(over)} {label} requests were replays (raise --events)")
    print(f"    /healthz (floor app, sync workers): {shown(rate['healthz'])} req/s")
    for per_event in PER_EVENT:
        hub, floor = rate[f"hub{per_event}"], rate[f"floor{per_event}"]
        ratios = [h / f for h, f in zip(hub, floor, strict=True)]
        print(f"    ratio hub/floor app, {per_event} voucher(s)/event: {shown(ratios, 2)}"
              "   (goal >= 0.60)")  # fmt: skip
    for name in ("hub", "floor"):
        ratios = [x / h for x, h in zip(rate[f"{name}1"], rate["healthz"], strict=True)]
        print(f"    ratio {name}/healthz, 1 voucher/event: {shown(ratios, 2)}")


def report(backend: str, r: dict[str, Any]) -> None:
    redeem, assess, incentive = r["redeem"], r["assess"], r["incentive"]
    print(f"== {backend}")
    report_ingest(r["ingest"])
    for name, m in (
        ("redemptions", redeem),
        ("assessments", assess),
        ("incentive redeems", incentive),
    ):
        print(
            f"  {name:<17} {m['per_second']:8.0f}/s (2xx only)   p50 {m['p50_ms']:7.2f} ms   "
            f"p99 {m['p99_ms']:7.2f} ms   non-2xx (409 repeats) {m['status_errors']}   "
            f"socket errors {m['socket_errors']}"
        )
    repeats = sum(m[kind]["status_errors"] for m in r["rounds"] for kind in KINDS)
    print(f"  non-2xx seen over all voucher-action rounds: {repeats} (not counted above)")
    for name, kind in (("assessments", "assess"), ("incentive redeems", "incentive")):
        middle, low, high = ratio(r["rounds"], kind)
        print(
            f"  ratio {name}/redemptions {middle:.2f} (median of {len(r['rounds'])} rounds; "
            f"{low:.2f}–{high:.2f})   (goal: >= 0.80)"
        )
    out = r["outbound"]
    ingest = spread([m["hub1"]["per_second"] for m in r["ingest"]])[0]
    print(
        f"  webhooks out   {out['per_second']:8.0f}/s   (one worker, {out['delivered']} of "
        f"{out['queued']} messages to a local subscriber)"
    )
    print(
        f"  ratio deliveries/ingest {out['per_second'] / ingest:.2f}"
        "   (goal: >= 1.0, the worker keeps up)"
    )
    for measured in r["rounds"]:
        for kind in KINDS:
            extra = measured[kind]["sent"] - measured[kind]["prepared"]
            if extra > SLACK:
                print(f"  note: {extra} {kind} requests were repeats (409s); prepare more")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=3, help="per ingest and /healthz run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=serve.DEFAULT_WORKERS)
    parser.add_argument("--threads", type=int, default=serve.DEFAULT_THREADS)
    parser.add_argument(
        "--worker-class", default=serve.DEFAULT_WORKER_CLASS, choices=["gthread", "sync"]
    )
    parser.add_argument(
        "--events", type=int, default=4000, help="vouchers per ingest run (events x per event)"
    )
    parser.add_argument("--redemptions", type=int, default=3000)
    parser.add_argument("--assessments", type=int, default=1500)
    parser.add_argument("--incentives", type=int, default=1500)
    parser.add_argument(
        "--repeats", type=int, default=3, help="interleaved rounds of the voucher actions"
    )
    parser.add_argument("--round-seconds", type=int, default=3, help="per voucher-action run")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    print(
        f"hub: gunicorn {args.worker_class}, {args.workers} workers x {args.threads} threads; "
        f"floors: {args.workers * args.threads} sync workers; "
        f"wrk 2 threads, {args.connections} connections, {args.seconds} s per run, "
        f"{args.repeats} round(s) of {args.round_seconds} s of the voucher actions"
    )
    os.environ["BENCH_RECEIVER_URL"] = f"http://127.0.0.1:{free_port()}/hook"
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix=f"bench-center-{backend}-") as tmp:
            report(backend, run_backend(backend, args, Path(tmp)))


if __name__ == "__main__":
    main()
