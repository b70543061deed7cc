"""End-to-end fixtures: a real hub and a real store service (``center`` mode) on loopback.

``stack`` builds them (the hub prepared but not started: tests decide when it comes up) and
stops every process it started, even when a test fails. ``Proxy`` is a small HTTP relay on
loopback between the store and the hub that can slow requests down or drop the hub's answer
after the hub has processed the request (a lost reply). The order workload and its expected
vouchers are computed here from the orders sent, with ``entitled_keys``: the store holds none of
the hub's keys, so vouchers are compared by what they cover — (order, line, unit, program).
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec, RefundSpec, SignedRequest
from adapters.shopify.emulator import ShopifyEmulator
from ascc_plugin.issuing import UnitKey, entitled_keys
from ascc_plugin.models import Line, Order, Refund, RefundLine
from ascc_plugin.settings import load_settings
from simulator.services import Service, WaitTimeout, poll_until, store_service
from simulator.stack import (
    CenterView,
    Registration,
    prepare_center,
    write_store_config,
)

WEBHOOK_SECRET = "shpss_e2e-storefront-secret"
PLACED = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
"""Recent: a voucher whose term had ended before it was issued is recorded expired."""
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


def wait_for(check: Callable[[], Any], seconds: float, what: str) -> Any:
    """Poll ``check`` until it returns something truthy; fail the test after ``seconds``."""
    try:
        return poll_until(lambda: check() or None, what, seconds)
    except WaitTimeout as exc:
        pytest.fail(str(exc))


# --- the workload: Shopify orders, their deliveries, and what they entitle -------------------


def order_spec(n: int) -> OrderSpec:
    """Order ``n``: 1–3 lines of 1–3 units, cheap (repair only) and dear (repair + install)."""
    order_id = 7_000_000_000 + n
    lines = tuple(
        LineSpec(
            id=order_id * 10 + j,
            title=f"Item {n}-{j}",
            quantity=1 + (n + j) % 3,
            price="129.00" if (n + j) % 2 else "49.00",
            sku=f"SKU-{j}",
        )
        for j in range(1 + n % 3)
    )
    customer = CustomerSpec(id=900 + n, email=f"buyer{n}@example.com", first_name="Buyer")
    return OrderSpec(
        id=order_id, lines=lines, number=1000 + n, customer=customer, created_at=PLACED
    ).evolve(paid=True, updated_at=PLACED)


def refund_of(spec: OrderSpec, n: int, everything: bool = False) -> RefundSpec:
    """Take back one unit of the first line, or every unit of every line."""
    lines = {line.id: line.quantity for line in spec.lines} if everything else {spec.lines[0].id: 1}
    return RefundSpec(id=spec.id * 10 + 1, lines=lines, created_at=PLACED + timedelta(days=1 + n))


def canonical(spec: OrderSpec) -> Order:
    """The order as the store sees it (built from the spec, independently of the adapters)."""
    return Order(
        id=str(spec.id),
        number=f"#{spec.number}",
        currency=spec.currency,
        total=spec.total(),
        placed_at=spec.created_at,
        paid=spec.paid,
        lines=tuple(
            Line(
                id=str(line.id),
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                unit_price=Decimal(line.price),
            )
            for line in spec.lines
        ),
        refunds=tuple(
            Refund(
                id=str(refund.id),
                created_at=refund.created_at,
                lines=tuple(
                    RefundLine(line_id=str(k), quantity=v) for k, v in refund.lines.items()
                ),
            )
            for refund in spec.refunds
        ),
    )


@dataclass
class Workload:
    """Deliveries to send (in order) and, per voucher (what it covers), the state the hub must
    end with."""

    deliveries: list[SignedRequest] = field(default_factory=list)
    distinct: int = 0  # deliveries that are not repeats (the outbox entries they make)
    expected: dict[UnitKey, str] = field(default_factory=dict)


def workload(shop: str, programs: Any, orders: int, refunds_every: int, repeats: int) -> Workload:
    """``orders`` paid orders; every ``refunds_every``-th one refunded later (one fully);
    the first ``repeats`` deliveries sent a second time (same webhook id)."""
    emulator = ShopifyEmulator(WEBHOOK_SECRET, shop)
    work = Workload()
    later: list[SignedRequest] = []
    for n in range(orders):
        spec = order_spec(n)
        ever = entitled_keys(canonical(spec), programs, "paid")
        final = spec
        work.deliveries.append(emulator.order_request("orders/paid", spec, webhook_id=f"paid-{n}"))
        if n % refunds_every == 0:
            refund = refund_of(spec, n, everything=n == 0)
            final = spec.evolve(refunds=(refund,))
            later.append(emulator.refund_request(spec, refund, webhook_id=f"refund-{n}"))
        kept = set(entitled_keys(canonical(final), programs, "paid"))
        work.expected.update({unit: "issued" if unit in kept else "voided" for unit in ever})
    work.deliveries.extend(later)
    work.distinct = len(work.deliveries)
    repeated = work.deliveries[:repeats]
    for i, request in enumerate(repeated):  # repeats interleaved with the originals
        work.deliveries.insert(2 * i + 1, request)
    return work


# --- a loopback proxy that slows requests or loses the hub's answers ------------------------


class Proxy:
    """Relays ``POST``s to ``upstream``. ``delay`` seconds are waited before forwarding;
    ``drop(webhook_id, attempt)`` (attempt 1, 2, …) → the hub's answer is thrown away and the
    client's connection closed. An unreachable upstream also closes the client's connection."""

    def __init__(
        self,
        upstream: str,
        delay: float = 0.0,
        drop: Callable[[str, int], bool] = lambda _wid, _attempt: False,
    ) -> None:
        self.upstream, self.delay, self.drop = upstream.rstrip("/"), delay, drop
        self.attempts: Counter[str] = Counter()
        self.dropped: list[str] = []
        self.answers: dict[str, list[bytes]] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.session = requests.Session()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Proxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.session.close()

    def count(self, webhook_id: str) -> int:
        with self.lock:
            self.attempts[webhook_id] += 1
            return self.attempts[webhook_id]

    def forward(self, path: str, headers: dict[str, str], body: bytes) -> requests.Response | None:
        if self.delay:
            self.stopping.wait(self.delay)
        try:
            return requests.post(self.upstream + path, data=body, headers=headers, timeout=10)
        except requests.RequestException:
            return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                webhook_id = self.headers.get("webhook-id", "")
                attempt = proxy.count(webhook_id)
                answer = proxy.forward(self.path, headers, body)
                if answer is not None:
                    with proxy.lock:
                        proxy.answers.setdefault(webhook_id, []).append(answer.content)
                if answer is None or proxy.drop(webhook_id, attempt):
                    if answer is not None:
                        with proxy.lock:
                            proxy.dropped.append(webhook_id)
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in HOP_HEADERS:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, format: str, *args: Any) -> None:
                del format, args  # quiet

        return Handler


# --- the stack ------------------------------------------------------------------------------


@dataclass
class Stack:
    """One hub (prepared, not started) and one store service in ``center`` mode."""

    center: Service
    registration: Registration
    store: Service
    config: Path
    programs: Any

    def view(self) -> CenterView:
        return CenterView(self.center.url, self.registration)

    def send(self, deliveries: list[SignedRequest]) -> list[int]:
        with requests.Session() as session:
            return [request.send(self.store.url, session).status_code for request in deliveries]


@contextmanager
def stack_builder(folder: Path) -> Iterator[Callable[..., Stack]]:
    """``build(proxy=None)`` makes the pair in ``folder``; on exit every process and proxy
    started is stopped (processes killed: the folder is thrown away), even after a failure."""
    started: list[Service] = []
    proxies: list[Proxy] = []

    def build(proxy: Callable[[str], Proxy] | None = None) -> Stack:
        center, registration = prepare_center(folder / "center")
        started.append(center)
        relay = proxy(center.url).start() if proxy else None
        if relay is not None:
            proxies.append(relay)
        config = write_store_config(
            folder / "store",
            center,
            registration,
            webhook_secret=WEBHOOK_SECRET,
            center_url=relay.url if relay else None,
        )
        store = store_service(config)
        started.append(store)
        store.start()
        programs = load_settings(config, env={}).programs
        return Stack(center, registration, store, config, programs)

    try:
        yield build
    finally:
        for service in reversed(started):
            service.stop(kill=True)
        for relay in proxies:
            relay.stop()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    """``stack(proxy=None)``: a hub (not started) and a running store in ``tmp_path``."""
    with stack_builder(tmp_path) as build:
        yield build


class Kit:
    """Helpers for test modules (``--import-mode=importlib`` cannot import conftest)."""

    Proxy = Proxy
    WEBHOOK_SECRET = WEBHOOK_SECRET
    order_spec = staticmethod(order_spec)
    stack_builder = staticmethod(stack_builder)
    workload = staticmethod(workload)
    wait_for = staticmethod(wait_for)


@pytest.fixture(scope="session")
def kit() -> type[Kit]:
    return Kit
