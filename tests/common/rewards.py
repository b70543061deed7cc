"""The reward half for tests: a hub whose clock can be moved on, programs with an incentive
schedule and an insurance policy, and a voucher walked to ``completed`` over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ascc_plugin.clock import utcnow
from center import create_app, migrate
from center.api.hub import current_hub
from center.infra.db import get_database
from center.insurance.models import Policy
from center.insurance.services import add_policy
from center.parties import keys
from tests.common.hub import LiveHub, Party, event_body, hub_settings
from tests.common.servers import Served

POLICY = "care-plus"
PROGRAMS = [
    {
        "id": "repair-12m",
        "kind": "repair",
        "term_months": 12,
        "incentive": {"5": "10.00", "4": "5.00", "3": "0.00"},
        "insurance_policy": POLICY,
    },
    {"id": "support-24m", "kind": "support", "term_months": 24},
]


BEHIND = timedelta(days=200)


class MovableClock:
    """The wall clock plus an offset that tests move on (thread-safe).

    It starts :data:`BEHIND` in the past, so moving it on never puts a signed token's ``iat``
    in the future of the real clock that verifies it.
    """

    def __init__(self) -> None:
        self.offset = -BEHIND
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        with self.lock:
            self.offset += timedelta(**delta)


@contextmanager
def rewards_hub(
    folder: Path, url: str, backend: str, port: int = 0, **settings: Any
) -> Iterator[LiveHub]:
    """A live hub on ``url`` with a :class:`MovableClock` (``live.clock``) and the policy,
    served on loopback (on ``port`` when given)."""
    admin_key = keys.new_key(keys.ADMIN)
    clock = MovableClock()
    app = create_app(hub_settings(folder, url, admin_key, **settings), clock=clock)
    try:
        with Served(app, port) as served:
            prepare(app)
            live = LiveHub(app, served.url, admin_key, backend)
            live.clock = clock  # type: ignore[attr-defined]
            yield live
    finally:
        get_database(app).dispose()


def prepare(app: Any) -> None:
    """Migrate and register the policy (once: PostgreSQL databases are shared per session)."""
    migrate.upgrade(get_database(app))
    with app.app_context(), get_database(app).transaction() as session:
        if session.get(Policy, POLICY) is not None:
            return
        add_policy(
            session,
            policy_id=POLICY,
            insurer="Mutual",
            currency="EUR",
            premium_fixed=None,
            premium_rate=Decimal("0.05"),
            coverage_limit=Decimal("100.00"),
            deductible=Decimal("10.00"),
            now=current_hub().clock(),
        )


def issue(live: LiveHub, gsp: Party, **order: Any) -> dict[str, Any]:
    """A paid order's repair voucher (price 99.00 EUR, insured)."""
    order.setdefault("programs", PROGRAMS)
    response = post(live, gsp, event_body(gsp, **order))
    assert response.status_code == 200, response.text
    return next(v for v in response.json()["vouchers"] if v["program"] == "repair-12m")


def post(live: LiveHub, gsp: Party, body: bytes) -> Any:
    """A signed event, stamped with the hub's (possibly moved) clock."""
    clock = getattr(live, "clock", None)
    return live.post_event(gsp, body, timestamp=int(clock().timestamp()) if clock else None)


def completed(live: LiveHub, gsp: Party, provider: Party, **order: Any) -> dict[str, Any]:
    """A repair voucher walked issue → activate → assign → redeem → complete over HTTP."""
    voucher = issue(live, gsp, **order)
    path, holder = f"/api/v1/vouchers/{voucher['id']}", voucher["holder_secret"]
    steps = [
        (path + "/activate", holder, None),
        (path + "/assign", holder, {"provider_id": provider.id}),
        (path + "/redeem", provider.key, {"token": voucher["token"]}),
        (path + "/complete", provider.key, {"notes": "done"}),
    ]
    for url, key, body in steps:
        answer = live.call("POST", url, key, json=body)
        assert answer.status_code == 200, answer.text
    return voucher


def assess(live: LiveHub, voucher: dict[str, Any], score: int = 5, **body: Any) -> Any:
    return live.call(
        "POST",
        f"/api/v1/vouchers/{voucher['id']}/assessment",
        voucher["holder_secret"],
        json={"score": score, **body},
    )
