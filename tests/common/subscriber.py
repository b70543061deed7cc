"""A webhook subscriber on loopback: verifies every delivery with the official
``standardwebhooks`` library and keeps what arrived, in order, by ``webhook-id``.

``answer`` says how to answer (200 by default; any status, or ``"redirect"`` to a private
address). :meth:`Subscriber.down` closes the listening socket (connections are refused) and
:meth:`Subscriber.up` listens again on the same port.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.wrappers import Request, Response

from ascc_plugin.signatures import SignatureError, verify_standard
from tests.common.servers import Served


@dataclass
class Delivery:
    """One request the subscriber got."""

    webhook_id: str
    body: dict[str, Any]
    verified: bool


@dataclass
class Subscriber:
    """Served on loopback once :meth:`up` is called; ``secret`` is set after subscribing."""

    secret: str = ""
    strict_time: bool = True  # False: check the signature at the message's own timestamp
    answer: Any = 200
    got: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    served: Served | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self) -> Subscriber:
        self.served = Served(self, port=self.port)
        self.port = self.served.port
        return self

    def down(self) -> None:
        if self.served is not None:
            self.served.close()
            self.served.server.server_close()
            self.served = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        delivery = Delivery(
            request.headers.get("webhook-id", ""), json.loads(body), self.verify(body, request)
        )
        with self.lock:
            self.got.append(delivery)
        with self.arrived:
            self.arrived.notify_all()
        if self.answer == "redirect":
            headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
            return Response(b"", status=302, headers=headers)(environ, start_response)
        return Response(b"ok", status=self.answer)(environ, start_response)

    def verify(self, body: bytes, request: Request) -> bool:
        if not self.secret:
            return False
        headers = dict(request.headers)
        try:
            if self.strict_time:
                Webhook(self.secret).verify(body, headers)
            else:
                stamp = int(request.headers.get("webhook-timestamp", "0"))
                verify_standard([self.secret], request.headers, body, now=stamp)
        except (WebhookVerificationError, SignatureError, ValueError, TypeError):
            return False  # an empty or malformed secret or header is "not verified"
        return True

    def wait_for(self, count: int, timeout: float = 20.0) -> bool:
        """Wait until ``count`` distinct messages arrived (or the deadline passed)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.distinct()) >= count, timeout)

    def distinct(self) -> Counter[str]:
        with self.lock:
            return Counter(d.webhook_id for d in self.got if d.verified)

    def types_of(self, voucher_id: str) -> list[str]:
        """The event types received for one voucher, first arrival of each message, in order."""
        seen: set[str] = set()
        found = []
        with self.lock:
            for d in self.got:
                if d.body["data"].get("voucher_id") == voucher_id and d.webhook_id not in seen:
                    seen.add(d.webhook_id)
                    found.append(d.body["type"])
        return found
