"""Outbound webhooks end to end over loopback: every transition of a voucher's life reaches
its store and its provider, signed (checked with the official ``standardwebhooks`` library),
in order per voucher, once each — also when the subscriber was down for a while."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from center.webhooks.models import DELIVERED, WebhookMessage
from simulator.services import poll_until
from tests.common.hub import LiveHub
from tests.common.ops import subscribe
from tests.common.subscriber import Subscriber

LIFE = [
    "voucher.issued",
    "voucher.activated",
    "voucher.assigned",
    "voucher.redeemed",
    "voucher.completed",
]


def walk(ops_hub: LiveHub, voucher: dict[str, str], provider_id: str, provider_key: str) -> None:
    base = f"/api/v1/vouchers/{voucher['id']}"
    holder = voucher["holder_secret"]
    steps = [
        ("/activate", holder, None),
        ("/assign", holder, {"provider_id": provider_id}),
        ("/redeem", provider_key, {"token": voucher["token"]}),
        ("/complete", provider_key, {"notes": "done"}),
    ]
    for path, key, body in steps:
        assert ops_hub.call("POST", base + path, key, json=body).status_code == 200


def drain(worker: Callable[[], int], receiver: Subscriber, count: int) -> None:
    poll_until(lambda: (worker() >= 0 and receiver.wait_for(count, 0.05)) or None, "deliveries", 30)


def test_a_full_lifecycle_reaches_store_and_provider_in_order(
    ops_hub: LiveHub, worker_for: Callable[..., object], subscriber: Subscriber
) -> None:
    store, provider = ops_hub.new_gsp(), ops_hub.new_provider()
    provider_receiver = Subscriber().up()
    try:
        subscribe(ops_hub, store, subscriber)
        subscribe(ops_hub, provider, provider_receiver, ["voucher.redeemed", "voucher.completed"])
        (voucher,) = ops_hub.issue(store, quantity=1, price="10.00")  # support only: one voucher
        walk(ops_hub, voucher, provider.id, provider.key)
        worker = worker_for(ops_hub.database)
        drain(worker.tick, subscriber, 5)  # type: ignore[attr-defined]
        drain(worker.tick, provider_receiver, 2)  # type: ignore[attr-defined]
        assert subscriber.types_of(voucher["id"]) == LIFE
        assert provider_receiver.types_of(voucher["id"]) == LIFE[3:]
        assert all(d.verified for d in subscriber.got + provider_receiver.got)
        assert set(subscriber.distinct().values()) == {1}
        sent = subscriber.got[-1].body
        assert sent["data"]["to"] == "completed" and sent["data"]["actor"]["kind"] == "provider"
        assert "holder_secret" not in str(subscriber.got[0].body)
    finally:
        provider_receiver.down()


def test_a_subscriber_down_for_a_while_gets_everything_once(
    ops_hub: LiveHub, worker_for: Callable[..., object], subscriber: Subscriber
) -> None:
    store, provider = ops_hub.new_gsp(), ops_hub.new_provider()
    subscribe(ops_hub, store, subscriber)
    subscriber.down()
    vouchers = ops_hub.issue(store, quantity=3, price="10.00")
    for voucher in vouchers:
        walk(ops_hub, voucher, provider.id, provider.key)
    worker = worker_for(ops_hub.database)
    for _ in range(3):  # attempts against a closed port: failed and rescheduled
        worker.tick()  # type: ignore[attr-defined]
    with ops_hub.database.transaction(write=False) as session:
        rows = session.scalars(select(WebhookMessage).where(WebhookMessage.state != DELIVERED))
        assert sum(1 for row in rows if row.attempts >= 1 and row.last_error) >= 3
    subscriber.up()
    drain(worker.tick, subscriber, 15)  # type: ignore[attr-defined]
    for voucher in vouchers:
        assert subscriber.types_of(voucher["id"]) == LIFE
    assert len(subscriber.distinct()) == 15 and set(subscriber.distinct().values()) == {1}
    failed = ops_hub.call("GET", "/api/v1/webhooks", store.key).json()["items"][0]
    attempts = ops_hub.call("GET", f"/api/v1/webhooks/{failed['id']}/attempts", store.key).json()
    outcomes = {a["outcome"] for a in attempts["items"]}
    assert outcomes == {"delivered", "failed"}
    assert all(
        "cannot connect" in a["reason"] for a in attempts["items"] if a["outcome"] == "failed"
    )
