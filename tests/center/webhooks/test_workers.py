"""Workers as real processes (``ascc center worker``): two of them on PostgreSQL share 1,000
messages and deliver each exactly once (counted at the receiver by ``webhook-id``); a SIGTERM
ends a worker cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from center import migrate
from center.infra.db import Database
from center.infra.secrets import seal_for
from center.parties import services as parties
from center.settings import HubSettings
from center.webhooks import outbox
from center.webhooks.guard import Policy
from center.webhooks.models import DELIVERED, WebhookAttempt, WebhookMessage
from center.webhooks.subscriptions import Owner, create
from simulator.services import ASCC, poll_until
from tests.common.postgres import fresh_database, require_postgres
from tests.common.subscriber import Subscriber

MESSAGES = 1000


@pytest.fixture
def pg_url() -> Iterator[str]:
    require_postgres()
    with fresh_database("ascc_workers") as url:
        yield HubSettings(database_url=url).database_url


def worker_process(url: str, keys: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ASCC_DATABASE_URL": url,
        "ASCC_KEYS_DIR": str(keys),
        "ASCC_HUB_WEBHOOK_ALLOW_HTTP": "true",
        "ASCC_HUB_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
        "ASCC_HUB_WORKER_BATCH": "20",
        "ASCC_HUB_WORKER_IDLE_SECONDS": "0.1",
    }
    env.pop("ASCC_CONFIG", None)
    with log.open("ab") as out:
        return subprocess.Popen(
            [ASCC, "center", "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def enqueue_many(database: Database, receiver: Subscriber, count: int) -> None:
    now = datetime.now(UTC)
    with database.transaction() as session:
        gsp = parties.add_gsp(session, name="S", platform="shopify", shop="w.example", now=now)
        owner = Owner("gsp", gsp["gsp_id"])
        made = create(
            session, owner, receiver.url, ["*"], "", Policy.of(True, ["127.0.0.0/8"]), now
        )
        receiver.secret = made["secret"]
        events = [
            outbox.Event("voucher.issued", {"n": n}, now, (("gsp", owner.id),), f"v{n % 97}")
            for n in range(count)
        ]
        assert outbox.enqueue(session, events) == count


def delivered(database: Database) -> int | None:
    with database.transaction(write=False) as session:
        done = session.scalar(select(func.count()).where(WebhookMessage.state == DELIVERED))
    return done if done == MESSAGES else None


@pytest.mark.postgres
def test_two_workers_on_postgres_deliver_every_message_once(
    pg_url: str, tmp_path: Path, subscriber: Subscriber
) -> None:
    database = Database(pg_url, secrets=seal_for(tmp_path / "keys", None))  # the workers' key
    migrate.upgrade(database)
    enqueue_many(database, subscriber, MESSAGES)
    workers = [worker_process(pg_url, tmp_path / "keys", tmp_path / f"w{n}.log") for n in (1, 2)]
    try:
        poll_until(lambda: delivered(database), "1000 messages delivered", 120)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(30) for process in workers]
    assert codes == [0, 0], [p.read_text()[-2000:] for p in tmp_path.glob("w*.log")]
    counts = subscriber.distinct()
    assert len(counts) == MESSAGES and set(counts.values()) == {1}
    assert all(d.verified for d in subscriber.got) and len(subscriber.got) == MESSAGES
    with database.transaction(write=False) as session:
        by_worker = dict(
            session.execute(
                select(WebhookAttempt.worker, func.count()).group_by(WebhookAttempt.worker)
            ).all()
        )
    assert len(by_worker) == 2 and sum(by_worker.values()) == MESSAGES
    database.dispose()
