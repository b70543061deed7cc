"""Races through the real HTTP server: single-use redemption and parallel event replays."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from center.audit.models import AuditEvent
from center.vouchers.models import Voucher
from tests.common.hub import LiveHub, event_body

REDEEMERS = 50
REPLAYS = 20


def together(count: int, call: Any) -> list[Any]:
    """Run ``call()`` on ``count`` threads released at the same instant."""
    barrier = threading.Barrier(count, timeout=30)

    def run() -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run) for _ in range(count)]]


def test_fifty_concurrent_redemptions_exactly_one_wins(live: LiveHub) -> None:
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = next(v for v in live.issue(gsp) if v["kind"] == "repair")
    path, holder = f"/api/v1/vouchers/{voucher['id']}", voucher["holder_secret"]
    live.call("POST", path + "/activate", holder)
    live.call("POST", path + "/assign", holder, json={"provider_id": provider.id})

    def redeem() -> int:
        import requests

        response = requests.post(
            live.url(path + "/redeem"),
            json={"token": voucher["token"]},
            headers={"Authorization": f"Bearer {provider.key}"},
            timeout=60,
        )
        return response.status_code

    statuses = Counter(together(REDEEMERS, redeem))
    assert statuses == Counter({200: 1, 409: REDEEMERS - 1})
    with live.database.transaction(write=False) as session:
        redeemed = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.voucher_id == voucher["id"], AuditEvent.action == "redeem")
        )
    assert redeemed == 1


def test_twenty_parallel_replays_make_one_set(live: LiveHub) -> None:
    gsp = live.new_gsp()
    body = event_body(gsp, quantity=3, order_id="o-race")

    def send() -> tuple[int, list[str]]:
        import requests

        from ascc_plugin.signatures import standard_headers

        headers = {
            "ASCC-Domain": gsp.shop,
            "Content-Type": "application/json",
            **standard_headers(gsp.secret, "msg_race", int(__import__("time").time()), body),
        }
        response = requests.post(live.url("/api/v1/events"), data=body, headers=headers, timeout=60)
        return response.status_code, sorted(v["id"] for v in response.json()["vouchers"])

    results = together(REPLAYS, send)
    assert {status for status, _ in results} == {200}
    assert len({tuple(ids) for _, ids in results}) == 1
    with live.database.transaction(write=False) as session:
        stored = session.scalar(
            select(func.count()).select_from(Voucher).where(Voucher.gsp_id == gsp.id)
        )
        issues = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "issue", AuditEvent.actor_id == gsp.id)
        )
    assert stored == issues == 6


def test_parallel_distinct_deliveries_of_one_order_make_one_set(live: LiveHub) -> None:
    """Different webhook-ids, same order state (a storefront's duplicate): still one set."""
    gsp = live.new_gsp()
    body = event_body(gsp, quantity=2, order_id="o-dupes")
    results = together(10, lambda: live.post_event(gsp, body).status_code)
    assert set(results) == {200}
    with live.database.transaction(write=False) as session:
        stored = session.scalar(
            select(func.count()).select_from(Voucher).where(Voucher.gsp_id == gsp.id)
        )
    assert stored == 4
