"""The hub's own delivery: for a store that asked, every new voucher is recorded per channel
with its secret sealed in the issuing transaction, handed to each channel by the worker, retried
when a channel fails, and its secret removed once delivered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ascc_plugin.delivery.log import LogChannel
from ascc_plugin.delivery.settings import DeliverySection
from center.api.hub import current_hub
from center.handover.models import DELIVERED, PENDING, Handover
from center.handover.sender import HandoverSender
from center.handover.services import set_hub_delivery
from tests.common.hub import LiveHub, serve_hub
from tests.common.ops import OPS


class Flaky:
    """A channel that fails its first ``failures`` deliveries."""

    def __init__(self, failures: int) -> None:
        self.failures, self.got = failures, []  # type: list[str]

    def deliver(self, voucher: Any, customer: Any) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("smtp down")
        self.got.append(voucher.holder_secret)


@pytest.fixture
def delivering_hub(tmp_path: Path) -> Iterator[LiveHub]:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    channels = ("log", "flaky")
    with serve_hub(tmp_path, url, "sqlite", delivery_channels=channels, **OPS) as hub:
        yield hub


def rows(hub: LiveHub) -> list[Handover]:
    with hub.database.transaction(write=False) as session:
        return list(session.scalars(select(Handover).order_by(Handover.seq)))


def test_vouchers_of_a_store_that_asked_reach_every_channel_with_retries(
    delivering_hub: LiveHub, tmp_path: Path
) -> None:
    hub = delivering_hub
    asking, other = hub.new_gsp(), hub.new_gsp()
    with hub.database.transaction() as session:
        set_hub_delivery(session, asking.id, True, datetime.now(UTC))
    issued = hub.issue(asking, quantity=2, price="10.00")
    hub.issue(other, quantity=1, price="10.00")
    recorded = rows(hub)
    assert sorted((r.voucher_id, r.channel) for r in recorded) == sorted(
        (v["id"], c) for v in issued for c in ("log", "flaky")
    )
    assert all(r.sealed_secret and r.state == PENDING for r in recorded)
    assert not any(v["holder_secret"] in (r.sealed_secret or "") for v in issued for r in recorded)
    log_file, flaky = tmp_path / "deliveries.jsonl", Flaky(failures=2)
    now = datetime.now(UTC)
    with hub.app.app_context():
        sealer = current_hub().issuer.sealer
    assert sealer is not None
    channels = {"log": LogChannel(DeliverySection(log_file=log_file)), "flaky": flaky}

    def sender(at: datetime) -> HandoverSender:
        return HandoverSender(
            hub.database, sealer, channels, "https://hub.example", clock=lambda: at
        )

    assert sender(now).round() == 4
    waiting = [r for r in rows(hub) if r.state == PENDING]
    assert {r.channel for r in waiting} == {"flaky"} and all(r.sealed_secret for r in waiting)
    assert all("smtp down" in (r.last_error or "") for r in waiting)
    assert sender(now + timedelta(hours=2)).round() == 2
    assert all(r.state == DELIVERED and r.sealed_secret is None for r in rows(hub))
    secrets = {v["holder_secret"] for v in issued}
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert {line["voucher"]["holder_secret"] for line in lines} == secrets == set(flaky.got)
    assert all(line["holder_link"].startswith("https://hub.example/v/") for line in lines)
    assert sender(now + timedelta(hours=4)).round() == 0
