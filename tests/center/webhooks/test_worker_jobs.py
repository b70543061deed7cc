"""The worker's scheduled jobs and the retry period: a voucher past its term is ``expired``
after one tick (audit row and webhook); a message failing for three days disables its endpoint,
tells the owner's other endpoints, and shows in the API; replays send again under the same
``webhook-id``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from center.audit.models import AuditEvent
from center.channel.models import CaseTicket
from center.channel.services import open_case
from center.ops.models import JobRun
from center.vouchers.models import Voucher
from center.worker.runner import Worker
from tests.common.hub import LiveHub
from tests.common.ops import at, subscribe
from tests.common.subscriber import Subscriber


def test_a_voucher_past_its_term_expires_after_one_tick(
    ops_hub: LiveHub, worker_for: Callable[..., Worker], subscriber: Subscriber
) -> None:
    store = ops_hub.new_gsp()
    subscribe(ops_hub, store, subscriber, ["voucher.expired"])
    subscriber.strict_time = False  # signed at the injected time: checked at its timestamp
    (voucher,) = ops_hub.issue(store, quantity=1, price="10.00")  # support-24m
    with ops_hub.database.transaction(write=False) as session:
        term = session.scalar(select(Voucher.valid_until).where(Voucher.id == voucher["id"]))
    assert term is not None
    worker_for(ops_hub.database, clock=at(term - timedelta(days=1))).tick()
    assert subscriber.got == []
    later = worker_for(ops_hub.database, clock=at(term + timedelta(seconds=1)))
    later.tick()
    with ops_hub.database.transaction(write=False) as session:
        state = session.scalar(select(Voucher.state).where(Voucher.id == voucher["id"]))
        audit = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.voucher_id == voucher["id"])
            .order_by(AuditEvent.seq)
        ).all()
        run = session.get(JobRun, "expire-vouchers")
    assert state == "expired"
    assert [(a.action, a.to_state, a.actor_kind) for a in audit][-1] == (
        "expire",
        "expired",
        "system",
    )
    assert run is not None and run.last_count >= 1
    mine = [d for d in subscriber.got if d.body["data"]["voucher_id"] == voucher["id"]]
    assert [d.body["type"] for d in mine] == ["voucher.expired"] and mine[0].verified


def test_tickets_an_hour_past_their_expiry_are_pruned_by_the_worker(
    ops_hub: LiveHub, worker_for: Callable[..., Worker]
) -> None:
    store = ops_hub.new_gsp()
    (voucher,) = ops_hub.issue(store, quantity=1, price="10.00")
    now = datetime.now(UTC)
    expiries = {"spent": now - timedelta(hours=2), "recent": now - timedelta(minutes=30)}
    with ops_hub.database.transaction() as session:
        open_case(session, voucher["id"], now)
        session.add_all(
            CaseTicket(digest=f"{name}-{voucher['id']}", voucher_id=voucher["id"], role="holder",
                       expires_at=expires)
            for name, expires in expiries.items()
        )  # fmt: skip
    worker_for(ops_hub.database, clock=at(now)).tick()
    with ops_hub.database.transaction(write=False) as session:
        left = session.scalars(
            select(CaseTicket.digest).where(CaseTicket.voucher_id == voucher["id"])
        ).all()
        run = session.get(JobRun, "prune-tickets")
    assert left == [f"recent-{voucher['id']}"]
    assert run is not None and run.last_count >= 1


def test_three_days_of_failures_disable_the_endpoint_and_tell_the_owner(
    ops_hub: LiveHub, worker_for: Callable[..., Worker], subscriber: Subscriber
) -> None:
    store = ops_hub.new_gsp()
    broken, watcher = Subscriber(answer=500).up(), subscriber
    try:
        failing = subscribe(ops_hub, store, broken)
        subscribe(ops_hub, store, watcher, ["webhook.endpoint_disabled"])
        watcher.strict_time = False
        ops_hub.issue(store, quantity=1, price="10.00")
        now = datetime.now(UTC)
        for hours in (0, 30, 71, 73):  # the last retry would fall after the three days
            worker_for(ops_hub.database, clock=at(now + timedelta(hours=hours))).tick()
        shown = ops_hub.call("GET", f"/api/v1/webhooks/{failing['id']}", store.key).json()
        assert shown["status"] == "disabled" and "gave up on msg_" in shown["disabled_reason"]
        assert [d.body["type"] for d in watcher.got] == ["webhook.endpoint_disabled"]
        assert watcher.got[0].body["data"]["endpoint_id"] == failing["id"]
        statuses = {a["status"] for a in attempts(ops_hub, store.key, failing["id"])}
        assert statuses == {500}
        replay = {"since": (now - timedelta(minutes=1)).isoformat()}
        refused = ops_hub.call(
            "POST", f"/api/v1/webhooks/{failing['id']}/replay", store.key, json=replay
        )
        assert refused.status_code == 409
    finally:
        broken.down()


def attempts(ops_hub: LiveHub, key: str, endpoint_id: str) -> list[dict[str, object]]:
    answer = ops_hub.call("GET", f"/api/v1/webhooks/{endpoint_id}/attempts", key)
    assert answer.status_code == 200
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def test_replay_sends_a_message_again_under_its_own_webhook_id(
    ops_hub: LiveHub, worker_for: Callable[..., Worker], subscriber: Subscriber
) -> None:
    store = ops_hub.new_gsp()
    endpoint = subscribe(ops_hub, store, subscriber)
    started = datetime.now(UTC) - timedelta(seconds=1)
    ops_hub.issue(store, quantity=2, price="10.00")
    worker = worker_for(ops_hub.database)
    worker.tick()
    first = [d.webhook_id for d in subscriber.got]
    assert len(first) == 2
    path = f"/api/v1/webhooks/{endpoint['id']}/replay"
    one = ops_hub.call("POST", path, store.key, json={"message_id": first[0]})
    assert one.json() == {"replayed": 1}
    worker.tick()
    assert [d.webhook_id for d in subscriber.got] == [*first, first[0]]
    ranged = ops_hub.call("POST", path, store.key, json={"since": started.isoformat()})
    assert ranged.json() == {"replayed": 2}
    worker.tick()
    assert sorted(d.webhook_id for d in subscriber.got[3:]) == sorted(first)
    missing = ops_hub.call("POST", path, store.key, json={"message_id": "msg_nope"})
    assert missing.status_code == 404
    empty = ops_hub.call("POST", path, store.key, json={})
    assert empty.status_code == 422


def test_another_partys_endpoint_is_404_like_a_missing_one(
    ops_hub: LiveHub, subscriber: Subscriber
) -> None:
    owner, other, provider = ops_hub.new_gsp(), ops_hub.new_gsp(), ops_hub.new_provider()
    endpoint = subscribe(ops_hub, owner, subscriber)
    for path in ("", "/attempts"):
        for key in (other.key, provider.key):
            theirs = ops_hub.call("GET", f"/api/v1/webhooks/{endpoint['id']}{path}", key)
            missing = ops_hub.call("GET", f"/api/v1/webhooks/whk-0000000000000000{path}", key)
            assert theirs.status_code == missing.status_code == 404
            assert theirs.content == missing.content
    assert (
        ops_hub.call("DELETE", f"/api/v1/webhooks/{endpoint['id']}", other.key).status_code == 404
    )
    assert ops_hub.call("GET", "/api/v1/webhooks", other.key).json()["items"] == []
    listed = ops_hub.call("GET", "/api/v1/webhooks", owner.key).json()["items"]
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
    assert ops_hub.call("GET", "/api/v1/webhooks").status_code == 401
    holder = ops_hub.call("GET", "/api/v1/webhooks", ops_hub.admin_key)
    assert holder.status_code == 401
    gone = ops_hub.call("DELETE", f"/api/v1/webhooks/{endpoint['id']}", owner.key)
    assert gone.json() == {"id": endpoint["id"], "deleted": True}
    assert ops_hub.call("GET", "/api/v1/webhooks", owner.key).json()["items"] == []


def test_unknown_event_types_are_refused(ops_hub: LiveHub) -> None:
    store = ops_hub.new_gsp()
    body = {"url": "http://127.0.0.1:9/h", "event_types": ["voucher.exploded"]}
    answer = ops_hub.call("POST", "/api/v1/webhooks", store.key, json=body)
    assert answer.status_code == 422 and "unknown type" in answer.json()["detail"]
