"""A ``gsp``-mode store loses no holder secret to a failing channel: the hub's handovers keep
each voucher per channel until that channel took it. A store with no channel is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec
from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.app import create_app, handler_of
from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.models import Customer
from ascc_plugin.settings import SettingsError, load_settings
from ascc_plugin.vouchers import Voucher
from center.gsp import GspHandler
from center.handover.models import DELIVERED, PENDING, Handover
from tests.common.settings import SECRET, SHOP, store_config


class Flaky:
    """A channel (``flaky``) that refuses until told to take vouchers."""

    def __init__(self) -> None:
        self.taking = False
        self.taken: list[tuple[str, str | None, str | None]] = []

    @hookimpl
    def ascc_deliver_voucher(self, voucher: Voucher, customer: Customer | None) -> None:
        if not self.taking:
            raise ConnectionRefusedError("the SMS gateway is down")
        self.taken.append((voucher.id, voucher.holder_secret, customer and customer.email))


class OffersFlaky:
    def __init__(self, channel: Flaky) -> None:
        self.channel = channel

    @hookimpl
    def ascc_register_channels(self, register: Any) -> None:
        register("flaky", lambda _settings: self.channel)


class Now:
    """``uniform`` that always draws the low end: a refused handover is due again at once."""

    def uniform(self, low: float, high: float) -> float:
        return low


def paid_order(order_id: int) -> OrderSpec:
    now = datetime.now(UTC)
    return OrderSpec(
        id=order_id,
        lines=(LineSpec(id=11, title="Washer", quantity=2, price="649.00", sku="WASH"),),
        customer=CustomerSpec(id=3, email="grace@example.com", first_name="G", last_name="H"),
        created_at=now,
        updated_at=now,
        paid=True,
    )


def gsp_store(folder: Path, key_dir: Path, channel: Flaky, channels: list[str]) -> Flask:
    path = store_config(
        folder,
        store={"mode": "gsp"},
        keys={"dir": str(key_dir)},
        delivery={"channels": channels, "log_file": "deliveries.jsonl"},
    )
    pm = get_plugin_manager()  # the gsp handler is the center's entry point
    pm.register(OffersFlaky(channel))
    return create_app(load_settings(path, pm), pm=pm)


def handovers(handler: GspHandler) -> list[tuple[str, str, int, str | None]]:
    with handler.hub.database.transaction() as session:
        rows = session.scalars(select(Handover).order_by(Handover.seq))
        return [(h.channel, h.state, h.attempts, h.last_error) for h in rows]


def test_a_refused_delivery_is_kept_and_handed_over_again(tmp_path: Path, key_dir: Path) -> None:
    flaky = Flaky()
    app = gsp_store(tmp_path, key_dir, flaky, ["log", "flaky"])
    handler = handler_of(app)
    assert isinstance(handler, GspHandler) and handler.worker is not None
    sender = handler.worker.handovers
    assert sender is not None
    sender.rand = Now()
    request = ShopifyEmulator(SECRET, SHOP).order_request("orders/paid", paid_order(7001))
    answer = app.test_client().post(request.path, data=request.body, headers=request.headers)
    assert answer.status_code == 200, answer.json
    assert answer.json["vouchers"] == 4  # two units × (repair, support)
    logged = (tmp_path / "deliveries.jsonl").read_text().splitlines()
    issued = sorted(json.loads(line)["voucher"]["id"] for line in logged)
    assert len(set(issued)) == 4

    rows = handovers(handler)  # the log took its four within the request; flaky refused its
    assert sorted((c, s) for c, s, _, _ in rows) == sorted(
        [("log", DELIVERED)] * 4 + [("flaky", PENDING)] * 4
    )
    assert all("SMS gateway is down" in (e or "") for c, _, _, e in rows if c == "flaky")
    assert flaky.taken == []

    sender.round()  # still down: kept, tried again
    assert [a for c, _, a, _ in handovers(handler) if c == "flaky"] == [2] * 4

    flaky.taking = True
    sender.round()
    assert {c: s for c, s, _, _ in handovers(handler)} == {"log": DELIVERED, "flaky": DELIVERED}
    assert sorted(v for v, _, _ in flaky.taken) == issued
    assert all(secret and secret.startswith("hld_") for _, secret, _ in flaky.taken)
    assert {email for _, _, email in flaky.taken} == {"grace@example.com"}
    assert sender.round() == 0  # nothing left: each voucher reached each channel once
    assert len(flaky.taken) == 4
    handler.hub.database.dispose()


def test_a_gsp_store_without_a_delivery_channel_is_refused(tmp_path: Path, key_dir: Path) -> None:
    with pytest.raises(SettingsError, match=r"delivery\.channels: gsp mode issues holder secrets"):
        gsp_store(tmp_path, key_dir, Flaky(), [])
    assert not (tmp_path / "ascc-gsp.sqlite").exists()  # refused before anything was made
