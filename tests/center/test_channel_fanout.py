"""The relay's fan-out inside a process: case tails, one shared read per case and wake, frames
carried by the doorbell, two threads per socket — on SQLite and PostgreSQL where the log is read.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from websockets.sync.client import connect

from center.channel import services
from center.channel.access import Party, Role
from center.channel.bells import Bells
from center.channel.bus import RedisBus
from center.channel.frames import INCOMING
from center.channel.relay import Relay, relay_of
from center.channel.tails import Out, Tail
from tests.common.channel import open_case
from tests.common.hub import LiveHub

HOLDER = Party(Role.HOLDER)


def out(seq: int) -> Out:
    return Out(seq, json.dumps({"seq": seq}))


def test_a_socket_takes_only_a_contiguous_run_and_knows_when_the_tail_is_behind() -> None:
    tail = Tail()
    tail.add([out(1), out(2), out(4)])
    assert [f.seq for f in tail.after(0, 10)[0]] == [1, 2] and tail.after(0, 10)[1]
    assert tail.after(2, 10) == ([], True)  # 3 is missing: read the log, never skip it
    tail.add([out(3)])
    assert [f.seq for f in tail.after(2, 10)[0]] == [3, 4] and not tail.after(2, 10)[1]
    assert [f.seq for f in tail.after(0, 3)[0]] == [1, 2, 3]
    tail.announce(6)  # stored elsewhere, not here yet
    assert tail.after(4, 10) == ([], True)


def test_a_tail_keeps_the_newest_frames_only() -> None:
    tail = Tail(keep=4)
    tail.add(out(seq) for seq in range(1, 21))
    assert len(tail.frames) <= 8
    assert [f.seq for f in tail.after(16, 10)[0]] == [17, 18, 19, 20]
    assert tail.after(1, 10) == ([], True)  # fell out: the log is read instead


@contextmanager
def frame_reads(live: LiveHub) -> Iterator[list[str]]:
    """The statements that read a case's frames while the block runs."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM case_frames" in statement:
            seen.append(statement)

    event.listen(live.database.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(live.database.engine, "before_cursor_execute", count)


def store_elsewhere(live: LiveHub, relay: Relay, case_id: str, count: int) -> None:
    """Frames stored as another process would: committed, neither pushed nor rung here."""
    for n in range(count):
        sent = {"type": "message", "client_msg_id": f"far-{n}", "body": {"text": f"far {n}"}}
        frame = INCOMING.validate_python(sent)
        live.database.run(
            lambda s, f=frame: services.submit(s, case_id, HOLDER, f, relay.verifier, relay.clock())
        )


def test_sockets_of_a_case_woken_together_read_the_log_once(live: LiveHub) -> None:
    case, relay = open_case(live), relay_of(live.app.extensions)
    listeners = [relay.bells.listen(case.id) for _ in range(6)]
    try:
        store_elsewhere(live, relay, case.id, 3)
        relay.bells.ring(case.id, head=4)  # the doorbell of the other process: frames up to 4
        start = threading.Barrier(6)

        def turn(_: int) -> list[int]:
            start.wait()
            return [f.seq for f in relay.frames_for(listeners[0].tail, case.id, 1, read=False)]

        with frame_reads(live) as reads, ThreadPoolExecutor(6) as pool:
            got = list(pool.map(turn, range(6)))
        assert got == [[2, 3, 4]] * 6
        assert len(reads) == 1  # one read for the six sockets of the case
        with frame_reads(live) as reads:
            assert relay.frames_for(listeners[0].tail, case.id, 4, read=False) == []
            assert [f.seq for f in relay.frames_for(listeners[0].tail, case.id, 1, read=False)] \
                == [2, 3, 4]  # fmt: skip
            assert relay.frames_for(listeners[0].tail, case.id, 4, read=True) == []
        assert len(reads) == 1  # only the safety poll (read=True) went to the log
    finally:
        for listener in listeners:
            relay.bells.leave(listener)


def test_a_send_is_pushed_into_its_case_tail_and_needs_no_read(live: LiveHub) -> None:
    case, relay = open_case(live), relay_of(live.app.extensions)
    listener = relay.bells.listen(case.id)
    try:
        with frame_reads(live) as reads:
            sent = INCOMING.validate_python(
                {"type": "message", "client_msg_id": "near", "body": {"text": "near"}}
            )
            appended = relay.submit(case.id, HOLDER, sent)
            frames = relay.frames_for(listener.tail, case.id, appended.seq - 1, read=False)
        assert reads == [] and listener.event.is_set()
        assert [json.loads(f.text)["body"] for f in frames] == [{"text": "near"}]
        assert json.loads(frames[0].text) == relay.read(case.id, appended.seq - 1)[0]
    finally:
        relay.bells.leave(listener)


def doorbell(head: int, frame: Any) -> dict[str, Any]:
    data = json.dumps({"head": head, "frame": frame, "origin": "another process"})
    return {"type": "pmessage", "channel": b"t:case:C1", "data": data}


def test_a_doorbell_carries_its_frame_into_the_tail_and_a_malformed_one_only_rings() -> None:
    bells = Bells()
    bus = RedisBus(bells, "redis://127.0.0.1:1/0", "t:")  # dispatch alone: no connection made
    listener = bells.listen("C1")
    try:
        bus.dispatch(doorbell(3, [3, '{"seq":3}', None]))
        assert listener.event.is_set() and listener.tail.after(2, 10) == ([Out(3, '{"seq":3}')],
                                                                         False)  # fmt: skip
        for head, frame in ((5, [4, "{}", None]), (5, [5, 7, None]), (5, "x"), (5, [5, "{}"])):
            listener.event.clear()
            bus.dispatch(doorbell(head, frame))
            assert listener.event.is_set()  # rung: the socket reads the log
            assert listener.tail.after(3, 10) == ([], True)  # nothing taken from the doorbell
    finally:
        bells.leave(listener)
        bus.close()


def test_a_socket_holds_two_threads(live: LiveHub) -> None:
    case, count = open_case(live), 10
    base = f"ws{live.base_url.removeprefix('http')}/ws/cases/{case.id}?ticket="
    before, sockets = threading.active_count(), []
    for _ in range(count):
        ticket = live.call("POST", f"/api/v1/cases/{case.id}/tickets", case.holder_key).json()
        sockets.append(
            connect(
                base + ticket["ticket"], proxy=None, open_timeout=5, legacy=True, ping_interval=None
            )
        )
        assert json.loads(sockets[-1].recv(timeout=5))["type"] == "hello"
    grown = threading.active_count() - before
    for socket in sockets:
        socket.close()
    # each: the server's request thread and simple-websocket's reader, and the client's reader
    # here (no pump thread any more: that made four)
    assert count * 3 - 2 <= grown <= count * 3, grown
