"""A stand-in center on loopback for the store's forwarding client.

A real HTTP server (werkzeug, in a thread) that checks every Standard Webhooks signature with
the reference ``standardwebhooks`` package, answers like the center does (``{"vouchers":
[...]}``, holder secrets on first issue only) and can be told to fail: an HTTP status, a dropped
connection after reading the request (a lost reply), or a slow answer.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.wrappers import Request, Response

from ascc_plugin.identity import new_holder_secret
from ascc_plugin.issuing import entitled_vouchers
from ascc_plugin.models import OrderEvent
from ascc_plugin.programs import Program


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
