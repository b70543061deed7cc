"""``ascc store sync-products`` against each emulated Admin API over loopback: several pages,
the emulator throttles, the client waits (on a fake clock shared with the emulator) and
finishes; the CLI end to end; every refusal named."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner, Result
from flask import Flask, jsonify

import adapters.plugin
from adapters.api_client import ApiClient, ApiError
from adapters.emulation import ProductSpec
from adapters.emulation_server import LoopbackServer
from adapters.shopify.admin_emulator import ShopifyAdminEmulator
from adapters.store.catalog import CatalogRecords
from adapters.store.db import make_engine, make_sessions
from adapters.store.sync import SyncReport, product_source, run_sync
from adapters.woocommerce.rest_client import PRODUCTS_PATH
from adapters.woocommerce.rest_emulator import WooCommerceRestEmulator
from ascc_plugin.cli import build_cli
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.models import GspRef
from ascc_plugin.settings import Settings, load_settings
from simulator.services import free_port

TOKEN = "shpat_emulated"
KEY, SECRET = "ck_emulated", "cs_emulated"
T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
PRODUCTS = [
    ProductSpec(
        id=7_000_000_000 + n,
        title=f"Product {n}",
        price=f"{10 + n}.00",
        product_type="Electronics" if n % 2 else "Toys",
        vendor="Acme",
        tags=(f"t{n % 3}",),
        collections=("Home", "Sale") if n % 5 == 0 else ("Home",),
        categories=("Laptops",) if n % 2 else ("Puzzles",),
        updated_at=T0 + timedelta(minutes=n),
    )
    for n in range(23)
]


class FakeClock:
    """A clock the client's sleep advances: the emulator's bucket refills only when it waits."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def config_for(folder: Path, platform: str, url: str) -> Settings:
    credentials = (
        f'access_token = "{TOKEN}"'
        if platform == "shopify"
        else f'consumer_key = "{KEY}"\nconsumer_secret = "{SECRET}"\nsite_url = "{url}"'
    )
    path = folder / "ascc.toml"
    path.write_text(
        f'[store]\nplatform = "{platform}"\nwebhook_secret = "s"\nstate_db = "state.sqlite3"\n'
        f'[catalog]\napi_url = "{url}"\npage_size = 5\n{credentials}\n'
    )
    return load_settings(path)


def sync(config: Settings, clock: FakeClock) -> tuple[SyncReport, ApiClient]:
    sessions = make_sessions(make_engine(config.store.state_db))
    with requests.Session() as session:
        client = ApiClient(session, sleep=clock.sleep, clock=clock, rand=random.Random(7))
        gsp = GspRef(platform=config.store.platform, shop=config.store.shop)
        report = run_sync(product_source(config, client), sessions, gsp, lambda: T0)
    return report, client


def catalogue(config: Settings) -> dict[str, Any]:
    sessions = make_sessions(make_engine(config.store.state_db))
    gsp = GspRef(platform=config.store.platform, shop=config.store.shop)
    with sessions() as session:
        return CatalogRecords(session, gsp).products(str(p.id) for p in PRODUCTS)


def test_shopify_sync_pages_and_waits_for_the_cost_bucket(tmp_path: Path) -> None:
    clock = FakeClock()
    emulator = ShopifyAdminEmulator(
        PRODUCTS, TOKEN, maximum=100, restore_rate=20, available=10, clock=clock
    )
    with emulator.serve() as served:
        report, client = sync(config_for(tmp_path, "shopify", served.url), clock)
    assert (report.products, report.pages, report.changed, report.catalog) == (23, 5, 23, 23)
    assert emulator.throttled == 1 and report.throttled == 1  # the first query: 77 > 10 points
    assert client.waits[0] == pytest.approx(3.4)  # (77 − 10) / 20 per second, rounded up
    assert emulator.answered == 5 and len(client.waits) >= 3  # later pages paced, not refused
    products = catalogue(config_for(tmp_path, "shopify", served.url))
    assert products["7000000005"].collections == ("Home", "Sale")
    assert products["7000000005"].product_type == "Electronics"
    assert products["7000000004"].categories == ("Puzzles",)
    assert products["7000000004"].price == "14.00"


def test_a_client_that_never_waits_stays_throttled(tmp_path: Path) -> None:
    clock = FakeClock()
    emulator = ShopifyAdminEmulator(PRODUCTS, TOKEN, maximum=100, available=0, clock=clock)
    with emulator.serve() as served, requests.Session() as session:
        config = config_for(tmp_path, "shopify", served.url)
        client = ApiClient(session, sleep=lambda _s: None, clock=clock)
        with pytest.raises(ApiError, match="still throttled after 20 waits"):
            list(product_source(config, client).pages())
    assert emulator.answered == 0 and emulator.throttled == 20


