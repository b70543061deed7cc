"""A stop asked for while a send is in flight lets that send finish and be recorded, then the
worker's loop ends (what SIGTERM does to ``ascc center worker``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from center.webhooks.models import DELIVERED, WebhookMessage
from center.worker.runner import Worker
from tests.common.hub import LiveHub
from tests.common.ops import subscribe
from tests.common.subscriber import Subscriber


class Held(Subscriber):
    """A subscriber that holds each request until released."""

    def __init__(self) -> None:
        super().__init__()
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.entered.set()
        self.release.wait(10)
        return super().__call__(environ, start_response)


def test_stop_waits_for_the_send_in_flight(
    ops_hub: LiveHub, worker_for: Callable[..., Worker]
) -> None:
    receiver = Held().up()
    try:
        store = ops_hub.new_gsp()
        subscribe(ops_hub, store, receiver)
        ops_hub.issue(store, quantity=1, price="10.00")
        worker = worker_for(ops_hub.database)
        runner = threading.Thread(target=worker.run)
        runner.start()
        assert receiver.entered.wait(10)
        worker.stop.set()  # as the SIGTERM handler does
        runner.join(0.3)
        assert runner.is_alive()  # still waiting for the answer
        receiver.release.set()
        runner.join(10)
        assert not runner.is_alive()
        with ops_hub.database.transaction(write=False) as session:
            states = session.scalars(
                select(WebhookMessage.state).where(
                    WebhookMessage.msg_id == receiver.got[0].webhook_id
                )
            ).all()
        assert states == [DELIVERED]
    finally:
        receiver.release.set()
        receiver.down()


def test_an_endpoint_deleted_during_a_send_leaves_nothing_behind(
    ops_hub: LiveHub, worker_for: Callable[..., Worker]
) -> None:
    receiver = Held().up()
    try:
        store = ops_hub.new_gsp()
        endpoint = subscribe(ops_hub, store, receiver)
        ops_hub.issue(store, quantity=1, price="10.00")
        worker = worker_for(ops_hub.database)
        sending = threading.Thread(target=worker.dispatcher.round)
        sending.start()
        assert receiver.entered.wait(10)
        deleted = ops_hub.call("DELETE", f"/api/v1/webhooks/{endpoint['id']}", store.key)
        assert deleted.status_code == 200
        receiver.release.set()
        sending.join(10)
        assert not sending.is_alive()
        worker.dispatcher.round()  # another round (other tests' messages may share the hub)
        with ops_hub.database.transaction(write=False) as session:
            left = session.scalars(
                select(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint["id"])
            ).all()
        assert left == []
    finally:
        receiver.release.set()
        receiver.down()
