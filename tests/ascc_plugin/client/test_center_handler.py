"""The ``center`` handler through the real host: enqueue, forward, deliver the center's answer."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ascc_plugin.client.handler import CenterHandler, event_body, webhook_id_for
from ascc_plugin.client.outbox import PENDING, SENT, Outbox
from ascc_plugin.client.settings import CenterSection
from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import configure, get_plugin_manager, process_event
from ascc_plugin.issuing import entitled_counts
from ascc_plugin.models import Customer, OrderEvent
from ascc_plugin.settings import SettingsError, load_settings
from ascc_plugin.vouchers import Voucher
from tests.common.receiver import Receiver
from tests.common.settings import center_store_config


class Collector:
    """A delivery channel (``collector``) that records what it is given, and the issued
    notifications; lets a test wait for them."""

    def __init__(self) -> None:
        self.delivered: list[tuple[Voucher, Customer | None]] = []
        self.issued: list[Voucher] = []
        self.changed = threading.Condition()

    @hookimpl
    def ascc_deliver_voucher(self, voucher: Voucher, customer: Customer | None) -> None:
        with self.changed:
            self.delivered.append((voucher, customer))
            self.changed.notify_all()

    @hookimpl
    def ascc_voucher_issued(self, voucher: Voucher) -> None:
        with self.changed:
            self.issued.append(voucher)
            self.changed.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self.changed:
            done = lambda: len(self.issued) >= count and len(self.delivered) >= count  # noqa: E731
            return self.changed.wait_for(done, timeout)


class OffersCollector:
    """Registers ``collector`` as a channel, as a plugin distribution would."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector

    @hookimpl
    def ascc_register_channels(self, register: Any) -> None:
        register("collector", lambda _settings: self.collector)


CHANNELS = ("log", "collector")


@pytest.fixture
def store(tmp_path: Path, receiver: Receiver, secret: str):
    config = load_settings(center_store_config(tmp_path, receiver.url, secret, channels=CHANNELS))
    pm = get_plugin_manager(entrypoints=False)
    collector = Collector()
    pm.register(OffersCollector(collector))
    handler = configure(pm, config)
    assert isinstance(handler, CenterHandler)
    yield pm, handler, collector, config
    handler.close()


def test_the_event_is_queued_and_the_entitled_counts_come_back_at_once(
    store, sample_event: OrderEvent, receiver: Receiver
) -> None:
    pm, handler, _, config = store
    answer = process_event(pm, sample_event)
    programs = list(config.programs)
    assert answer.status == "queued" and answer.vouchers == ()  # ids are the center's to give
    assert answer.entitled == entitled_counts(sample_event.order, programs, "paid")
    assert answer.entitled == {"repair-12m": 3, "install-1m": 1, "support-24m": 3}
    (entry,) = handler.outbox.entries(PENDING)
    assert entry.webhook_id == webhook_id_for(sample_event)
    assert entry.body == event_body(sample_event, programs)
    assert receiver.seen == []  # nothing sent: no sender is running


def test_the_body_is_the_event_and_the_store_programs_that_match(
    store, sample_event: OrderEvent
) -> None:
    *_, config = store
    body = json.loads(event_body(sample_event, list(config.programs)))
    assert body["event"] == json.loads(sample_event.model_dump_json())
    assert [p["id"] for p in body["programs"]] == ["repair-12m", "install-1m", "support-24m"]
    assert body["programs"][0]["match"]["min_unit_price"] == "50.00"


def test_the_background_sender_forwards_and_delivers_each_voucher_once(
    store, sample_event: OrderEvent, receiver: Receiver
) -> None:
    pm, handler, collector, config = store
    handler.start()
    process_event(pm, sample_event)
    assert collector.wait_for(7)
    process_event(pm, sample_event)  # the storefront repeats its delivery
    later = sample_event.model_copy(update={"event_id": "sample-0002", "kind": "order.updated"})
    process_event(pm, later)  # a new event: the center answers without secrets
    assert receiver.wait_for(2)
    handler.close()
    assert len(receiver.seen) == 2 and all(seen.verified for seen in receiver.seen)
    assert len(collector.delivered) == 7 and len(collector.issued) == 7
    assert {c for _, c in collector.delivered} == {sample_event.order.customer}
    log_file = config.section(DeliverySection).log_file
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert len(lines) == 7
    assert all(line["holder_link"] == line["voucher"]["holder_url"] for line in lines)
    assert all(line["voucher"]["holder_secret"].startswith("hld_") for line in lines)
    assert oct(log_file.stat().st_mode & 0o777) == "0o600"
    kept = Outbox(config.section(CenterSection).outbox).entries(SENT)
    assert len(kept) == 2 and all(b"hld_" not in (e.response or b"") for e in kept)


