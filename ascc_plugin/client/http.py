"""One delivery attempt of an outbox entry to the center: ``POST {center}/api/v1/events``
(order events) or ``POST {center}/api/v1/privacy`` (entries of kind ``privacy.*``).

The exact stored bytes are sent (``data=``, never re-serialised), signed with Standard Webhooks:
the ``webhook-id`` is the entry's and stays the same across retries; the timestamp and signature
are made fresh for every attempt. Redirects are not followed and timeouts are short. The answer
is classified, never raised: 2xx is *sent*; 408, 429, 5xx, 3xx and network failures are *retry*;
any other 4xx is *park* (the center refused the event itself; sending it again cannot help).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Literal

import requests

from ascc_plugin.client.outbox import Entry
from ascc_plugin.client.privacy import path_for
from ascc_plugin.signatures import standard_headers

RETRYABLE_4XX = frozenset({408, 429})
REASON_LIMIT = 300

Verdict = Literal["sent", "retry", "park"]


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to; ``reason`` is for people (logs, ``ascc store outbox``)."""

    verdict: Verdict
    reason: str
    status: int | None = None
    body: bytes = b""
    retry_after: float | None = None


class CenterClient:
    """Posts outbox entries to one center with one signing secret, over an injected session."""

    def __init__(
        self,
        url: str,
        signing_secret: str,
        session: requests.Session,
        timeout: float = 5.0,
    ) -> None:
        self.base_url = url.rstrip("/")
        self.signing_secret = signing_secret
        self.session = session
        self.timeout = (min(timeout, 3.05), timeout)  # (connect, read) seconds

    def headers(self, entry: Entry, now: float) -> dict[str, str]:
        """The headers of one attempt at ``now`` (seconds since the epoch)."""
        signed = standard_headers(self.signing_secret, entry.webhook_id, int(now), entry.body)
        return {
            "Content-Type": "application/json",
            "ASCC-Event": entry.kind,
            "ASCC-Domain": entry.domain,
            **signed,
        }

    def post(self, entry: Entry, now: float) -> Outcome:
        """Send ``entry`` once; network failures come back as a *retry* outcome."""
        try:
            response = self.session.post(
                self.base_url + path_for(entry.kind),
                data=entry.body,
                headers=self.headers(entry, now),
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            return Outcome("retry", f"timed out after {self.timeout[1]:g} s")
        except requests.RequestException as exc:
            return Outcome("retry", f"cannot reach the center: {type(exc).__name__}")
        return classify(response, now)


def classify(response: requests.Response, now: float) -> Outcome:
    """Sort an HTTP answer into sent / retry / park."""
    status = response.status_code
    if 200 <= status < 300:
        return Outcome("sent", f"HTTP {status}", status, response.content)
    reason = f"HTTP {status}: {describe(response)}"
    if 300 <= status < 400:
        where = response.headers.get("Location", "?")[:REASON_LIMIT]
        return Outcome("retry", f"HTTP {status}: redirect to {where} (not followed)", status)
    if status in RETRYABLE_4XX or status >= 500:
        wait = retry_after(response.headers.get("Retry-After"), now)
        return Outcome("retry", reason, status, retry_after=wait)
    return Outcome("park", reason, status)


def describe(response: requests.Response) -> str:
    """A short reason from the answer: a problem document's detail or title, else its text."""
    text = response.text[:4096]
    try:
        problem = json.loads(text)
    except ValueError:
        problem = None
    if isinstance(problem, dict):
        found = problem.get("detail") or problem.get("title")
        if isinstance(found, str):
            text = found
    return " ".join(text.split())[:REASON_LIMIT] or response.reason or "no detail"


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait per ``Retry-After`` (seconds or an HTTP date); ``None`` if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)
