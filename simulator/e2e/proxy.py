"""A loss/delay HTTP proxy on loopback, for the ``--live`` e2e mode.

Every request to the hub (the stores' senders, customers, providers) goes through it. Per
request a :class:`~simulator.e2e.transport.Link` decides, with the scenario's wireless model:
lost on the way (the connection is closed unanswered, so the client sees a connection error and
retries), delayed (its flight time, in real milliseconds), the hub down (a fault window), or the
answer lost after the hub acted (closed unanswered again). The standard library's threading HTTP
server; the hub is called with one ``requests`` session per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from simulator.cells import MS_PER_HOUR
from simulator.e2e.transport import Link

HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "host", "content-length"})


class LossyProxy:
    """Forwards to ``target``; ``link_for(path)`` gives the link a request crosses."""

    def __init__(self, target: str, link_for: Callable[[str], Link]) -> None:
        self.target, self.link_for = target.rstrip("/"), link_for
        self.local = threading.local()
        self.lock = threading.Lock()  # the links' random streams are not thread-safe
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy.forward(self)

            def do_POST(self) -> None:
                proxy.forward(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: a soak makes many requests."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> LossyProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        session: requests.Session = self.local.session
        return session

    def fate(self, link: Link, outbound: bool) -> float | None:
        """The flight time in seconds, or ``None`` when the message is lost."""
        with self.lock:
            before = link.elapsed_hours
            try:
                link.outbound() if outbound else link.inbound()
            except requests.RequestException:
                return None
            return (link.spend() - before) * MS_PER_HOUR / 1000.0

    def forward(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        link = self.link_for(handler.path)
        delay = self.fate(link, True)
        if delay is None:
            handler.close_connection = True
            return
        threading.Event().wait(delay)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_HEADERS}
        try:
            answer = self.session().request(
                handler.command,
                self.target + handler.path,
                data=body,
                headers=headers,
                timeout=30,
                allow_redirects=False,
            )
        except requests.RequestException:
            handler.close_connection = True
            return
        if self.fate(link, False) is None:
            handler.close_connection = True
            return
        handler.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in HOP_HEADERS and key.lower() != "content-encoding":
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(answer.content)))
        handler.end_headers()
        handler.wfile.write(answer.content)