def test_an_answer_sent_but_not_delivered_is_delivered_at_the_next_start(
    tmp_path: Path,
    receiver: Receiver,
    secret: str,
    sample_event: OrderEvent,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = load_settings(center_store_config(tmp_path, receiver.url, secret, channels=CHANNELS))
    crashed = CenterHandler(config)  # never given a plugin manager: delivery fails
    crashed.ascc_issue_vouchers(sample_event, sample_event.order, list(config.programs))
    with caplog.at_level(logging.ERROR):
        assert crashed.flush().count("sent") == 1
    assert "handing over the answer" in caplog.text
    crashed.close()
    pm = get_plugin_manager(entrypoints=False)
    collector = Collector()
    pm.register(OffersCollector(collector))
    handler = configure(pm, config)
    assert isinstance(handler, CenterHandler)
    handler.start()
    assert collector.wait_for(7)
    handler.close()
    assert len(receiver.seen) == 1  # not sent again: only delivered


def test_a_guest_order_is_delivered_without_a_customer(store, sample_event: OrderEvent) -> None:
    pm, handler, collector, config = store
    guest = sample_event.model_copy(
        update={"order": sample_event.order.model_copy(update={"customer": None})}
    )
    process_event(pm, guest)
    handler.flush()
    assert len(collector.delivered) == 7 and {c for _, c in collector.delivered} == {None}
    first = json.loads(config.section(DeliverySection).log_file.read_text().splitlines()[0])
    assert first["customer"] is None


def test_the_webhook_id_is_stable_and_names_the_shop(sample_event: OrderEvent) -> None:
    again = OrderEvent.model_validate_json(sample_event.model_dump_json())
    other_shop = sample_event.model_copy(
        update={"gsp": sample_event.gsp.model_copy(update={"shop": "other.myshopify.com"})}
    )
    assert webhook_id_for(again) == webhook_id_for(sample_event)
    assert webhook_id_for(other_shop) != webhook_id_for(sample_event)
    assert webhook_id_for(sample_event).startswith("msg_") and len(webhook_id_for(again)) == 36


@pytest.mark.parametrize(
    ("secret_value", "message"),
    [("", "required in mode 'center'"), ("whsec_not base64!", "followed by base64")],
)
def test_a_missing_or_malformed_signing_secret_is_refused(
    tmp_path: Path, secret_value: str, message: str
) -> None:
    path = center_store_config(tmp_path, "http://127.0.0.1:9", secret_value)
    pm = get_plugin_manager(entrypoints=False)
    with pytest.raises(SettingsError, match=message):
        configure(pm, load_settings(path))


def test_a_lost_reply_is_retried_and_the_replayed_answer_is_delivered_once(
    store, sample_event: OrderEvent, receiver: Receiver
) -> None:
    pm, handler, collector, _ = store
    receiver.plan = ["drop"]  # the center issues, then the reply is lost
    process_event(pm, sample_event)
    assert handler.flush().count("retry") == 1
    assert collector.issued == []
    handler.start()  # the retry is due within 1 s (base 1 s, full jitter)
    assert collector.wait_for(7)
    handler.close()
    assert len(receiver.seen) == 2
    assert {s.headers["Webhook-Id"] for s in receiver.seen} == {webhook_id_for(sample_event)}
    assert len(collector.issued) == 7 and set(receiver.issued.values()) == {1}


def test_the_background_sender_stops_promptly_while_the_center_is_down(
    tmp_path: Path, dead_url: str, secret: str, sample_event: OrderEvent
) -> None:
    config = load_settings(center_store_config(tmp_path, dead_url, secret))
    pm = get_plugin_manager(entrypoints=False)
    handler = configure(pm, config)
    assert isinstance(handler, CenterHandler)
    handler.start()
    answer = process_event(pm, sample_event)  # the storefront still gets its answer
    assert answer.count == 7 and handler.background.running
    started = time.monotonic()
    assert handler.stop(timeout=10) is True
    assert time.monotonic() - started < 5 and not handler.background.running
    (entry,) = handler.outbox.entries(PENDING)
    handler.close()
    assert entry.webhook_id == webhook_id_for(sample_event)
