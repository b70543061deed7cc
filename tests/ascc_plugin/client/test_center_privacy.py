"""Privacy requests in ``center`` mode: queued in the outbox, posted to ``/api/v1/privacy``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ascc_plugin.cli import build_cli
from ascc_plugin.client.handler import CenterHandler
from ascc_plugin.client.outbox import PENDING, SENT, Outbox
from ascc_plugin.client.privacy import path_for, privacy_webhook_id
from ascc_plugin.host import configure, get_plugin_manager, process_event
from ascc_plugin.models import Customer, GspRef, OrderEvent
from ascc_plugin.settings import load_settings
from tests.common.clock import FakeClock
from tests.common.receiver import Receiver
from tests.common.settings import center_store_config

GSP = GspRef(platform="shopify", shop="demo.myshopify.com")
ADA = Customer(id="501", email="ada@example.com", phone="+49 30 1")


def open_store(tmp_path: Path, receiver: Receiver, secret: str):
    config_path = center_store_config(tmp_path, receiver.url, secret)
    pm = get_plugin_manager(entrypoints=False)
    handler = configure(pm, load_settings(config_path))
    assert isinstance(handler, CenterHandler)
    return pm, handler, config_path


def test_each_request_is_queued_once_and_posted_signed_to_the_privacy_endpoint(
    tmp_path: Path, receiver: Receiver, secret: str
) -> None:
    pm, handler, _ = open_store(tmp_path, receiver, secret)
    try:
        for _ in range(2):  # the storefront delivers the same request twice
            pm.hook.ascc_customer_redact(
                gsp=GSP, customer=ADA, order_ids=["1001"], delivery_id="shp-1"
            )
        pm.hook.ascc_shop_redact(gsp=GSP, delivery_id="shp-2")
        kinds = [entry.kind for entry in handler.outbox.entries(PENDING)]
        assert kinds == ["privacy.customer_redact", "privacy.shop_redact"]
        assert handler.flush().count("sent") == 2
    finally:
        handler.close()
    assert [seen.path for seen in receiver.seen] == ["/api/v1/privacy"] * 2
    assert all(seen.verified for seen in receiver.seen)
    first = receiver.seen[0]
    assert first.headers["Webhook-Id"] == privacy_webhook_id(GSP, "customer_redact", "shp-1")
    assert first.headers["Ascc-Domain"] == GSP.shop
    assert json.loads(first.body) == {
        "request": "customer_redact",
        "customer": {"id": "501", "email": "ada@example.com", "phone": "+49 30 1", "name": None},
        "order_ids": ["1001"],
    }
    assert json.loads(receiver.seen[1].body) == {
        "request": "shop_redact",
        "customer": None,
        "order_ids": [],
    }


def test_the_webhook_id_is_stable_per_delivery_and_differs_between_requests() -> None:
    one = privacy_webhook_id(GSP, "customer_redact", "shp-1")
    assert one == privacy_webhook_id(GSP, "customer_redact", "shp-1")
    assert one != privacy_webhook_id(GSP, "customer_data_request", "shp-1")
    assert one != privacy_webhook_id(GSP, "customer_redact", "shp-2")
    assert path_for("privacy.shop_redact") == "/api/v1/privacy"
    assert path_for("order.paid") == "/api/v1/events"


def test_a_privacy_request_never_overtakes_entries_queued_before_it(
    tmp_path: Path, clock: FakeClock
) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite", clock)
    shop = "demo.myshopify.com"
    outbox.enqueue("msg_a", "order.paid", shop, "o1", b"{}")
    outbox.enqueue("msg_p", "privacy.customer_redact", shop, "privacy.p", b"{}")
    outbox.enqueue("msg_b", "order.paid", shop, "o2", b"{}")
    claimed = outbox.claim("one")
    assert [entry.webhook_id for entry in claimed] == ["msg_a", "msg_b"]
    outbox.mark_sent(claimed[1], b"{}")
    clock.now += 120  # the first lease ran out; msg_a is still pending
    assert [entry.webhook_id for entry in outbox.claim("two")] == ["msg_a"]
    outbox.mark_sent(outbox.get("msg_a"), b"{}")  # type: ignore[arg-type]
    assert [entry.webhook_id for entry in outbox.claim("three")] == ["msg_p"]
    outbox.close()


def test_a_data_request_is_answered_later_in_the_outbox_listing(
    tmp_path: Path, receiver: Receiver, secret: str, sample_event: OrderEvent
) -> None:
    pm, handler, config_path = open_store(tmp_path, receiver, secret)
    try:
        process_event(pm, sample_event)
        answers = pm.hook.ascc_customer_data_request(
            gsp=GSP, customer=ADA, order_ids=[], delivery_id="shp-9"
        )
        assert answers == []  # nothing now: the center answers later
        assert handler.flush().count("sent") == 2
        assert [seen.path for seen in receiver.seen] == ["/api/v1/events", "/api/v1/privacy"]
        assert handler.outbox.counts()[SENT] == 2
    finally:
        handler.close()
    pm = get_plugin_manager()  # ``ascc store`` is the adapters' (an entry point)
    result = CliRunner().invoke(
        build_cli(pm), ["store", "outbox", "--json", "--config", str(config_path)], obj=pm
    )
    assert result.exit_code == 0, result.output
    [answered] = json.loads(result.stdout)["data_requests"]
    assert answered["webhook_id"] == privacy_webhook_id(GSP, "customer_data_request", "shp-9")
    assert answered["request"]["customer"]["email"] == "ada@example.com"
    assert answered["answer"] == {"request": "customer_data_request", "customers": 1}
