"""Storefront webhook → voucher issued, through real processes, beside the hub's own floor.

``center`` mode: ``ascc store serve`` (mode ``center``) → its outbox and background sender →
``ascc center serve``, both on loopback with SQLite, set up by :mod:`simulator.stack`.

* **webhook → issued**: emulator-signed Shopify ``orders/paid`` deliveries (one voucher each)
  posted to the store by ``--concurrency`` threads; an order's latency is the hub's
  ``created_at`` of its voucher (read back through the records API; same machine clock) minus
  the moment the webhook was posted; throughput is orders over first post → last issue. The
  store's delivery log (``delivered_at``) gives the latency to the customer as well.
* **outbox drain**: the same deliveries sent while the hub is down (all answered 200, all
  pending), then the hub started; the drain rate is events over the span of the hub's
  ``created_at`` stamps, the wall time is from the hub answering ``/healthz`` to the last
  delivery-log line.
* **hub ingest floor**: signed events (``POST /api/v1/events``, the bytes the store would send)
  posted straight to the hub by the same number of threads (a Python load generator, like the
  store's side, so the ratio compares like with like; ``bench_center.py`` has the wrk floor).

    .venv/bin/python benchmarks/bench_store.py [--orders 200] [--concurrency 8]

``gsp`` mode: ``ascc store serve`` (mode ``gsp``) issues with the hub's service layer inside
the webhook request; "issued" is the ``created_at`` of the store's own hub records (read through
the API it serves), "delivered" its delivery log. There is no outbox, so no drain.

Each mode is one function in ``MODES``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
from ascc_plugin.config import config_from_mapping

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec, SignedRequest
from adapters.shopify.emulator import ShopifyEmulator
from ascc_plugin.client.handler import event_body, webhook_id_for
from ascc_plugin.keys import generate_key
from ascc_plugin.models import GspRef, Line, Order, OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.signatures import standard_headers
from center.gsp import CREDENTIALS_FILE
from simulator.services import Service, WaitTimeout, poll_until, store_service
from simulator.stack import (
    PROGRAMS,
    CenterView,
    Registration,
    delivered,
    outbox_status,
    prepare_center,
    write_store_config,
)

WEBHOOK_SECRET = "shpss_bench-storefront-secret"  # noqa: S105 (the emulated storefront's)
PLACED = datetime(2025, 4, 2, 16, 0, tzinfo=UTC)
DEADLINE = 60.0
GSP_SHOP = "bench-gsp.myshopify.com"


@dataclass
class Figures:
    """Latencies in ms, throughput in items per second."""

    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("nan")

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else 0.0

    def line(self, label: str) -> str:
        return (
            f"  {label:<34} {self.rate:8.1f}/s   p50 {self.pct(50):7.1f} ms   "
            f"p99 {self.pct(99):7.1f} ms   (n={self.count}, {self.seconds:.2f} s)"
        )


@dataclass
class ModeResult:
    name: str
    answered: Figures
    issued: Figures
    customer: Figures
    drain: Figures
    drain_wall: float


# --- workload and measuring helpers -----------------------------------------------------------


def order(n: int, prefix: int) -> OrderSpec:
    """One paid order of one unit at 49.00: exactly one voucher (the repair program)."""
    order_id = prefix * 1_000_000 + n
    line = LineSpec(id=order_id * 10, title="Kettle", quantity=1, price="49.00", sku="K-1")
    customer = CustomerSpec(id=n, email=f"buyer{n}@example.com")
    return OrderSpec(id=order_id, lines=(line,), customer=customer, created_at=PLACED).evolve(
        paid=True
    )


def deliveries(shop: str, count: int, prefix: int) -> list[tuple[str, SignedRequest]]:
    emulator = ShopifyEmulator(WEBHOOK_SECRET, shop)
    specs = [order(n, prefix) for n in range(count)]
    return [(str(s.id), emulator.order_request("orders/paid", s)) for s in specs]


def post_all(
    jobs: list[tuple[str, Callable[[requests.Session], int]]], concurrency: int
) -> dict[str, tuple[float, float]]:
    """Run each job (key, post) on ``concurrency`` threads; key → (posted at, answered at)."""
    local = threading.local()

    def one(job: tuple[str, Callable[[requests.Session], int]]) -> tuple[str, float, float]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        started = time.time()
        status = job[1](local.session)
        if status != 200:
            raise RuntimeError(f"{job[0]}: HTTP {status}")
        return job[0], started, time.time()

    with ThreadPoolExecutor(concurrency) as pool:
        return {key: (a, b) for key, a, b in pool.map(one, jobs)}


def send_storefront(
    url: str, work: list[tuple[str, SignedRequest]], concurrency: int
) -> dict[str, tuple[float, float]]:
    """Post the deliveries to the store; order id → (posted, answered 200) in epoch seconds."""

    def post(request: SignedRequest) -> Callable[[requests.Session], int]:
        return lambda session: request.send(url, session).status_code

    jobs = [(key, post(request)) for key, request in work]
    return post_all(jobs, concurrency)


def wait_until(check: Callable[[], bool], what: str) -> None:
    try:
        poll_until(lambda: check() or None, what, DEADLINE)
    except WaitTimeout as exc:
        raise SystemExit(f"bench_store: {exc}") from None


def issued_at(view: CenterView, orders: set[str]) -> dict[str, float]:
    """Order id → when the hub issued its voucher (the record's ``created_at``)."""
    return {
        r["order_id"]: datetime.fromisoformat(r["created_at"]).timestamp()
        for r in view.records()
        if r["order_id"] in orders
    }


def delivered_at(config: Path, orders: set[str]) -> dict[str, float]:
    return {
        line["voucher"]["order_id"]: datetime.fromisoformat(line["delivered_at"]).timestamp()
        for line in delivered(config)
        if line["voucher"]["order_id"] in orders
    }


def figures(posted: dict[str, float], done: dict[str, float]) -> Figures:
    latencies = [(done[key] - posted[key]) * 1000 for key in posted]
    return Figures(len(posted), max(done.values()) - min(posted.values()), latencies)


@contextmanager
def running(*services: Service) -> Iterator[None]:
    try:
        yield
    finally:
        for service in reversed(services):
            service.stop()


def pair(folder: Path) -> tuple[Service, Registration, Path, Service]:
    center, registration = prepare_center(folder / "center")
    config = write_store_config(
        folder / "store",
        center,
        registration,
        webhook_secret=WEBHOOK_SECRET,
        retry_base=0.05,
        retry_cap=0.2,
    )
    return center, registration, config, store_service(config)


# --- center mode -----------------------------------------------------------------------------


def bench_center_mode(args: argparse.Namespace, folder: Path) -> ModeResult:
    """Store (mode ``center``) → hub: webhook → issued, and the outbox drain."""
    center, registration, config, store = pair(folder / "live")
    with running(center.start(), store.start()):
        work = deliveries(registration.shop, args.orders, prefix=1)
        wanted = {key for key, _ in work}
        timed = send_storefront(store.url, work, args.concurrency)
        posted = {key: at for key, (at, _) in timed.items()}
        answered = figures(posted, {key: done for key, (_, done) in timed.items()})
        wait_until(lambda: len(delivered_at(config, wanted)) == len(wanted), "every voucher")
        view = CenterView(center.url, registration)
        issued = figures(posted, issued_at(view, wanted))
        customer = figures(posted, delivered_at(config, wanted))
        view.close()
    drain, drain_wall = bench_drain(args, folder / "drain")
    return ModeResult("center", answered, issued, customer, drain, drain_wall)


def bench_drain(args: argparse.Namespace, folder: Path) -> tuple[Figures, float]:
    """Fill the outbox with the hub down, start the hub, time the drain."""
    center, registration, config, store = pair(folder)
    with running(center, store.start()):
        work = deliveries(registration.shop, args.orders, prefix=2)
        wanted = {key for key, _ in work}
        send_storefront(store.url, work, args.concurrency)
        pending = outbox_status(config)["counts"]["pending"]
        if pending != len(work):
            raise SystemExit(f"bench_store: {pending} pending in the outbox, not {len(work)}")
        center.start()
        ready = time.time()
        wait_until(lambda: len(delivered_at(config, wanted)) == len(wanted), "the drain")
        wall = max(delivered_at(config, wanted).values()) - ready
        view = CenterView(center.url, registration)
        stamps = sorted(issued_at(view, wanted).values())
        view.close()
    return Figures(len(stamps), stamps[-1] - stamps[0], []), wall


# --- gsp mode ----------------------------------------------------------------------------------


def gsp_store(folder: Path) -> tuple[Path, Service]:
    """A store in ``gsp`` mode (issuing with the hub's service layer in process)."""
    folder.mkdir(parents=True, exist_ok=True)
    generate_key(folder / "keys")
    config = folder / "ascc.toml"
    config.write_text(
        f'[store]\nplatform = "shopify"\nshop = "{GSP_SHOP}"\nmode = "gsp"\n'
        f'webhook_secret = "{WEBHOOK_SECRET}"\n\n[keys]\ndir = "keys"\n\n'
        f'[delivery]\nchannels = ["log"]\n{PROGRAMS}'
    )
    return config, store_service(config)


def bench_gsp_mode(args: argparse.Namespace, folder: Path) -> ModeResult:
    """Store (mode ``gsp``): webhook → issued in the store's own hub records, → delivered."""
    config, store = gsp_store(folder)
    with running(store.start()):
        work = deliveries(GSP_SHOP, args.orders, prefix=3)
        wanted = {key for key, _ in work}
        timed = send_storefront(store.url, work, args.concurrency)
        posted = {key: at for key, (at, _) in timed.items()}
        answered = figures(posted, {key: done for key, (_, done) in timed.items()})
        credentials = json.loads((folder / "keys" / CREDENTIALS_FILE).read_text())
        view = CenterView(
            store.url,
            Registration(
                credentials["gsp_id"],
                credentials["api_key"],
                credentials["signing_secret"],
                GSP_SHOP,
            ),
        )
        issued = figures(posted, issued_at(view, wanted))
        view.close()
        customer = figures(posted, delivered_at(config, wanted))
    return ModeResult("gsp", answered, issued, customer, Figures(0, 0.0, []), 0.0)


MODES: dict[str, Callable[[argparse.Namespace, Path], ModeResult | None]] = {
    "center": bench_center_mode,
    "gsp": bench_gsp_mode,
}


# --- the hub's own ingest floor --------------------------------------------------------------


def signed_events(registration: Registration, count: int) -> list[tuple[str, bytes, str]]:
    """(order id, body, webhook id) of events as the store would post them."""
    gsp = GspRef(platform="shopify", shop=registration.shop)
    programs = load_config_programs()
    made = []
    for n in range(count):
        spec = order(n, prefix=3)
        line = Line(id=str(spec.lines[0].id), quantity=1, unit_price=spec.lines[0].price)
        event = OrderEvent(
            event_id=f"floor-{n}",
            kind="order.paid",
            occurred_at=PLACED,
            gsp=gsp,
            order=Order(
                id=str(spec.id),
                currency="USD",
                total=spec.total(),
                placed_at=PLACED,
                paid=True,
                lines=(line,),
            ),
        )
        made.append((str(spec.id), event_body(event, programs), webhook_id_for(event)))
    return made


def load_config_programs() -> tuple[Program, ...]:
    """The programs ``write_store_config`` gives the store (so the floor posts the same body)."""
    return config_from_mapping(tomllib.loads(PROGRAMS)).programs


def bench_floor(args: argparse.Namespace, folder: Path) -> Figures:
    """Signed events straight to a fresh hub, ``--concurrency`` threads."""
    center, registration = prepare_center(folder / "floor")
    endpoint = f"{center.url}/api/v1/events"
    events = signed_events(registration, args.orders)

    def post(body: bytes, webhook_id: str) -> Callable[[requests.Session], int]:
        def send(session: requests.Session) -> int:
            headers = {
                "Content-Type": "application/json",
                "ASCC-Event": "order.paid",
                "ASCC-Domain": registration.shop,
                **standard_headers(registration.signing_secret, webhook_id, int(time.time()), body),
            }
            return session.post(endpoint, data=body, headers=headers, timeout=10).status_code

        return send

    with running(center.start()):
        timed = post_all([(key, post(body, wid)) for key, body, wid in events], args.concurrency)
    latencies = [(done - start) * 1000 for start, done in timed.values()]
    span = max(d for _, d in timed.values()) - min(s for s, _ in timed.values())
    return Figures(len(timed), span, latencies)


# --- report ----------------------------------------------------------------------------------


def report(results: list[ModeResult], floor: Figures, args: argparse.Namespace) -> None:
    print(f"bench_store: {args.orders} orders per phase, {args.concurrency} concurrent posters")
    print(floor.line("hub ingest floor (signed events)"))
    for result in results:
        print(f"mode {result.name}:")
        print(result.answered.line("storefront webhook answered 200"))
        print(result.issued.line("storefront webhook → issued at hub"))
        print(result.customer.line("storefront webhook → delivered"))
        if result.drain.count:
            print(
                f"  {'outbox drain (hub was down)':<34} {result.drain.rate:8.1f}/s   "
                f"({result.drain.count} events; {result.drain_wall:.2f} s from hub ready "
                "to last delivery)"
            )
        print("  ratios to the floor:")
        print(f"    throughput  webhook→issued / floor   {result.issued.rate / floor.rate:6.2f}")
        print(f"    p99         webhook→issued / floor   {ratio(result.issued, floor):6.2f}")
        if result.drain.count:
            print(f"    drain rate  / floor                  {result.drain.rate / floor.rate:6.2f}")


def ratio(a: Figures, b: Figures) -> float:
    return a.pct(99) / b.pct(99) if b.pct(99) else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        folder = Path(tmp)
        floor = bench_floor(args, folder)
        results = [r for name, run in MODES.items() if (r := run(args, folder / name))]
        report(results, floor, args)


if __name__ == "__main__":
    main()
