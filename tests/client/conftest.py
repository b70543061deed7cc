"""Fixtures for the center-client tests: a loopback receiver standing in for the center.

The receiver is a real HTTP server (werkzeug, in a thread) that checks every Standard Webhooks
signature with the reference ``standardwebhooks`` package, answers like the center does
(``{"vouchers": [...]}``, holder secrets on first issue only) and can be told to fail: an HTTP
status, a dropped connection after reading the request (a lost reply), or a slow answer.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ascc_plugin.identity import new_holder_secret
from ascc_plugin.issuing import entitled_vouchers
from ascc_plugin.keys import KeyRing, generate_key
from ascc_plugin.models import OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.signatures import new_secret

SAMPLES = Path(__file__).resolve().parents[2] / "ascc_plugin" / "samples"


@dataclass
class Seen:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes
    verified: bool
    path: str = ""


@dataclass
class Receiver:
    """A stand-in center on loopback. ``plan`` says how to answer the next requests, in order:
    an int is an HTTP status, ``"drop"`` processes the request and closes the connection without
    an answer (a lost reply), ``"slow"`` waits until released; once ``plan`` is empty, it
    answers 200. Like the center, a repeated ``webhook-id`` gets the first answer again."""

    secret: str
    id_key: bytes
    url: str = ""
    plan: list[Any] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    issued: dict[str, int] = field(default_factory=dict)
    answers: dict[str, bytes] = field(default_factory=dict)
    extra_headers: dict[str, str] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        with self.lock:
            seen = Seen(dict(request.headers), body, self._verified(body, request), request.path)
            self.seen.append(seen)
            step = self.plan.pop(0) if self.plan else 200
        with self.arrived:
            self.arrived.notify_all()
        if step == "slow":
            self.release.wait(10)
            step = 200
        if step == "drop":
            self._answer(200, body, request.headers.get("webhook-id", ""))
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            return Response(b"", status=200)(environ, start_response)
        return self._answer(step, body, request.headers.get("webhook-id", ""))(
            environ, start_response
        )

    def _verified(self, body: bytes, request: Request) -> bool:
        try:
            Webhook(self.secret).verify(body, dict(request.headers))
        except (WebhookVerificationError, ValueError):
            return False
        return True

    def _answer(self, status: int, body: bytes, webhook_id: str) -> Response:
        if status != 200:
            problem = {
                "type": "about:blank",
                "title": "refused",
                "status": status,
                "detail": f"planned failure {status}",
            }
            return Response(
                json.dumps(problem),
                status=status,
                headers=self.extra_headers,
                content_type="application/problem+json",
            )
        with self.lock:
            first = self.answers.get(webhook_id)
        if first is None:
            first = json.dumps(self.answer_for(body)).encode()
            with self.lock:
                self.answers[webhook_id] = first
        return Response(first, status=200, content_type="application/json")

    def answer_for(self, body: bytes) -> dict[str, Any]:
        """A privacy request's answer (the request and one customer), else an event's."""
        data = json.loads(body)
        if isinstance(data, dict) and "request" in data:
            return {"request": data["request"], "customers": 1}
        return {"vouchers": self.vouchers_for(body)}

    def vouchers_for(self, body: bytes) -> list[dict[str, Any]]:
        """Like the center: the entitled vouchers, a holder secret only the first time."""
        data = json.loads(body)
        try:
            event = OrderEvent.model_validate(data["event"])
        except ValidationError:
            return []  # a hand-made body in a sender test: nothing to issue
        programs = [Program.model_validate(p) for p in data["programs"]]
        answer = []
        for voucher in entitled_vouchers(event.gsp, event.order, programs, "paid", self.id_key):
            item = voucher.to_json()
            with self.lock:
                self.issued[voucher.id] = self.issued.get(voucher.id, 0) + 1
                first = self.issued[voucher.id] == 1
            if first:
                secret = new_holder_secret()
                item |= {
                    "holder_secret": secret,
                    "holder_url": f"{self.url}/v/{voucher.id}#{secret}",
                }
            answer.append(item)
        return answer

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` requests arrived (or the deadline passed)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.seen) >= count, timeout)


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "keys"
    generate_key(folder)
    return folder


@pytest.fixture
def secret() -> str:
    return new_secret()


@pytest.fixture
def receiver(secret: str, key_dir: Path) -> Iterator[Receiver]:
    center = Receiver(secret=secret, id_key=KeyRing.load(key_dir).id_key)
    server = make_server("127.0.0.1", 0, center, threaded=True)
    center.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield center
    center.release.set()
    server.shutdown()
    thread.join(5)


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens (the center is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def sample_event() -> OrderEvent:
    return OrderEvent.model_validate_json((SAMPLES / "order-paid.json").read_bytes())


class FakeClock:
    """Seconds since the epoch that move only when ``sleep`` is called."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def write_config(
    folder: Path, url: str, secret: str, key_dir: Path, extra: str = "", center_extra: str = ""
) -> Path:
    """An ``ascc.toml`` in ``mode = "center"`` with the sample programs and a delivery log."""
    programs = (SAMPLES / "ascc.toml").read_text().split("[[programs]]", 1)[1]
    text = f"""
[store]
platform = "shopify"
shop = "demo.myshopify.com"
mode = "center"

[keys]
dir = "{key_dir}"

[center]
url = "{url}"
signing_secret = "{secret}"
outbox = "outbox.sqlite"
timeout_seconds = 2.0
{center_extra}

[delivery]
channels = ["log"]
log_file = "deliveries.jsonl"
{extra}
[[programs]]{programs}"""
    path = folder / "ascc.toml"
    path.write_text(text)
    return path
