"""``ascc store serve`` as a real process on loopback, fed emulator-signed requests; a restart
loses nothing (dedupe and order state live in the SQLite file)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.emulation import RefundSpec
from adapters.shopify.emulator import ShopifyEmulator
from adapters.woocommerce.emulator import WooCommerceEmulator

ASCC = Path(sys.executable).with_name("ascc")
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(config: Path, port: int) -> Iterator[str]:
    """The server process, once /healthz answers (deadline 30 s); terminated afterwards."""
    process = subprocess.Popen(
        [
            str(ASCC),
            "store",
            "serve",
            "--config",
            str(config),
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(process, url)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=20)


def wait_healthy(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.communicate()[1].decode()}")
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass  # not listening yet: poll again until the deadline
    pytest.fail("server not healthy within 30 s")


def test_real_process_shopify_and_restart(tmp_path: Path, kit: Any) -> None:
    config = kit.write_config(tmp_path, "shopify")
    shop = ShopifyEmulator(kit.SECRET)
    spec = kit.sample_order().evolve(paid=True)
    refund = RefundSpec(id=501, lines={spec.lines[1].id: 2}, created_at=kit.later(2))
    paid = shop.order_request("orders/paid", spec, webhook_id="w-paid")
    port = free_port()
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
    with running(config.path, free_port()) as url:
        assert woo.ping().send(url).status_code == 200
        spec = kit.sample_order().evolve(paid=True)
        assert woo.order_request("order.created", spec).send(url).json()["vouchers"] == 5
        assert woo.deleted_request(spec).send(url).json()["vouchers"] == 0
    assert [len(line["vouchers"]) for line in kit.events(config)] == [5, 0]


def test_serve_refuses_a_bad_config(tmp_path: Path, kit: Any) -> None:
    config = kit.write_config(tmp_path, "woocommerce", secret="")
    done = subprocess.run(
        [str(ASCC), "store", "serve", "--config", str(config.path)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert b"webhook_secret" in done.stderr and b"Traceback" not in done.stderr
