"""Poison messages: an entry the center keeps failing on (5xx) is parked after an age or a count,
reported through ``ascc_outbox_parked``, and never holds later entries back."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from ascc_plugin.backoff import Backoff
from ascc_plugin.client.http import CenterClient, Outcome
from ascc_plugin.client.outbox import PARKED, SENT, Entry, Outbox
from ascc_plugin.client.sender import ParkPolicy, Sender
from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import get_plugin_manager
from tests.common.clock import FakeClock
from tests.common.receiver import Receiver

BODY = b'{"event":{"kind":"order.paid"},"programs":[]}'
HOUR = 3600.0


class Now:
    """A jitter source that picks no wait at all, so every retry is due at once."""

    def uniform(self, a: float, b: float) -> float:
        return a


def make_sender(
    tmp_path: Path, receiver: Receiver, secret: str, clock: FakeClock, **policy: Any
) -> tuple[Sender, list[tuple[str, str]]]:
    parked: list[tuple[str, str]] = []
    outbox = Outbox(tmp_path / "outbox.sqlite", clock)
    client = CenterClient(receiver.url, secret, requests.Session(), timeout=2.0)
    sender = Sender(
        outbox,
        client,
        Backoff(1.0, 60.0),
        clock=clock,
        rand=Now(),
        on_parked=lambda entry, outcome: parked.append((entry.webhook_id, outcome.reason)),
        park=ParkPolicy(**policy),
    )
    return sender, parked


def test_a_5xx_entry_is_parked_once_older_than_the_age(
    tmp_path: Path, receiver: Receiver, secret: str, clock: FakeClock
) -> None:
    clock.now = float(int(time.time()))
    receiver.plan = [500, 500, 500]
    sender, parked = make_sender(tmp_path, receiver, secret, clock, max_age=72 * HOUR)
    sender.outbox.enqueue("msg_poison", "order.paid", "shop", "shop:1", BODY)
    assert sender.drain().count("retry") == 1
    clock.now += 71 * HOUR
    assert sender.drain().count("retry") == 1  # still young enough: retried
    clock.now += 2 * HOUR
    assert sender.drain().count("park") == 1
    (entry,) = sender.outbox.entries(PARKED)
    assert entry.last_error == "gave up after 3 attempts: HTTP 500: planned failure 500"
    assert parked == [("msg_poison", entry.last_error)]


def test_a_5xx_entry_is_parked_after_the_count(
    tmp_path: Path, receiver: Receiver, secret: str, clock: FakeClock
) -> None:
    clock.now = float(int(time.time()))
    receiver.plan = [502, 503, 500]
    sender, parked = make_sender(tmp_path, receiver, secret, clock, max_attempts=3)
    sender.outbox.enqueue("msg_poison", "order.paid", "shop", "shop:1", BODY)
    verdicts = []
    for _ in range(3):
        verdicts.append(sender.drain().results[0][1])
        clock.now += 1.0
    assert verdicts == ["retry", "retry", "park"]
    assert [wid for wid, _ in parked] == ["msg_poison"]


@pytest.mark.parametrize("failure", [408, 429, "drop"])
def test_no_answer_or_throttling_never_parks(
    tmp_path: Path, receiver: Receiver, secret: str, clock: FakeClock, failure: object
) -> None:
    clock.now = float(int(time.time()))
    receiver.plan = [failure]
    sender, parked = make_sender(tmp_path, receiver, secret, clock, max_age=1.0, max_attempts=1)
    sender.outbox.enqueue("msg_1", "order.paid", "shop", "shop:1", BODY)
    clock.now += 10.0
    assert sender.drain().count("retry") == 1 and parked == []


def test_a_parked_entry_holds_back_neither_its_order_nor_a_privacy_request(
    tmp_path: Path, receiver: Receiver, secret: str, clock: FakeClock
) -> None:
    clock.now = float(int(time.time()))
    receiver.plan = [422]
    sender, parked = make_sender(tmp_path, receiver, secret, clock)
    outbox = sender.outbox
    outbox.enqueue("msg_poison", "order.paid", "shop", "shop:1", BODY)
    outbox.enqueue("msg_later", "order.updated", "shop", "shop:1", BODY)
    erase = b'{"request":"customer_redact","customer":null,"order_ids":[]}'
    outbox.enqueue("msg_erase", "privacy.customer_redact", "shop", "shop:privacy", erase)
    report = sender.drain()
    assert [(wid, verdict) for wid, verdict, _ in report.results] == [
        ("msg_poison", "park"),
        ("msg_later", "sent"),
        ("msg_erase", "sent"),
    ]
    assert [e.webhook_id for e in outbox.entries(SENT)] == ["msg_later", "msg_erase"]
    assert parked == [("msg_poison", "HTTP 422: planned failure 422")]


class ParkedRecorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    @hookimpl
    def ascc_outbox_parked(
        self, webhook_id: str, kind: str, order_id: str | None, reason: str, attempts: int
    ) -> None:
        self.calls.append(
            {"id": webhook_id, "kind": kind, "order": order_id, "reason": reason, "n": attempts}
        )


def test_the_center_handler_reports_parked_entries_through_the_hook(tmp_path: Path) -> None:
    from ascc_plugin.client.handler import CenterHandler
    from tests.common.settings import center_store_config

    config = center_store_config(tmp_path, "http://127.0.0.1:9", "whsec_" + "A" * 44)
    from ascc_plugin.settings import load_settings

    handler = CenterHandler(load_settings(config, env={}))
    recorder = ParkedRecorder()
    pm = get_plugin_manager()
    pm.register(recorder)
    handler.use_plugin_manager(pm)
    entry = Entry(
        1,
        "msg_x",
        "order.paid",
        "shop",
        "shopify:shop:1001",
        BODY,
        "pending",
        1,
        0.0,
        None,
        0.0,
        None,
        None,
    )
    handler.report_parked(entry, Outcome("park", "HTTP 422: name too long", 422))
    assert recorder.calls == [
        {
            "id": "msg_x",
            "kind": "order.paid",
            "order": "1001",
            "reason": "HTTP 422: name too long",
            "n": 2,
        }
    ]
    handler.close()
