"""At store start, programs that need a catalog the store lacks are named in the log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from adapters.emulation import ProductSpec
from adapters.emulation_server import LoopbackServer
from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.app import create_app
from ascc_plugin.settings import load_settings

CONFIG = """
[store]
platform = "{platform}"
webhook_secret = "start-secret"
state_db = "state.sqlite3"

[[programs]]
id = "repair-12m"
kind = "repair"
term_months = 12
match = {{ product_type = ["Electronics"], min_unit_price = "50.00" }}

[[programs]]
id = "by-sku"
kind = "installation"
term_months = 1
match = {{ sku = ["TV-55"] }}
"""


def start(folder: Path, platform: str, caplog: pytest.LogCaptureFixture) -> list[str]:
    path = folder / "ascc.toml"
    path.write_text(CONFIG.format(platform=platform))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="adapters.store.catalog_warnings"):
        create_app(load_settings(path))
    return [record.getMessage() for record in caplog.records]


def test_an_empty_catalog_is_named_per_program_until_products_arrive(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    [warning] = start(tmp_path, "shopify", caplog)
    assert warning.startswith(
        "program 'repair-12m' matches on product_type, which Shopify order lines never carry, "
        "and the product catalog is empty"
    )
    assert "`ascc store sync-products`" in warning
    config = load_settings(tmp_path / "ascc.toml")
    with LoopbackServer(create_app(config)) as served:
        product = ProductSpec(id=1, title="TV", product_type="Electronics")
        ShopifyEmulator("start-secret").product_request("products/create", product).send(served.url)
    assert start(tmp_path, "shopify", caplog) == []


def test_woocommerce_product_types_never_match(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    warnings = start(tmp_path, "woocommerce", caplog)
    assert len(warnings) == 2
    assert "which WooCommerce order lines never carry" in warnings[0]
    assert warnings[1] == (
        "program 'repair-12m' matches on product_type, which WooCommerce products do not have: "
        "match on category or tag instead"
    )
