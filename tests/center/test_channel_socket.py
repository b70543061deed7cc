"""The channel over real sockets (werkzeug on loopback, the ``websockets`` client): resume,
once-only sends, the auth matrix, bad input and floods, reassignment, no thread leak."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from click.testing import CliRunner
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from ascc_plugin.channel.client import ChannelError
from ascc_plugin.cli import build_cli
from ascc_plugin.host import get_plugin_manager
from center.channel.relay import relay_of
from simulator.services import poll_until
from tests.common.channel import OpenCase, open_case
from tests.common.hub import LiveHub


def ticket(live: LiveHub, case: OpenCase, key: str | None = None) -> str:
    answer = live.call("POST", f"/api/v1/cases/{case.id}/tickets", key or case.holder_key)
    assert answer.status_code == 200, answer.text
    assert answer.json()["url"].startswith(f"wss://hub.example/ws/cases/{case.id}?ticket=tkt_")
    return str(answer.json()["ticket"])


def socket(live: LiveHub, case_id: str, ticket: str, since: int = 0, **options: Any) -> Any:
    url = f"ws{live.base_url.removeprefix('http')}/ws/cases/{case_id}?ticket={ticket}"
    return connect(url + f"&since={since}", proxy=None, open_timeout=5, legacy=True, **options)


def refusal(live: LiveHub, case_id: str, ticket: str, **options: Any) -> tuple[int, bytes]:
    with pytest.raises(InvalidStatus) as refused:
        socket(live, case_id, ticket, **options)
    return refused.value.response.status_code, bytes(refused.value.response.body or b"")


def read_json(ws: ClientConnection) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ws.recv(timeout=5))
    return data


def close_code(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=5)
    return closed.value.rcvd.code if closed.value.rcvd else None


def test_a_conversation_arrives_once_and_in_order_on_both_sides(live: LiveHub) -> None:
    case = open_case(live)
    holder, provider = case.holder(live.base_url), case.provider_side(live.base_url)
    assert holder.connect()["role"] == "holder" and provider.connect()["head"] == 1
    for n in range(10):
        side = holder if n % 2 else provider
        side.wait_ack(side.message(f"m{n}"))
    for side in (holder, provider):
        frames = side.frames_until(lambda f: f.seq == 11)
        assert [f.seq for f in frames] == list(range(1, 12))
    holder.close()
    provider.close()


def test_a_client_dropped_mid_stream_resumes_from_since_without_gap_or_duplicate(
    live: LiveHub,
) -> None:
    case = open_case(live)
    holder, provider = case.holder(live.base_url), case.provider_side(live.base_url)
    holder.connect()
    acks = [holder.wait_ack(holder.message(f"m{n}")) for n in range(10)]
    seen = provider.frames_until(lambda f: f.seq == 5)
    provider.drop()  # the client side goes away mid-stream
    acks += [holder.wait_ack(holder.message(f"m{n}")) for n in range(10, 20)]
    relay_of(live.app.extensions).close_sockets(1012, "service restart")  # the server side too
    acks += [holder.wait_ack(holder.message(f"m{n}")) for n in range(20, 30)]
    seen += provider.frames_until(lambda f: f.seq == 31)
    assert acks == list(range(2, 32))
    assert [f.seq for f in seen] == list(range(1, 32))  # no gap, nothing twice
    assert [f.body["text"] for f in seen[1:]] == [f"m{n}" for n in range(30)]
    assert provider.connects == 2 and holder.connects >= 2  # both reconnected by themselves
    holder.close()
    provider.close()


def test_a_resend_of_an_unacknowledged_frame_is_stored_once(live: LiveHub) -> None:
    case = open_case(live)
    frame = json.dumps({"type": "message", "client_msg_id": "once-1", "body": {"text": "hi"}})
    with socket(live, case.id, ticket(live, case)) as ws:
        ws.send(frame)  # and gone before the ack
    with socket(live, case.id, ticket(live, case), since=0) as ws:
        assert read_json(ws)["type"] == "hello"
        ws.send(frame)
        replies = [read_json(ws) for _ in range(3)]
    acks = [r for r in replies if r["type"] == "ack"]
    assert acks == [{"type": "ack", "client_msg_id": "once-1", "seq": 2, "duplicate": True}]
    frames = live.call("GET", f"/api/v1/cases/{case.id}/frames", case.holder_key).json()
    assert [f.get("client_msg_id") for f in frames["items"]] == [None, "once-1"]


def test_tickets_refused_alike_whatever_the_reason(live: LiveHub) -> None:
    case, other = open_case(live), open_case(live)
    used = ticket(live, case)
    socket(live, case.id, used).close()
    answers = {
        "replayed": refusal(live, case.id, used),
        "another case's": refusal(live, other.id, ticket(live, case)),
        "unknown": refusal(live, case.id, "tkt_" + "A" * 43),
        "none": refusal(live, case.id, ""),
        "unknown case": refusal(live, "ME13-S9JW-J6MS-PK8P-S", ticket(live, case)),
    }
    assert {status for status, _ in answers.values()} == {401}
    assert len({body for _, body in answers.values()}) == 1  # one answer for every reason


def test_only_the_holder_and_the_assigned_provider_get_tickets(live: LiveHub) -> None:
    case, other = open_case(live), open_case(live)
    path = f"/api/v1/cases/{case.id}/tickets"
    missing = live.call("POST", "/api/v1/cases/ME13-S9JW-J6MS-PK8P-S/tickets", case.holder_key)
    outsiders = {
        "another holder": live.call("POST", path, other.holder_key),
        "another provider": live.call("POST", path, other.provider.key),
        "the voucher's store": live.call("POST", path, case.gsp.key),
        "a guessed secret": live.call("POST", path, "hld_guess"),
    }
    assert {a.status_code for a in outsiders.values()} == {404}
    assert {a.json()["detail"] for a in outsiders.values()} == {missing.json()["detail"]}
    assert live.call("POST", path).status_code == 401
    assert live.call("POST", path, live.admin_key).status_code == 200  # the operator reads
    unassigned = live.issue(live.new_gsp())[0]
    early = live.call(
        "POST", f"/api/v1/cases/{unassigned['id']}/tickets", unassigned["holder_secret"]
    )
    assert early.status_code == 409


def test_a_foreign_origin_is_refused_and_the_hub_s_own_accepted(live: LiveHub) -> None:
    case = open_case(live)
    status, body = refusal(live, case.id, ticket(live, case), origin="https://evil.example")
    assert status == 403 and b"origin" in body
    with socket(live, case.id, ticket(live, case), origin="https://hub.example") as ws:
        assert read_json(ws)["type"] == "hello"


def test_the_operator_reads_but_cannot_send(live: LiveHub) -> None:
    case = open_case(live)
    with socket(live, case.id, ticket(live, case, live.admin_key)) as ws:
        assert read_json(ws)["role"] == "operator"
        assert read_json(ws)["seq"] == 1
        ws.send(json.dumps({"type": "message", "client_msg_id": "op", "body": {"text": "x"}}))
        assert read_json(ws)["code"] == "read-only"


def test_a_reassigned_provider_s_socket_is_closed_with_a_reason(live: LiveHub) -> None:
    case, other = open_case(live), live.new_provider()
    with socket(live, case.id, ticket(live, case, case.provider.key)) as ws:
        assert read_json(ws)["type"] == "hello"
        assert read_json(ws)["seq"] == 1
        path = f"/api/v1/vouchers/{case.id}/assign"
        assert live.call("POST", path, case.holder_key, json={"provider_id": other.id}).ok
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                assert read_json(ws).get("seq") != 2  # never shown the reassignment
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        assert "reassigned" in closed.value.rcvd.reason
    old = case.provider_side(live.base_url)
    with pytest.raises(ChannelError, match="no ticket: 404"):
        old.connect(attempts=1)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("not json", 1007),
        (b"\x00\x01", 1003),
        (json.dumps({"type": "message", "client_msg_id": "a", "body": {"text": "x" * 20000}}),
         1009),
    ],
)  # fmt: skip
def test_bad_input_closes_the_socket_with_a_clear_code(
    live: LiveHub, data: str | bytes, code: int
) -> None:
    case = open_case(live)
    with socket(live, case.id, ticket(live, case), max_size=None) as ws:
        read_json(ws)
        ws.send(data)
        assert close_code(ws) == code
    assert live.call("GET", "/healthz").status_code == 200


def test_unknown_frames_are_answered_with_an_error_and_the_socket_stays(live: LiveHub) -> None:
    case = open_case(live)
    with socket(live, case.id, ticket(live, case)) as ws:
        assert [read_json(ws)["type"] for _ in range(2)] == ["hello", "system"]
        ws.send(json.dumps({"type": "shout", "client_msg_id": "s1"}))
        error = read_json(ws)
        assert (error["type"], error["code"], error["client_msg_id"]) == (
            "error",
            "unknown-type",
            "s1",
        )
        ws.send(json.dumps({"type": "message", "client_msg_id": "m1", "body": {"text": "ok"}}))
        assert read_json(ws)["seq"] == 2


def test_a_flood_is_closed_with_1008_and_the_hub_is_unharmed(live: LiveHub) -> None:
    case = open_case(live)
    with socket(live, case.id, ticket(live, case)) as ws:
        read_json(ws)
        for n in range(60):
            try:
                ws.send(json.dumps({"type": "typing"}) if n % 2 else "{}")
            except ConnectionClosed:
                break
        assert close_code(ws) == 1008
    assert live.call("GET", "/healthz").status_code == 200
    assert live.call("GET", f"/api/v1/cases/{case.id}", case.holder_key).status_code == 200


def test_typing_reaches_the_other_party_and_is_never_stored(live: LiveHub) -> None:
    case = open_case(live)
    holder, provider = case.holder(live.base_url), case.provider_side(live.base_url)
    holder.connect()
    provider.connect()
    provider.frames_until(lambda f: f.seq == 1)
    holder.signal_typing()
    poll_until(lambda: provider.next_frame(0.2) or provider.typing or None, "typing", 5)
    assert provider.typing == ["holder"] and holder.typing == []
    assert relay_of(live.app.extensions).head(case.id) == 1
    holder.close()
    provider.close()


def test_no_thread_is_left_behind_after_many_connections(live: LiveHub) -> None:
    case = open_case(live)
    before = threading.active_count()
    for _ in range(1000 if live.backend == "sqlite" else 200):
        with socket(live, case.id, ticket(live, case)) as ws:
            read_json(ws)
    settled = poll_until(
        lambda: threading.active_count() if threading.active_count() <= before else None,
        f"threads back to {before}",
        30,
    )
    assert settled <= before


def test_frames_endpoint_pages_and_refuses_a_bad_since(live: LiveHub) -> None:
    case = open_case(live)
    holder = case.holder(live.base_url)
    holder.connect()
    for n in range(5):
        holder.wait_ack(holder.message(f"m{n}"))
    path = f"/api/v1/cases/{case.id}/frames"
    page = live.call("GET", path + "?since=1&limit=3", case.provider.key).json()
    assert [f["seq"] for f in page["items"]] == [2, 3, 4] and page["next_cursor"] == "4"
    rest = live.call("GET", path + "?since=4&limit=3", case.provider.key).json()
    assert [f["seq"] for f in rest["items"]] == [5, 6] and rest["next_cursor"] is None
    assert live.call("GET", path + "?since=-1", case.holder_key).status_code == 422
    holder.close()


def test_ascc_channel_tail_prints_the_frames(live: LiveHub) -> None:
    case = open_case(live)
    holder = case.holder(live.base_url)
    holder.connect()
    holder.wait_ack(holder.message("is the pump leaking?"))
    holder.close()
    cli = build_cli(get_plugin_manager())
    args = ["channel", "tail", case.id, "--url", live.base_url, "--no-follow", "--json"]
    result = CliRunner().invoke(cli, args, env={"ASCC_KEY": live.admin_key})
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(f["seq"], f["type"]) for f in lines] == [(1, "system"), (2, "message")]
    assert lines[1]["body"]["text"] == "is the pump leaking?"


def test_a_plain_get_checks_the_ticket_then_asks_for_the_upgrade(live: LiveHub) -> None:
    case = open_case(live)
    path = f"/ws/cases/{case.id}?ticket="
    assert live.call("GET", path + "tkt_nothing").status_code == 401
    assert live.call("GET", path + ticket(live, case)).status_code == 426
