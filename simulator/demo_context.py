"""What the demo's steps share: the running world, an HTTP session, and what earlier steps found.

A step is a function ``step(demo) -> Check``; it raises :class:`StepFailed` with the reason when
what it checks does not hold. :func:`wait_for` polls with a deadline (never a bare sleep).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import requests

from ascc_plugin.clock import utcnow
from simulator.demo_world import Store, World
from simulator.services import WaitTimeout, poll_until

T = TypeVar("T")
WAIT_SECONDS = 20.0


class StepFailed(Exception):
    """What a step checked did not hold; the message says what was expected and what was seen."""


@dataclass(frozen=True)
class Check:
    """What a step found: one line for people, figures for machines."""

    detail: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Demo:
    world: World
    now: datetime = field(default_factory=utcnow)
    http: requests.Session = field(default_factory=requests.Session)
    expected: dict[str, list[tuple[str, str, int, str]]] = field(default_factory=dict)
    """Per store: what each entitled voucher covers, (order, line, unit, program)."""
    voided: set[tuple[str, str, int, str]] = field(default_factory=set)
    deliveries: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    walked: dict[str, Any] = field(default_factory=dict, repr=False)
    provider: dict[str, Any] = field(default_factory=dict, repr=False)
    incentive: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def center(self) -> str:
        return self.world.center.url

    def api(self, method: str, path: str, key: str | None = None, body: Any = None) -> Answer:
        """One call of the center's API; ``key`` goes in ``Authorization: Bearer``."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = self.http.request(
            method, self.center + path, json=body, headers=headers, timeout=10
        )
        return Answer(response.status_code, response.headers.get("Content-Type", ""), response)

    def records(self, store: Store) -> list[dict[str, Any]]:
        """Every record the center keeps for ``store``, read with the store's own key."""
        items: list[dict[str, Any]] = []
        cursor = ""
        while True:
            answer = self.api("GET", f"/api/v1/records?limit=100{cursor}", store.api_key)
            page = answer.expect(200, "the store's records")
            items.extend(page["items"])
            if page["next_cursor"] is None:
                return items
            cursor = f"&cursor={page['next_cursor']}"


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    response: requests.Response

    def json(self) -> Any:
        try:
            return self.response.json()
        except ValueError:
            return None

    def expect(self, status: int, what: str) -> Any:
        """The JSON body, or :class:`StepFailed` naming the status and the problem's detail."""
        if self.status != status:
            body = self.json()
            reason = body.get("detail") if isinstance(body, dict) else self.response.text[:200]
            raise StepFailed(f"{what}: HTTP {self.status} (expected {status}): {reason}")
        return self.json()


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def wait_for(
    probe: Callable[[], T | None], what: str, seconds: float = WAIT_SECONDS, every: float = 0.1
) -> T:
    """The first non-``None`` answer of ``probe``; :class:`StepFailed` after ``seconds``."""
    last_error = ""

    def attempt() -> T | None:
        nonlocal last_error
        try:
            return probe()
        except StepFailed as exc:
            last_error = str(exc)
            return None

    try:
        return poll_until(attempt, what, seconds, every)
    except WaitTimeout:
        raise StepFailed(f"{what}: not seen within {seconds:.0f} s {last_error}".strip()) from None


def read_deliveries(path: Path) -> list[dict[str, Any]]:
    """The delivery log's lines (``{"voucher", "holder_link", …}``), oldest first."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