def test_woocommerce_sync_pages_and_honours_retry_after(tmp_path: Path) -> None:
    clock = FakeClock()
    emulator = WooCommerceRestEmulator(PRODUCTS, KEY, SECRET, burst=2, per_second=0.5, clock=clock)
    with emulator.serve() as served:
        report, client = sync(config_for(tmp_path, "woocommerce", served.url), clock)
    assert (report.products, report.pages, report.catalog) == (23, 5, 23)
    assert emulator.answered == 5 and emulator.limited == 3  # pages 3, 4, 5 waited for a token
    assert len(client.waits) == 3 and all(wait >= 2 for wait in client.waits)  # Retry-After: 2
    products = catalogue(config_for(tmp_path, "woocommerce", served.url))
    assert products["7000000003"].categories == ("Laptops",)
    assert products["7000000003"].vendor == "Acme" and products["7000000003"].tags == ("t0",)
    assert products["7000000003"].product_type is None  # WooCommerce has no product type


def ascc(*args: str) -> Result:
    pm = get_plugin_manager(entrypoints=False)
    pm.register(adapters.plugin, name="adapters")
    return CliRunner().invoke(build_cli(pm), list(args), obj=pm)


@pytest.mark.parametrize("platform", ["shopify", "woocommerce"])
def test_the_command_fills_the_catalog(tmp_path: Path, platform: str) -> None:
    emulator: Any = (
        ShopifyAdminEmulator(PRODUCTS, TOKEN)
        if platform == "shopify"
        else WooCommerceRestEmulator(PRODUCTS, KEY, SECRET)
    )
    with emulator.serve() as served:
        config = config_for(tmp_path, platform, served.url)
        result = ascc("store", "sync-products", "--json", "--config", str(config.path))
        again = ascc("store", "sync-products", "--config", str(config.path))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "products": 23,
        "pages": 5,
        "changed": 23,
        "catalog": 23,
        "throttled": 0,
        "waits": 0,
        "waited_seconds": 0,
    }
    assert again.exit_code == 0
    assert "read 23 products in 5 page(s), 0 new or changed; the catalog holds 23" in again.stdout


def test_refusals_name_what_to_fix(tmp_path: Path) -> None:
    with ShopifyAdminEmulator(PRODUCTS, "another-token").serve() as served:
        config = config_for(tmp_path, "shopify", served.url)
        refused = ascc("store", "sync-products", "--config", str(config.path))
    assert refused.exit_code == 1 and "the API refused the credentials" in refused.stderr
    remote = config.path.read_text().replace(served.url, "http://shop.example.com")
    config.path.write_text(remote)
    plain = ascc("store", "sync-products", "--config", str(config.path))
    assert plain.exit_code == 1 and "only sent over https" in plain.stderr
    config.path.write_text(remote.replace(f'access_token = "{TOKEN}"', ""))
    missing = ascc("store", "sync-products", "--config", str(config.path))
    assert missing.exit_code == 1 and "catalog.access_token" in missing.stderr


def test_an_unreachable_api_is_retried_then_given_up(tmp_path: Path) -> None:
    clock = FakeClock()
    config = config_for(tmp_path, "woocommerce", f"http://127.0.0.1:{free_port()}")
    with requests.Session() as session:
        client = ApiClient(session, max_attempts=4, sleep=clock.sleep, clock=clock)
        with pytest.raises(ApiError, match=r"gave up after 4 attempts \(ConnectionError\)"):
            list(product_source(config, client).pages())
    assert len(client.waits) == 3 and clock.now == pytest.approx(1000 + sum(client.waits))


def test_a_listing_that_is_not_products_is_refused(tmp_path: Path) -> None:
    answers = iter([([{"id": 1, "sku": "no name"}], 200), ("<html>maintenance</html>", 200)])
    app = Flask("not-woocommerce")

    @app.get(PRODUCTS_PATH)
    def listing() -> tuple[Any, int]:
        body, status = next(answers)
        return (jsonify(body) if isinstance(body, list) else body), status

    with LoopbackServer(app) as served:
        config = config_for(tmp_path, "woocommerce", served.url)
        no_name = ascc("store", "sync-products", "--config", str(config.path))
        html = ascc("store", "sync-products", "--config", str(config.path))
    assert no_name.exit_code == 1
    assert "not a product: page 1[0]: name is missing" in no_name.stderr
    assert html.exit_code == 1 and "page 1 is not a list of products" in html.stderr
