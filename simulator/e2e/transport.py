"""Requests into an in-process WSGI app, across a wireless link, in virtual time.

:class:`WsgiAdapter` is a ``requests`` transport adapter: mounted on a ``requests.Session``, it
hands each request to a WSGI app (werkzeug's test client: no socket) — so the real sender, with
its real session, signing, classification and backoff, talks to the real hub. Before and after
the call a :class:`Link` decides the attempt's fate from the scenario's wireless model: the
request lost on the air (or the hub down) → ``ConnectionError`` before the app sees it; the
answer lost, or later than the sender's timeout → ``ConnectionError``/``Timeout`` after the app
acted (the sender retries under the same ``webhook-id``, the hub must recognise it). The flight
time is added to :attr:`Link.elapsed_hours`, which the caller spends in virtual time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client

from simulator.cells import MS_PER_HOUR, Cell


@dataclass
class Counts:
    """Attempts on one link: sent, lost on the way out, answers lost, delivered."""

    sent: int = 0
    lost: int = 0
    unanswered: int = 0
    refused: int = 0


@dataclass
class Link:
    """The fate of attempts across one cell: loss, delay, outages, and a hub that is down."""

    cell: Cell | None
    timeout_ms: float
    request_bytes: int = 3000
    answer_bytes: int = 200
    reachable: Callable[[], bool] = lambda: True
    elapsed_hours: float = 0.0
    counts: Counts = field(default_factory=Counts)

    def outbound(self) -> None:
        """Raise when the request does not reach the app; else add its flight time."""
        self.counts.sent += 1
        if not self.reachable():
            self.counts.refused += 1
            raise requests.ConnectionError("the hub is down (scenario fault)")
        cell = self.cell
        if cell is None:
            return
        if not cell.up or cell.lost():
            self.counts.lost += 1
            raise requests.ConnectionError("lost on the air")
        self.elapsed_hours += cell.delay_ms(self.request_bytes, True) / MS_PER_HOUR

    def inbound(self) -> None:
        """Raise when the app's answer does not get back in time."""
        cell = self.cell
        if cell is None:
            return
        if not cell.up or cell.lost():
            self.counts.unanswered += 1
            raise requests.ConnectionError("the answer was lost on the air")
        delay = cell.delay_ms(self.answer_bytes, False)
        if delay > self.timeout_ms:
            self.counts.unanswered += 1
            raise requests.Timeout("the answer came after the sender's timeout")
        self.elapsed_hours += delay / MS_PER_HOUR

    def spend(self) -> float:
        """The flight time accumulated since the last call, in hours (and reset it)."""
        spent, self.elapsed_hours = self.elapsed_hours, 0.0
        return spent


class WsgiAdapter(BaseAdapter):
    """Sends ``requests`` to ``app`` in this process, through ``link``."""

    def __init__(self, app: Any, link: Link | None = None) -> None:
        super().__init__()
        self.client = Client(app)
        self.link = link

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        if self.link is not None:
            self.link.outbound()
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = self.client.open(
            str(request.url), method=request.method, headers=dict(request.headers), data=body
        )
        if self.link is not None:
            self.link.inbound()
        return as_response(request, answer.status_code, dict(answer.headers), answer.get_data())

    def close(self) -> None:
        """Nothing to release: no socket was opened."""


def as_response(
    request: requests.PreparedRequest, status: int, headers: Mapping[str, str], body: bytes
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers = CaseInsensitiveDict(dict(headers))
    response.raw = BytesIO(body)
    response._content = body
    response.url = str(request.url)
    response.request = request
    response.encoding = "utf-8"
    return response


def session_for(app: Any, base_url: str, link: Link | None = None) -> requests.Session:
    """A session whose requests under ``base_url`` go to ``app`` in process."""
    session = requests.Session()
    session.mount(base_url, WsgiAdapter(app, link))
    return session
