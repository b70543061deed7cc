"""Sending outbox entries over real HTTP on loopback: signatures, verdicts, retries, backoff."""

from __future__ import annotations

import itertools
import random
import time
from pathlib import Path

import pytest
import requests

from ascc_plugin.backoff import Backoff
from ascc_plugin.client.http import CenterClient, retry_after
from ascc_plugin.client.outbox import PARKED, PENDING, SENT, Outbox
from ascc_plugin.client.sender import Sender
from tests.common.clock import FakeClock
from tests.common.receiver import Receiver

BODY = b'{"event":{"kind":"order.paid"},"programs":[]}'


class Highest:
    """A jitter source that always picks the top of the range (the backoff ceiling)."""

    def uniform(self, a: float, b: float) -> float:
        return b


def make_sender(
    tmp_path: Path, url: str, secret: str, clock=time.time, rand=None, timeout: float = 2.0
) -> Sender:
    outbox = Outbox(tmp_path / "outbox.sqlite", clock)
    client = CenterClient(url, secret, requests.Session(), timeout=timeout)
    return Sender(outbox, client, Backoff(1.0, 60.0), clock=clock, rand=rand)


def enqueue(sender: Sender, wid: str = "msg_1", body: bytes = BODY) -> None:
    sender.outbox.enqueue(wid, "order.paid", "demo.myshopify.com", wid, body)


def test_a_delivery_is_the_exact_bytes_signed_with_standard_webhooks(
    tmp_path: Path, receiver: Receiver, secret: str
) -> None:
    sender = make_sender(tmp_path, receiver.url, secret)
    body = b'{"event": {"title": "55\\" OLED \\u00e9"}, "programs": []}'
    enqueue(sender, body=body)
    report = sender.drain()
    assert report.count("sent") == 1
    (seen,) = receiver.seen
    assert seen.body == body and seen.verified
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["Ascc-Event"] == "order.paid"
    assert seen.headers["Ascc-Domain"] == "demo.myshopify.com"
    assert seen.headers["Webhook-Id"] == "msg_1"
    (entry,) = sender.outbox.entries(SENT)
    assert entry.response is not None and b'"vouchers"' in entry.response


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_a_refusal_is_parked_with_its_reason(
    tmp_path: Path, receiver: Receiver, secret: str, status: int
) -> None:
    receiver.plan = [status]
    sender = make_sender(tmp_path, receiver.url, secret)
    enqueue(sender)
    assert sender.drain().count("park") == 1
    (entry,) = sender.outbox.entries(PARKED)
    assert entry.last_error == f"HTTP {status}: planned failure {status}"
    assert sender.drain().results == []  # parked: not tried again
    assert len(receiver.seen) == 1


@pytest.mark.parametrize("failure", [500, 502, 503, 408, 429, "drop"])
def test_transient_failures_are_retried_with_the_same_id_and_a_fresh_signature(
    tmp_path: Path, receiver: Receiver, secret: str, clock: FakeClock, failure: object
) -> None:
    clock.now = float(int(time.time()))
    receiver.plan = [failure, failure]
    sender = make_sender(tmp_path, receiver.url, secret, clock=clock, rand=Highest())
    enqueue(sender)
    verdicts = []
    for wait in (1.0, 2.0, None):
        verdicts += [verdict for _, verdict, _ in sender.drain().results]
        if wait is not None:
            assert sender.outbox.next_due() == clock.now + wait  # base 1 s, doubling
            clock.sleep(wait)
    assert verdicts == ["retry", "retry", "sent"]
    assert len(receiver.seen) == 3 and all(seen.verified for seen in receiver.seen)
    ids = {seen.headers["Webhook-Id"] for seen in receiver.seen}
    signatures = {seen.headers["Webhook-Signature"] for seen in receiver.seen}
    assert ids == {"msg_1"} and len(signatures) == 3
    (entry,) = sender.outbox.entries()
    assert (entry.state, entry.attempts) == (SENT, 3)


