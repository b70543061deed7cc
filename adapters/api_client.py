"""Calling a storefront's Admin API politely: retries, backoff, and waits told by the server.

:class:`ApiClient` is what ``ascc store sync-products`` reads products through. A connection
error, a timeout, 429 or a 5xx is retried with the project's backoff (full jitter,
:class:`ascc_plugin.backoff.Backoff`), or after the server's ``Retry-After`` when longer; 401
and 403 stop at once (the credentials are wrong, retrying cannot help). The session, the clock,
the sleep and the random source are injected: tests see every wait without waiting. Every wait
is recorded in :attr:`ApiClient.waits` (the command reports them).
"""

from __future__ import annotations

import ipaddress
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from ascc_plugin.backoff import Backoff, Uniform
from ascc_plugin.client.http import retry_after

Sleep = Callable[[float], None]
Clock = Callable[[], float]
RETRIED = frozenset({408, 429, 500, 502, 503, 504})


class ApiError(Exception):
    """The API refused or kept failing; the message says what to check."""


def check_url(url: str) -> str:
    """``url`` without a trailing slash; credentials go over https, or plain http to loopback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(f"{url!r} is not an http(s) address")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ApiError(f"{url}: API credentials are only sent over https (or http to loopback)")
    return url.rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class ApiClient:
    """One storefront API's HTTP calls, retried; ``waits`` lists every pause taken (seconds)."""

    session: requests.Session
    timeout: float = 10.0
    max_attempts: int = 8
    backoff: Backoff = field(default_factory=lambda: Backoff(base=1.0, cap=60.0))
    sleep: Sleep = time.sleep
    clock: Clock = time.monotonic
    rand: Uniform = field(default_factory=random.SystemRandom)
    waits: list[float] = field(default_factory=list)

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` (recorded); nothing for zero or less."""
        if seconds > 0:
            self.waits.append(seconds)
            self.sleep(seconds)

    def call(self, method: str, url: str, **options: Any) -> requests.Response:
        """The first answer that is neither retried nor an error, after as many tries as allowed."""
        for attempt in range(1, self.max_attempts + 1):
            response, reason = self._attempt(method, url, options)
            if response is not None and response.status_code not in RETRIED:
                return self._checked(response, url)
            if attempt == self.max_attempts:
                break
            self.pause(self.backoff.delay(attempt, self.rand, _told(response)))
        raise ApiError(f"{url}: gave up after {self.max_attempts} attempts ({reason})")

    def _attempt(
        self, method: str, url: str, options: dict[str, Any]
    ) -> tuple[requests.Response | None, str]:
        try:
            response = self.session.request(
                method, url, timeout=self.timeout, allow_redirects=False, **options
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            return None, type(exc).__name__
        return response, f"HTTP {response.status_code}"

    @staticmethod
    def _checked(response: requests.Response, url: str) -> requests.Response:
        if response.status_code in (401, 403):
            raise ApiError(f"{url}: HTTP {response.status_code}: the API refused the credentials")
        if response.status_code >= 300:
            raise ApiError(f"{url}: HTTP {response.status_code}: {response.text[:200]}")
        return response


def _told(response: requests.Response | None) -> float | None:
    """The server's ``Retry-After`` in seconds, if it gave one."""
    if response is None:
        return None
    return retry_after(response.headers.get("Retry-After"), time.time())
