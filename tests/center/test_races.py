"""Lifecycle races through the real HTTP server, many rounds each, on PostgreSQL and SQLite.

PostgreSQL shows what SQLite's single writer hides: a check in one statement and a write in
another race. Each round releases its requests at one instant (a barrier) and checks that the
outcome is one of the serial ones: a redemption and a reassignment never both succeed; a
provider with one free place never gets two open cases; parallel activations are all 200 with
one audit row.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
import requests
from sqlalchemy import func, select, update

from ascc_plugin.vouchers import VoucherState
from center.audit.models import AuditEvent
from center.vouchers.models import Voucher
from tests.common.hub import LiveHub

pytestmark = pytest.mark.slow
ROUNDS = 50
CAPACITY_CONTENDERS = 20
ACTIVATORS = 50


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call on its own thread, released at the same instant."""
    barrier = threading.Barrier(len(calls), timeout=30)

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run, c) for c in calls]]


def post(live: LiveHub, voucher_id: str, action: str, key: str, body: Any = None) -> int:
    url = live.url(f"/api/v1/vouchers/{voucher_id}/{action}")
    headers = {"Authorization": f"Bearer {key}"}
    return requests.post(url, json=body, headers=headers, timeout=60).status_code


def repair_vouchers(live: LiveHub, count: int) -> list[dict[str, Any]]:
    """``count`` issued repair vouchers of one store (one event), already activated."""
    vouchers = [v for v in live.issue(live.new_gsp(), quantity=count) if v["kind"] == "repair"]
    with live.database.transaction() as session:
        session.execute(
            update(Voucher)
            .where(Voucher.id.in_([v["id"] for v in vouchers]))
            .values(state=VoucherState.ACTIVATED)
        )
    return vouchers


def stored(live: LiveHub, voucher_id: str) -> Voucher:
    with live.database.transaction(write=False) as session:
        found = session.scalar(select(Voucher).where(Voucher.id == voucher_id))
        assert found is not None
        return found


def test_redeem_and_reassign_never_both_succeed(live: LiveHub) -> None:
    x, y = live.new_provider(), live.new_provider()
    outcomes: Counter[tuple[int, int]] = Counter()
    for voucher in repair_vouchers(live, ROUNDS):
        holder, vid = voucher["holder_secret"], voucher["id"]
        assert post(live, vid, "assign", holder, {"provider_id": x.id}) == 200
        redeemed, reassigned = together(
            [
                partial(post, live, vid, "redeem", x.key, {"token": voucher["token"]}),
                partial(post, live, vid, "assign", holder, {"provider_id": y.id}),
            ]
        )
        outcomes[redeemed, reassigned] += 1
        row = stored(live, vid)
        if redeemed == 200:
            assert reassigned == 409 and (row.state, row.provider_id) == ("in_service", x.id)
        else:  # X lost the voucher: not X's any more (404), or taken under its hands (409)
            assert redeemed in (404, 409) and reassigned == 200, (redeemed, reassigned)
            assert (row.state, row.provider_id) == ("assigned", y.id)
    assert sum(outcomes.values()) == ROUNDS
    assert not outcomes[200, 200]


def test_a_provider_with_one_free_place_never_gets_two_cases(live: LiveHub) -> None:
    for _ in range(ROUNDS):
        provider = live.new_provider(capacity=1)
        vouchers = repair_vouchers(live, CAPACITY_CONTENDERS)
        statuses = together(
            [
                partial(
                    post, live, v["id"], "assign", v["holder_secret"], {"provider_id": provider.id}
                )
                for v in vouchers
            ]
        )
        assert Counter(statuses) == Counter({200: 1, 409: CAPACITY_CONTENDERS - 1})
        with live.database.transaction(write=False) as session:
            open_cases = session.scalar(
                select(func.count()).where(
                    Voucher.provider_id == provider.id, Voucher.state == VoucherState.ASSIGNED
                )
            )
        assert open_cases == 1


def test_parallel_activations_are_all_200_with_one_audit_row(live: LiveHub) -> None:
    gsp = live.new_gsp()
    vouchers = [v for v in live.issue(gsp, quantity=ROUNDS) if v["kind"] == "repair"]
    for voucher in vouchers:
        statuses = together(
            [partial(post, live, voucher["id"], "activate", voucher["holder_secret"])] * ACTIVATORS
        )
        assert statuses == [200] * ACTIVATORS
        with live.database.transaction(write=False) as session:
            activations = session.scalar(
                select(func.count()).where(
                    AuditEvent.voucher_id == voucher["id"], AuditEvent.action == "activate"
                )
            )
        assert activations == 1
