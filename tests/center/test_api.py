"""The voucher API end to end over loopback HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from center.audit.models import AuditEvent
from center.deliveries.models import ProcessedEvent
from center.deliveries.sealing import SEAL_KEY_FILE, Sealer
from center.vouchers.models import Voucher
from tests.common.hub import LiveHub, Party, event_body

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


def count(live: LiveHub, model: Any, *where: Any) -> int:
    with live.database.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_event_issues_one_voucher_per_unit_and_program(live: LiveHub) -> None:
    gsp = live.new_gsp()
    vouchers = live.issue(gsp, quantity=2)
    assert sorted((v["program"], v["unit"]) for v in vouchers) == [
        ("repair-12m", 0),
        ("repair-12m", 1),
        ("support-24m", 0),
        ("support-24m", 1),
    ]
    for voucher in vouchers:
        assert voucher["state"] == "issued"
        assert voucher["holder_secret"].startswith("hld_")
        assert voucher["holder_url"] == (
            f"https://hub.example/v/{voucher['id']}#{voucher['holder_secret']}"
        )
        assert voucher["token"].count(".") == 2


def test_replay_answers_the_first_result_with_its_secrets(live: LiveHub) -> None:
    gsp = live.new_gsp()
    body = event_body(gsp, quantity=1)
    first = live.post_event(gsp, body, webhook_id="msg_replay")
    again = live.post_event(gsp, body, webhook_id="msg_replay")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()  # a lost reply loses no holder secret
    assert all(v["holder_secret"].startswith("hld_") for v in again.json()["vouchers"])
    assert count(live, Voucher, Voucher.gsp_id == gsp.id) == 2
    later = live.post_event(gsp, body)  # the same state under a new delivery id: no secrets
    assert [v["id"] for v in later.json()["vouchers"]] == [
        v["id"] for v in first.json()["vouchers"]
    ]
    assert all("holder_secret" not in v for v in later.json()["vouchers"])


def test_sealed_secrets_open_only_within_retention_and_with_their_key(tmp_path: Path) -> None:
    sealer = Sealer.for_folder(tmp_path / "keys", timedelta(days=30))
    assert stat.S_IMODE((tmp_path / "keys" / SEAL_KEY_FILE).stat().st_mode) == 0o600
    sealed = sealer.seal({"V-1": "hld_secret"})
    assert "hld_secret" not in sealed
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert sealer.open(sealed, at, at + timedelta(days=30)) == {"V-1": "hld_secret"}
    assert sealer.open(sealed, at, at + timedelta(days=30, seconds=1)) == {}
    assert Sealer.for_folder(tmp_path / "other").open(sealed, at, at) == {}
    assert Sealer.for_folder(tmp_path / "keys").open(sealed, at, at) == {"V-1": "hld_secret"}


def test_webhook_id_reused_for_another_body_is_409(live: LiveHub) -> None:
    gsp = live.new_gsp()
    assert live.post_event(gsp, event_body(gsp), webhook_id="msg_same").status_code == 200
    assert_problem(live.post_event(gsp, event_body(gsp), webhook_id="msg_same"), 409)


def test_refund_voids_the_refunded_units_and_keeps_the_rest(live: LiveHub) -> None:
    gsp = live.new_gsp()
    issued = live.issue(gsp, quantity=2, order_id="o-refund")
    after = live.post_event(gsp, event_body(gsp, quantity=2, order_id="o-refund", refunded=1))
    assert after.status_code == 200
    kept = {v["id"] for v in after.json()["vouchers"]}
    voided = [v for v in issued if v["id"] not in kept]
    assert [v["unit"] for v in voided] == [1, 1]
    for voucher in voided:
        got = live.call("GET", f"/api/v1/vouchers/{voucher['id']}", gsp.key)
        assert got.json()["state"] == "voided"


def test_cancel_voids_everything_before_service(live: LiveHub) -> None:
    gsp = live.new_gsp()
    issued = live.issue(gsp, order_id="o-cancel")
    after = live.post_event(gsp, event_body(gsp, order_id="o-cancel", cancelled=True))
    assert after.json()["vouchers"] == []
    states = {
        live.call("GET", f"/api/v1/vouchers/{v['id']}", gsp.key).json()["state"] for v in issued
    }
    assert states == {"voided"}


def walk_to_assigned(live: LiveHub, gsp: Party, provider: Party) -> dict[str, Any]:
    voucher = next(v for v in live.issue(gsp) if v["kind"] == "repair")
    holder, path = voucher["holder_secret"], f"/api/v1/vouchers/{voucher['id']}"
    assert live.call("POST", path + "/activate", holder).json()["state"] == "activated"
    assigned = live.call("POST", path + "/assign", holder, json={"provider_id": provider.id})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["provider_id"] == provider.id
    return voucher


def test_full_lifecycle_with_audit_trail(live: LiveHub) -> None:
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = walk_to_assigned(live, gsp, provider)
    path = f"/api/v1/vouchers/{voucher['id']}"
    redeemed = live.call("POST", path + "/redeem", provider.key, json={"token": voucher["token"]})
    assert redeemed.json()["state"] == "in_service"
    done = live.call("POST", path + "/complete", provider.key, json={"notes": "new screen"})
    assert done.json()["state"] == "completed"
    records = live.call("GET", "/api/v1/records", provider.key).json()["items"]
    assert [r["voucher_id"] for r in records] == [voucher["id"]]
    steps = [(e["action"], e["from"], e["to"], e["actor"]["kind"]) for e in records[0]["history"]]
    assert steps == [
        ("issue", None, "issued", "gsp"),
        ("activate", "issued", "activated", "holder"),
        ("assign", "activated", "assigned", "holder"),
        ("redeem", "assigned", "in_service", "provider"),
        ("complete", "in_service", "completed", "provider"),
    ]
    listed = live.call("GET", "/api/v1/providers", params={"category": "repair", "limit": "200"})
    mine = next(p for p in listed.json()["items"] if p["id"] == provider.id)
    assert mine["record"]["completed_services"] == 1


def test_activate_twice_is_a_no_op_and_redeem_twice_is_409(live: LiveHub) -> None:
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = walk_to_assigned(live, gsp, provider)
    path = f"/api/v1/vouchers/{voucher['id']}"
    body = assert_problem(live.call("POST", path + "/activate", voucher["holder_secret"]), 409)
    assert body["state"] == "assigned"
    ok = live.call("POST", path + "/redeem", provider.key, json={"token": voucher["token"]})
    assert ok.status_code == 200
    again = live.call("POST", path + "/redeem", provider.key, json={"token": voucher["token"]})
    assert_problem(again, 409)


def test_activate_repeated_is_explicit_no_op(live: LiveHub) -> None:
    voucher = live.issue(live.new_gsp())[0]
    path = f"/api/v1/vouchers/{voucher['id']}/activate"
    first = live.call("POST", path, voucher["holder_secret"])
    second = live.call("POST", path, voucher["holder_secret"])
    assert first.json()["state"] == second.json()["state"] == "activated"
    assert count(live, AuditEvent, AuditEvent.voucher_id == voucher["id"]) == 2


def test_assign_refuses_unknown_provider_and_wrong_kind(live: LiveHub) -> None:
    gsp = live.new_gsp()
    installer = live.new_provider(categories=("installation",))
    voucher = next(v for v in live.issue(gsp) if v["kind"] == "repair")
    path, holder = f"/api/v1/vouchers/{voucher['id']}", voucher["holder_secret"]
    live.call("POST", path + "/activate", holder)
    assert_problem(live.call("POST", path + "/assign", holder, json={"provider_id": "prv-x"}), 422)
    assert_problem(
        live.call("POST", path + "/assign", holder, json={"provider_id": installer.id}), 422
    )
    assert_problem(live.call("POST", path + "/assign", holder, json={"provider_id": 7}), 422)
    assert live.call("GET", path, holder).json()["state"] == "activated"


def test_redeem_refuses_foreign_or_forged_tokens(live: LiveHub) -> None:
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = walk_to_assigned(live, gsp, provider)
    other = live.issue(gsp)[0]
    path = f"/api/v1/vouchers/{voucher['id']}/redeem"
    assert_problem(live.call("POST", path, provider.key, json={"token": other["token"]}), 422)
    forged = voucher["token"][:-4] + ("AAAA" if not voucher["token"].endswith("AAAA") else "BBBB")
    assert_problem(live.call("POST", path, provider.key, json={"token": forged}), 422)
    assert_problem(live.call("POST", path, provider.key, json={}), 422)
    state = live.call("GET", f"/api/v1/vouchers/{voucher['id']}", provider.key).json()["state"]
    assert state == "assigned"


def test_directory_filters_and_sorts(live: LiveHub) -> None:
    gsp = live.new_gsp()
    live.issue(gsp)  # stores the programs: repair-12m is a repair program
    region = f"Region-{gsp.id}"
    made = []
    for categories in (("repair",), ("support",), ("repair", "support")):
        provider = live.new_provider(categories=categories)
        with live.database.transaction() as session:
            from center.parties.models import Provider

            row = session.get(Provider, provider.id)
            assert row is not None
            row.region = region
        made.append(provider.id)
    by_program = live.call(
        "GET", "/api/v1/providers", params={"program": "repair-12m", "region": region}
    ).json()["items"]
    assert {p["id"] for p in by_program} == {made[0], made[2]}
    names = live.call("GET", "/api/v1/providers", params={"region": region, "sort": "name"})
    assert len(names.json()["items"]) == 3
    assert_problem(live.call("GET", "/api/v1/providers", params={"sort": "price"}), 422)
    assert_problem(live.call("GET", "/api/v1/providers", params={"limit": "0"}), 422)


def test_records_paginate_with_a_cursor(live: LiveHub) -> None:
    gsp = live.new_gsp()
    issued = {v["id"] for v in live.issue(gsp, quantity=3)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = live.call("GET", "/api/v1/records", gsp.key, params=params).json()
        seen.extend(r["voucher_id"] for r in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(issued) and len(seen) == 6
    by_customer = live.call(
        "GET",
        "/api/v1/records",
        live.admin_key,
        params={"gsp": gsp.id, "customer": "ADA@example.com"},
    )
    assert len(by_customer.json()["items"]) == 6
    assert_problem(live.call("GET", "/api/v1/records", gsp.key, params={"cursor": "zz"}), 422)
    assert_problem(live.call("GET", "/api/v1/records", gsp.key, params={"state": "x"}), 422)
    assert_problem(
        live.call("GET", "/api/v1/records", gsp.key, params={"since": "2026-01-01"}), 422
    )


def test_signature_failures_are_401_and_write_nothing(live: LiveHub) -> None:
    gsp = live.new_gsp()
    body = event_body(gsp, order_id="o-bad-sig")
    stale = int(time.time()) - 301
    cases = [
        live.post_event(gsp, body, secret="whsec_" + "A" * 44),
        live.post_event(gsp, body, timestamp=stale),
        live.post_event(gsp, body, **{"webhook-signature": "v1,ñó-ascii"}),
        live.post_event(gsp, body, **{"webhook-signature": ""}),
        live.post_event(gsp, body, **{"ASCC-Domain": "unknown.example"}),
        live.post_event(
            gsp,
            body + b" ",
            webhook_id="msg_tamper",
            **{"webhook-signature": live_signature(gsp, body, "msg_tamper")},
        ),
    ]
    for response in cases:
        assert_problem(response, 401)
    assert count(live, Voucher, Voucher.order_id == "o-bad-sig") == 0


def live_signature(gsp: Party, body: bytes, msg_id: str) -> str:
    from ascc_plugin.signatures import sign_standard

    return sign_standard(gsp.secret, msg_id, int(time.time()), body)


def test_bad_bodies_are_4xx_problems_and_write_nothing(live: LiveHub) -> None:
    gsp = live.new_gsp()
    good = json.loads(event_body(gsp, order_id="o-bad-body"))
    wrong_type = json.loads(json.dumps(good))
    wrong_type["event"]["order"]["lines"][0]["quantity"] = "two"
    float_money = json.loads(json.dumps(good))
    float_money["event"]["order"]["total"] = 99.0
    other_shop = json.loads(json.dumps(good))
    other_shop["event"]["gsp"]["shop"] = "another.example"
    assert_problem(live.post_event(gsp, b"{not json"), 400)
    for bad in (wrong_type, float_money, {"event": None}, [], other_shop):
        assert_problem(live.post_event(gsp, json.dumps(bad).encode()), 422)
    assert_problem(live.post_event(gsp, b"{" + b" " * (1024 * 1024 + 10) + b"}"), 413)
    assert count(live, Voucher, Voucher.order_id == "o-bad-body") == 0
    assert count(live, ProcessedEvent, ProcessedEvent.gsp_id == gsp.id) == 0


def test_voucher_actions_refuse_malformed_bodies(live: LiveHub) -> None:
    voucher = live.issue(live.new_gsp())[0]
    path = f"/api/v1/vouchers/{voucher['id']}"
    holder = voucher["holder_secret"]
    assert_problem(live.call("POST", path + "/assign", holder, data=b"{nope"), 400)
    assert_problem(live.call("POST", path + "/assign", holder, json=["x"]), 422)
    assert_problem(live.call("GET", "/api/v1/nowhere"), 404)
    assert_problem(live.call("DELETE", path, holder), 405)
    assert_problem(live.call("GET", path, "Basic abc"), 401)


def test_nul_characters_are_refused_everywhere(live: LiveHub) -> None:
    """PostgreSQL text cannot hold NUL: every entry point answers 422, never 500."""
    gsp = live.new_gsp()
    good = json.loads(event_body(gsp, order_id="o-nul"))
    good["event"]["order"]["customer"]["name"] = "Ada\u0000"
    assert_problem(live.post_event(gsp, json.dumps(good).encode()), 422)
    assert_problem(live.call("GET", "/api/v1/records", gsp.key, params={"gsp": "a\x00"}), 422)
    assert_problem(live.call("GET", "/api/v1/providers", params={"region": "\x00"}), 422)
    voucher = live.issue(gsp)[0]
    path = f"/api/v1/vouchers/{voucher['id']}/assign"
    assert_problem(
        live.call("POST", path, voucher["holder_secret"], json={"provider_id": "p\u0000"}), 422
    )
    assert count(live, Voucher, Voucher.order_id == "o-nul") == 0
