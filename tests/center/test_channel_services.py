"""The relay core without sockets: seqs, once-only sends, rules of each frame kind, tickets,
``system`` frames — on SQLite and PostgreSQL (races proven on PostgreSQL's row lock)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from center.channel import services, tickets
from center.channel.access import Party, Role
from center.channel.frames import INCOMING, FrameRefused, parse_incoming
from center.channel.relay import Relay, relay_of
from tests.common.channel import OpenCase, open_case
from tests.common.hub import LiveHub

HOLDER, NOW = Party(Role.HOLDER), datetime(2026, 11, 30, 12, tzinfo=UTC)


def relay(live: LiveHub) -> Relay:
    return relay_of(live.app.extensions)


def message(msg_id: str, text: str = "hi") -> Any:
    return INCOMING.validate_python(
        {"type": "message", "client_msg_id": msg_id, "body": {"text": text}}
    )


def proposal(msg_id: str) -> Any:
    window = {"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T12:00:00Z"}
    body = {"window": window, "place": "Main St 1"}
    return parse_incoming({"type": "proposal", "client_msg_id": msg_id, "body": body})


def answer(kind: str, msg_id: str, seq: int) -> Any:
    return parse_incoming({"type": kind, "client_msg_id": msg_id, "body": {"proposal": seq}})


def provider_of(case: OpenCase) -> Party:
    return Party(Role.PROVIDER, case.provider.id)


def kinds(live: LiveHub, case: OpenCase) -> list[tuple[int, str, str]]:
    return [(f["seq"], f["type"], f["from"]) for f in relay(live).read(case.id, 0)]


def test_sends_get_consecutive_seqs_and_a_resend_takes_effect_once(live: LiveHub) -> None:
    case = open_case(live)
    first = relay(live).submit(case.id, HOLDER, message("m-1"))
    second = relay(live).submit(case.id, provider_of(case), message("m-2"))
    again = relay(live).submit(case.id, HOLDER, message("m-1", "changed"))
    assert (first.seq, second.seq) == (2, 3)  # 1 is the "assigned" system frame
    assert again == services.Appended(2, duplicate=True)
    assert kinds(live, case) == [(1, "system", "system"), (2, "message", "holder"),
                                 (3, "message", "provider")]  # fmt: skip
    assert relay(live).read(case.id, 0)[1]["body"] == {"text": "hi"}


def test_concurrent_sends_leave_no_hole_and_store_each_id_once(live: LiveHub) -> None:
    case, start = open_case(live), threading.Barrier(8)

    def send(worker: int) -> list[int]:
        start.wait()
        return [
            relay(live).submit(case.id, HOLDER, message(f"w{worker % 4}-{n}")).seq
            for n in range(12)
        ]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(send, range(8)))
    stored = [f["seq"] for f in relay(live).read(case.id, 0)]
    assert stored == list(range(1, 50))  # the system frame and 48 distinct ids, no hole
    assert results[0] == results[4]  # the same ids sent twice got the same seqs


def test_accepting_a_proposal_records_the_arrangement_on_the_voucher(live: LiveHub) -> None:
    case = open_case(live)
    made = relay(live).submit(case.id, provider_of(case), proposal("p-1"))
    relay(live).submit(case.id, HOLDER, answer("accept", "a-1", made.seq))
    shown = live.call("GET", f"/api/v1/cases/{case.id}", case.holder_key).json()
    assert shown["arrangement"]["proposal"] == made.seq
    assert shown["arrangement"]["place"] == "Main St 1"
    assert shown["arrangement"]["accepted_by"] == "holder"
    records = live.call("GET", f"/api/v1/records?gsp={case.gsp.id}", case.gsp.key).json()
    history = records["items"][0]["history"]
    assert history[-1]["action"] == "arrange" and "Main St 1" in history[-1]["detail"]
    assert [k for _, k, _ in kinds(live, case)] == ["system", "proposal", "accept"]


@pytest.mark.parametrize(
    ("who", "frame", "code"),
    [
        ("provider", "own-accept", "invalid"),  # the proposer cannot accept its own proposal
        ("holder", "answer-twice", "conflict"),
        ("provider", "voucher", "forbidden"),  # only the holder presents the voucher
        ("holder", "bad-token", "invalid"),
        ("operator", "message", "read-only"),
        ("holder", "answer-a-message", "invalid"),
    ],
)
def test_frame_rules(live: LiveHub, who: str, frame: str, code: str) -> None:
    case = open_case(live)
    party = {"holder": HOLDER, "provider": provider_of(case), "operator": Party(Role.OPERATOR)}
    made = relay(live).submit(case.id, provider_of(case), proposal("p-1"))
    token = case.voucher["token"]
    frames = {
        "own-accept": answer("accept", "x", made.seq),
        "answer-twice": answer("decline", "x", made.seq),
        "voucher": parse_incoming(
            {"type": "voucher", "client_msg_id": "x", "body": {"token": token}}
        ),
        "bad-token": parse_incoming(
            {"type": "voucher", "client_msg_id": "x", "body": {"token": token[:-4] + "AAAA"}}
        ),
        "message": message("x"),
        "answer-a-message": answer("accept", "x", 1),
    }
    if frame == "answer-twice":
        relay(live).submit(case.id, HOLDER, answer("accept", "first", made.seq))
    head = relay(live).head(case.id)
    with pytest.raises(FrameRefused) as refused:
        relay(live).submit(case.id, party[who], frames[frame])
    assert refused.value.code == code and refused.value.client_msg_id == "x"
    assert relay(live).head(case.id) == head  # nothing stored


@pytest.mark.parametrize(
    "data",
    [
        [1, 2],
        {"type": "shout", "client_msg_id": "a"},
        {"type": "message", "client_msg_id": "a", "body": {"text": "x" * 4097}},
        {"type": "message", "client_msg_id": "a", "body": {"text": "é" * 2049}},  # 4098 bytes
        {"type": "message", "client_msg_id": "bad id!", "body": {"text": "x"}},
        {"type": "message", "client_msg_id": "a", "body": {"text": "nul\u0000"}},
        {"type": "proposal", "client_msg_id": "a", "body": {"window": {
            "start": "2026-12-01T12:00:00Z", "end": "2026-12-01T10:00:00Z"}, "remote": True}},
        {"type": "proposal", "client_msg_id": "a", "body": {"window": {
            "start": "2026-12-01T10:00:00", "end": "2026-12-01T12:00:00"}, "remote": True}},
        {"type": "proposal", "client_msg_id": "a", "body": {"window": {
            "start": "2026-12-01T10:00:00Z", "end": "2026-12-01T12:00:00Z"}}},
    ],
)  # fmt: skip
def test_malformed_frames_are_refused_with_a_reason(data: Any) -> None:
    with pytest.raises(FrameRefused) as refused:
        parse_incoming(data)
    assert refused.value.code in ("unknown-type", "invalid") and refused.value.detail


def test_a_ticket_is_single_use_short_lived_and_bound_to_its_case(live: LiveHub) -> None:
    case, other = open_case(live), open_case(live)
    with live.database.transaction() as session:
        made = [tickets.issue(session, case.id, HOLDER, NOW, 60) for _ in range(3)]
    late = NOW + timedelta(seconds=61)
    with live.database.transaction() as session:
        assert tickets.redeem(session, made[0], other.id, NOW) is None  # another case
        assert tickets.redeem(session, made[0], case.id, NOW) == HOLDER
        assert tickets.redeem(session, made[0], case.id, NOW) is None  # replayed
        assert tickets.redeem(session, made[1], case.id, late) is None  # expired
        assert tickets.redeem(session, "tkt_" + "x" * 43, case.id, NOW) is None  # unknown
        assert tickets.redeem(session, made[2], case.id, NOW) == HOLDER


def test_system_frames_follow_the_voucher_and_a_reassignment(live: LiveHub) -> None:
    case, other = open_case(live), live.new_provider()
    path = f"/api/v1/vouchers/{case.id}"
    moved = live.call("POST", path + "/assign", case.holder_key, json={"provider_id": other.id})
    assert moved.status_code == 200
    assert live.call("POST", path + "/redeem", other.key, json={"token": case.voucher["token"]})
    assert live.call("POST", path + "/complete", other.key, json={"notes": "ok"}).ok
    events = [(f["body"]["event"], f["body"]["provider_id"]) for f in relay(live).read(case.id, 0)]
    assert events == [
        ("assigned", case.provider.id),
        ("assigned", other.id),
        ("redeemed", other.id),
        ("completed", other.id),
    ]
    old = live.call("GET", f"/api/v1/cases/{case.id}/frames", case.provider.key)
    assert old.status_code == 404  # the old provider has left the case
