"""``ascc store serve`` as a real process on loopback, fed emulator-signed requests; a restart
loses nothing (dedupe and order state live in the SQLite file)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from adapters.emulation import RefundSpec
from adapters.shopify.emulator import ShopifyEmulator
from adapters.woocommerce.emulator import WooCommerceEmulator
from simulator import services
from simulator.services import store_service

pytestmark = pytest.mark.slow


@contextmanager
def running(config: Path, port: int) -> Iterator[str]:
    """``ascc store serve`` as a real process, once /healthz answers; stopped afterwards."""
    service = store_service(config, port, workers=1).start()
    try:
        yield service.url
    finally:
        service.stop()


def test_real_process_shopify_and_restart(tmp_path: Path, kit: Any) -> None:
    config = kit.write_config(tmp_path, "shopify")
    shop = ShopifyEmulator(kit.SECRET)
    spec = kit.sample_order().evolve(paid=True)
    refund = RefundSpec(id=501, lines={spec.lines[1].id: 2}, created_at=kit.later(2))
    paid = shop.order_request("orders/paid", spec, webhook_id="w-paid")
    port = services.free_port()
    with running(config.path, port) as url:
        assert shop.refund_request(spec, refund).send(url).json()["status"] == "pending"
        assert paid.send(url).json()["vouchers"] == 3
    with running(config.path, port) as url:  # restarted: state and dedupe survive
        assert paid.send(url).json()["status"] == "duplicate"
        updated = shop.order_request("orders/updated", spec.evolve(updated_at=kit.later(1)))
        assert updated.send(url).json()["vouchers"] == 3  # the stored refund still applies
        assert shop.request("orders/paid", b"{").send(url).status_code == 400
    lines = kit.events(config)
    assert [line["event"]["kind"] for line in lines] == ["order.paid", "order.updated"]
    assert lines[-1]["event"]["order"]["refunds"][0]["id"] == "501"


def test_real_process_woocommerce(tmp_path: Path, kit: Any) -> None:
    config = kit.write_config(tmp_path, "woocommerce")
    woo = WooCommerceEmulator("hush-&amp;-quiet")
    with running(config.path, services.free_port()) as url:
        assert woo.ping().send(url).status_code == 200
        spec = kit.sample_order().evolve(paid=True)
        assert woo.order_request("order.created", spec).send(url).json()["vouchers"] == 5
        assert woo.deleted_request(spec).send(url).json()["vouchers"] == 0
    assert [len(line["vouchers"]) for line in kit.events(config)] == [5, 0]


def test_serve_refuses_a_bad_config(tmp_path: Path, kit: Any) -> None:
    config = kit.write_config(tmp_path, "woocommerce", secret="")
    done = services.ascc("store", "serve", "--config", str(config.path), timeout=60)
    assert done.returncode != 0
    assert "webhook_secret" in done.stderr and "Traceback" not in done.stderr