def test_each_attempt_is_stamped_with_the_clock_of_that_attempt(
    tmp_path: Path, receiver: Receiver, secret: str, clock: FakeClock
) -> None:
    clock.now = float(int(time.time()))
    receiver.plan = [503]
    sender = make_sender(tmp_path, receiver.url, secret, clock=clock, rand=Highest())
    enqueue(sender)
    sender.drain()
    clock.sleep(1.0)
    sender.drain()
    stamps = [int(seen.headers["Webhook-Timestamp"]) for seen in receiver.seen]
    assert stamps == [int(clock.now) - 1, int(clock.now)]
    assert all(seen.verified for seen in receiver.seen)


def test_a_center_that_is_down_is_retried_later(tmp_path: Path, dead_url: str, secret: str) -> None:
    sender = make_sender(tmp_path, dead_url, secret)
    enqueue(sender)
    report = sender.drain()
    assert report.count("retry") == 1
    assert report.results[0][2].startswith("cannot reach the center")
    (entry,) = sender.outbox.entries(PENDING)
    assert entry.attempts == 1 and entry.last_error.startswith("cannot reach")  # type: ignore[union-attr]


def test_a_slow_center_times_out_and_is_retried(
    tmp_path: Path, receiver: Receiver, secret: str
) -> None:
    receiver.plan = ["slow"]
    sender = make_sender(tmp_path, receiver.url, secret, timeout=0.3)
    enqueue(sender)
    started = time.monotonic()
    report = sender.drain()
    assert time.monotonic() - started < 5
    assert report.results[0][1:] == ("retry", "timed out after 0.3 s")


def test_a_redirect_is_not_followed(tmp_path: Path, receiver: Receiver, secret: str) -> None:
    receiver.plan = [307]
    receiver.extra_headers = {"Location": "http://127.0.0.1:9/elsewhere"}
    sender = make_sender(tmp_path, receiver.url, secret)
    enqueue(sender)
    report = sender.drain()
    assert report.results[0][1] == "retry"
    assert "not followed" in report.results[0][2]
    assert len(receiver.seen) == 1


def test_backoff_doubles_up_to_the_cap_with_full_jitter_at_its_top(
    tmp_path: Path, receiver: Receiver, secret: str, clock: FakeClock
) -> None:
    receiver.plan = [503] * 9
    sender = make_sender(tmp_path, receiver.url, secret, clock=clock, rand=Highest())
    enqueue(sender)
    sender.run(clock.sleep, lambda: len(receiver.seen) >= 10, idle_wait=1000)
    attempts_at = [int(seen.headers["Webhook-Timestamp"]) for seen in receiver.seen]
    gaps = [b - a for a, b in itertools.pairwise(attempts_at)]
    assert gaps == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert sender.outbox.counts()[SENT] == 1


def test_full_jitter_stays_between_zero_and_the_ceiling() -> None:
    backoff = Backoff(base=0.5, cap=30.0)
    rand = random.Random(42)
    for attempts in range(1, 20):
        ceiling = min(30.0, 0.5 * 2 ** (attempts - 1))
        assert backoff.ceiling(attempts) == ceiling
        delays = [backoff.delay(attempts, rand) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling and min(delays) < 0.2 * ceiling  # spread, not fixed


def test_retry_after_wins_when_longer_but_never_past_the_cap(
    tmp_path: Path, receiver: Receiver, secret: str, clock: FakeClock
) -> None:
    receiver.plan = [429]
    receiver.extra_headers = {"Retry-After": "45"}
    sender = make_sender(tmp_path, receiver.url, secret, clock=clock, rand=Highest())
    enqueue(sender)
    sender.drain()
    (entry,) = sender.outbox.entries()
    assert entry.next_attempt_at == clock.now + 45
    assert Backoff(1.0, 30.0).delay(1, Highest(), retry_after=3600) == 30.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470.0) == 10.0
    assert retry_after("soon", 0.0) is None


def test_a_bounded_flush_tries_each_entry_once(
    tmp_path: Path, dead_url: str, secret: str, clock: FakeClock
) -> None:
    class Zero:
        def uniform(self, a: float, b: float) -> float:
            return 0.0  # due again at once: a naive loop would spin forever

    sender = make_sender(tmp_path, dead_url, secret, clock=clock, rand=Zero())
    for n in range(3):
        enqueue(sender, wid=f"msg_{n}")
    report = sender.drain()
    assert report.count("retry") == 3 and len(report.results) == 3
