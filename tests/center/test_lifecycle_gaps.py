"""The token is the customer's; vouchers expired at issue; restored orders; over HTTP on both
databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from center.audit.models import AuditEvent
from tests.common.hub import LiveHub, event_body


def voucher_path(voucher: dict[str, Any], action: str = "") -> str:
    return f"/api/v1/vouchers/{voucher['id']}" + (f"/{action}" if action else "")


def test_the_providers_view_has_no_token_and_the_holder_hands_it_over(live: LiveHub) -> None:
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = next(v for v in live.issue(gsp) if v["kind"] == "repair")
    holder = voucher["holder_secret"]
    live.call("POST", voucher_path(voucher, "activate"), holder)
    assigned = live.call(
        "POST", voucher_path(voucher, "assign"), holder, json={"provider_id": provider.id}
    )
    assert assigned.json()["token"] == voucher["token"]  # the holder's answer shows it
    seen = live.call("GET", voucher_path(voucher), provider.key)
    assert seen.status_code == 200 and "token" not in seen.json()
    handed_over = live.call("GET", voucher_path(voucher), holder).json()["token"]
    redeemed = live.call(
        "POST", voucher_path(voucher, "redeem"), provider.key, json={"token": handed_over}
    )
    assert redeemed.status_code == 200 and "token" not in redeemed.json()
    assert live.call("GET", voucher_path(voucher), gsp.key).json()["token"] == voucher["token"]


def test_a_voucher_whose_term_ended_before_issue_is_recorded_expired(live: LiveHub) -> None:
    gsp = live.new_gsp()
    placed = datetime.now(UTC) - relativedelta(months=13)
    document = json.loads(event_body(gsp))
    document["event"]["order"]["placed_at"] = placed.isoformat()
    answer = live.post_event(gsp, json.dumps(document).encode())
    by_program = {v["program"]: v for v in answer.json()["vouchers"]}
    repair, support = by_program["repair-12m"], by_program["support-24m"]
    assert repair["state"] == "expired" and "holder_secret" not in repair
    assert "token" not in repair and "holder_url" not in repair
    assert support["state"] == "issued" and support["holder_secret"].startswith("hld_")
    with live.database.transaction(write=False) as session:
        trail = session.scalars(select(AuditEvent).where(AuditEvent.voucher_id == repair["id"]))
        assert [(e.action, e.to_state) for e in trail] == [("issue", "expired")]


def test_a_restored_order_reinstates_its_voided_vouchers(live: LiveHub) -> None:
    gsp = live.new_gsp()
    first = live.issue(gsp, order_id="o-restored")
    cancelled = live.post_event(gsp, event_body(gsp, order_id="o-restored", cancelled=True))
    assert {v["state"] for v in cancelled.json()["vouchers"]} == set()  # entitles nothing
    voucher = first[0]
    assert live.call("GET", voucher_path(voucher), gsp.key).json()["state"] == "voided"
    restored = live.post_event(gsp, event_body(gsp, order_id="o-restored"))
    states = {v["id"]: v["state"] for v in restored.json()["vouchers"]}
    assert states == {v["id"]: "issued" for v in first}
    assert "holder_secret" not in restored.json()["vouchers"][0]  # the holder kept theirs
    held = live.call("GET", voucher_path(voucher), voucher["holder_secret"])
    assert held.status_code == 200 and held.json()["state"] == "issued"
    with live.database.transaction(write=False) as session:
        trail = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.voucher_id == voucher["id"])
            .order_by(AuditEvent.seq)
        )
        assert [e.action for e in trail] == ["issue", "void", "reinstate"]
