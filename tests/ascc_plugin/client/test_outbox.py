"""The durable outbox on a real SQLite file: durability, idempotence, leases, order, parking."""

from __future__ import annotations

import signal
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from ascc_plugin.client.outbox import PARKED, PENDING, SENT, Outbox
from simulator.services import spawn
from tests.common.clock import FakeClock


def put(outbox: Outbox, n: int, order: str | None = None) -> str:
    wid = f"msg_{n:04d}"
    outbox.enqueue(wid, "order.paid", "demo.myshopify.com", order or f"o{n}", b'{"n": %d}' % n)
    return wid


def test_an_enqueued_entry_survives_a_crash(tmp_path: Path, clock: FakeClock) -> None:
    first = Outbox(tmp_path / "o.sqlite", clock)
    ids = [put(first, n) for n in range(5)]
    # no close(): the process "dies"; a new process opens the same file
    second = Outbox(tmp_path / "o.sqlite", clock)
    entries = second.entries(PENDING)
    assert [e.webhook_id for e in entries] == ids
    assert entries[3].body == b'{"n": 3}'
    assert entries[0].attempts == 0 and entries[0].next_attempt_at == clock.now
    with sqlite3.connect(tmp_path / "o.sqlite") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_enqueuing_one_id_twice_is_a_no_op(tmp_path: Path, clock: FakeClock) -> None:
    outbox = Outbox(tmp_path / "o.sqlite", clock)
    assert outbox.enqueue("msg_1", "order.paid", "shop", "o1", b"first") is True
    assert outbox.enqueue("msg_1", "order.updated", "shop", "o1", b"second") is False
    (entry,) = outbox.entries()
    assert (entry.kind, entry.body) == ("order.paid", b"first")


def test_a_claimed_entry_is_not_claimed_again_until_its_lease_ends(
    tmp_path: Path, clock: FakeClock
) -> None:
    a = Outbox(tmp_path / "o.sqlite", clock, lease_seconds=30)
    b = Outbox(tmp_path / "o.sqlite", clock, lease_seconds=30)
    put(a, 1)
    assert [e.webhook_id for e in a.claim("A")] == ["msg_0001"]
    assert b.claim("B") == []
    clock.sleep(31)  # A died holding the lease
    assert [e.webhook_id for e in b.claim("B")] == ["msg_0001"]


def test_concurrent_claimers_never_share_an_entry(tmp_path: Path) -> None:
    seed = Outbox(tmp_path / "o.sqlite")
    for n in range(200):
        put(seed, n)
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(4)

    def claimer(name: str) -> None:
        outbox = Outbox(tmp_path / "o.sqlite")  # its own connection, like another process
        start.wait()
        mine = claimed.setdefault(name, [])
        while batch := outbox.claim(name, limit=7):
            mine.extend(e.webhook_id for e in batch)
            for entry in batch:
                outbox.mark_sent(entry, b"{}")

    threads = [threading.Thread(target=claimer, args=(f"s{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [wid for ids in claimed.values() for wid in ids]
    assert sorted(every) == sorted(f"msg_{n:04d}" for n in range(200))  # each once, none lost
    assert seed.counts() == {PENDING: 0, SENT: 200, PARKED: 0}


def test_entries_of_one_order_go_out_in_order(tmp_path: Path, clock: FakeClock) -> None:
    outbox = Outbox(tmp_path / "o.sqlite", clock)
    put(outbox, 1, order="A")
    put(outbox, 2, order="A")
    put(outbox, 3, order="B")
    first = outbox.claim("s")
    assert [e.webhook_id for e in first] == ["msg_0001", "msg_0003"]
    outbox.reschedule(first[0], "s", "HTTP 503", delay=10)
    outbox.mark_sent(first[1], b"{}")
    assert outbox.claim("s") == []  # msg_0002 waits behind msg_0001
    clock.sleep(10)
    (again,) = outbox.claim("s")
    outbox.mark_sent(again, b"{}")
    assert [e.webhook_id for e in outbox.claim("s")] == ["msg_0002"]


def test_reschedule_counts_the_attempt_and_waits(tmp_path: Path, clock: FakeClock) -> None:
    outbox = Outbox(tmp_path / "o.sqlite", clock)
    put(outbox, 1)
    (entry,) = outbox.claim("s")
    outbox.reschedule(entry, "s", "HTTP 500: boom", delay=4.5)
    (after,) = outbox.entries()
    assert (after.attempts, after.last_error) == (1, "HTTP 500: boom")
    assert after.next_attempt_at == clock.now + 4.5
    assert outbox.next_due() == clock.now + 4.5


def test_a_stale_owner_cannot_reschedule_what_another_holds(
    tmp_path: Path, clock: FakeClock
) -> None:
    outbox = Outbox(tmp_path / "o.sqlite", clock, lease_seconds=5)
    put(outbox, 1)
    (old,) = outbox.claim("old")
    clock.sleep(6)
    (new,) = outbox.claim("new")
    outbox.reschedule(old, "old", "late failure", delay=100)
    outbox.mark_sent(new, b"{}")
    assert outbox.counts()[SENT] == 1


def test_parked_entries_wait_until_retried_by_hand(tmp_path: Path, clock: FakeClock) -> None:
    outbox = Outbox(tmp_path / "o.sqlite", clock)
    put(outbox, 1)
    (entry,) = outbox.claim("s")
    outbox.park(entry, "s", "HTTP 422: unknown program")
    assert outbox.claim("s") == []
    (parked,) = outbox.entries(PARKED)
    assert parked.last_error == "HTTP 422: unknown program"
    assert outbox.retry_parked() == 1
    assert [e.webhook_id for e in outbox.claim("s")] == ["msg_0001"]


def test_sent_answers_are_kept_until_delivered_then_pruned(
    tmp_path: Path, clock: FakeClock
) -> None:
    outbox = Outbox(tmp_path / "o.sqlite", clock)
    put(outbox, 1)
    (entry,) = outbox.claim("s")
    outbox.mark_sent(entry, b'{"vouchers": ["secret"]}')
    (waiting,) = outbox.undelivered()
    assert waiting.response == b'{"vouchers": ["secret"]}'
    outbox.mark_delivered(waiting, b'{"vouchers": []}')
    assert outbox.undelivered() == []
    assert outbox.get("msg_0001").response == b'{"vouchers": []}'  # type: ignore[union-attr]
    assert outbox.prune_sent(3600) == 0
    clock.sleep(3601)
    assert outbox.prune_sent(3600) == 1
    assert outbox.entries() == []


def test_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.OperationalError):
        Outbox(tmp_path / "missing" / "o.sqlite")


WRITER = """
import sys
from ascc_plugin.client.outbox import Outbox
outbox = Outbox(sys.argv[1])
n = 0
while True:
    outbox.enqueue(f"msg_{n}", "order.paid", "shop", f"o{n}", b"{}")
    print(f"msg_{n}", flush=True)  # acknowledged: the storefront would get its 200 now
    n += 1
"""


def test_every_acknowledged_entry_survives_a_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    with spawn([sys.executable, "-c", WRITER, str(path)]) as writer:
        assert writer.stdout is not None
        acknowledged = [writer.stdout.readline().strip() for _ in range(50)]
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
    stored = {entry.webhook_id for entry in Outbox(path).entries()}
    assert set(acknowledged) <= stored
