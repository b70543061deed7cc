"""``ascc vouchers preview --shopify/--woocommerce FILE``: every shared fixture previewed from its
storefront body through the CLI (the adapters' payload mapper hook), and the store's catalog
read from its state database (the catalog hook)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import adapters.plugin
from adapters.emulation import ProductSpec
from adapters.emulation_server import LoopbackServer
from adapters.shopify import emulator as shopify
from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.app import create_app
from adapters.woocommerce import emulator as woocommerce
from ascc_plugin.cli import build_cli
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.programs import SYNC_HINT
from ascc_plugin.settings import load_settings

SECRET = "preview-secret"
CONFIG = f"""
[store]
platform = "shopify"
shop = "demo.myshopify.com"
webhook_secret = "{SECRET}"
state_db = "state.sqlite3"

[[programs]]
id = "repair-12m"
kind = "repair"
term_months = 12
match = {{ product_type = ["Electronics"], min_unit_price = "50.00" }}

[[programs]]
id = "support-24m"
kind = "support"
term_months = 24
"""
# fixture → (lines, qualifies); None: not an order (a clear error instead)
FIXTURES: dict[str, tuple[int, bool] | None] = {
    "shopify/shopify_python_api__order_authorized_usd_discount_3items.json": (3, False),
    "shopify/shopify_python_api__orders_list_partially_refunded.json": (0, True),
    "shopify/shopify_python_api__refund_2_line_items.json": None,
    "shopify/shopify_rest_2025-07__order_cancelled_refunded_cancel_response.json": (3, False),
    "shopify/shopify_rest_2025-07__order_eur_paid_no_customer.json": (1, True),
    "shopify/shopify_rest_2025-07__order_paid_3items_no_customer.json": (3, True),
    "shopify/shopify_rest_2025-07__order_paid_discount_code_customer.json": (1, True),
    "shopify/shopify_rest_2025-07__order_partially_paid.json": (1, False),
    "shopify/shopify_rest_2025-07__order_partially_refunded_discount_customer.json": (3, True),
    "shopify/shopify_rest_2025-07__order_pending.json": (1, False),
    "woocommerce/wc_ios__order_211_guest_wcpay_processing.data-envelope.json": (1, True),
    "woocommerce/wc_ios__order_324_partially_refunded_8items.data-envelope.json": (8, True),
    "woocommerce/wc_ios__order_526_subscription_renewal.data-envelope.json": (1, True),
    "woocommerce/wc_ios__order_609_fully_refunded.data-envelope.json": (1, True),
    "woocommerce/wc_ios__order_963_aed_currency.data-envelope.json": (2, True),
    "woocommerce/wc_ios__order_963_processing_coupon_fee_customer.data-envelope.json": (2, True),
    "woocommerce/wc_v3_docs__order_727_completed_update_response.json": (2, True),
    "woocommerce/wc_v3_docs__order_727_processing_guest_create_response.json": (2, True),
    "woocommerce/wc_v3_docs__order_refund_create_response.json": None,
    "woocommerce/wc_v3_docs__orders_list_727_processing_723_completed_customer.json": (2, True),
}


def ascc(*args: str) -> Result:
    pm = get_plugin_manager(entrypoints=False)
    pm.register(adapters.plugin, name="adapters")
    return CliRunner().invoke(build_cli(pm), list(args), obj=pm)


def webhook_body(kit: Any, name: str, folder: Path) -> Path:
    """The fixture as its webhook would deliver it: unwrapped, serialised as the platform does."""
    platform = name.split("/")[0]
    encode = shopify.encode if platform == "shopify" else woocommerce.encode
    path = folder / f"{platform}.json"
    path.write_bytes(encode(kit.fixture_object(name)))
    return path


def test_every_fixture_is_covered(kit: Any) -> None:
    on_disk = {f"{p.parent.name}/{p.name}" for p in kit.FIXTURES.glob("*/*.json")}
    assert set(FIXTURES) == on_disk - {
        "signatures/standard-webhooks.json",
        "signatures/storefronts.json",
    }


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_fixture_previews_from_its_storefront_body(
    name: str, kit: Any, tmp_path: Path
) -> None:
    (tmp_path / "ascc.toml").write_text(CONFIG)
    platform, body = name.split("/")[0], webhook_body(kit, name, tmp_path)
    result = ascc(
        "vouchers", "preview", "--json", f"--{platform}", str(body),
        "--config", str(tmp_path / "ascc.toml"),
    )  # fmt: skip
    expected = FIXTURES[name]
    if expected is None:
        assert result.exit_code == 1
        assert f"{body}: not a {platform} order payload: a refund object" in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (len(report["lines"]), report["qualifies"]) == expected
    entitled = sum(line["quantity"] - line["refunded"] for line in report["lines"])
    assert len(report["vouchers"]) == (entitled if report["qualifies"] else 0)
    for line in report["lines"]:
        repair = next(p for p in line["programs"] if p["id"] == "repair-12m")
        assert not repair["matched"]
        assert repair["reasons"][0].startswith("product_type unknown: ")
    assert not (tmp_path / "state.sqlite3").exists()  # a preview creates nothing


def test_an_admin_api_answer_and_a_topic_are_taken(kit: Any, tmp_path: Path) -> None:
    (tmp_path / "ascc.toml").write_text(CONFIG)
    raw = kit.FIXTURES / "shopify/shopify_rest_2025-07__order_paid_3items_no_customer.json"
    config = str(tmp_path / "ascc.toml")
    args = ("vouchers", "preview", "--json", "--shopify", str(raw), "--config", config)
    wrapped = ascc(*args, "--topic", "orders/updated")
    assert wrapped.exit_code == 0, wrapped.stderr
    assert json.loads(wrapped.stdout)["event"]["kind"] == "order.updated"
    assert json.loads(ascc(*args).stdout)["event"]["kind"] == "order.paid"  # from its state
    wrong = ascc(*args, "--topic", "products/update")
    assert wrong.exit_code == 1 and "products/update is not an order topic" in wrong.stderr
    listed = (
        kit.FIXTURES
        / "woocommerce/wc_v3_docs__orders_list_727_processing_723_completed_customer.json"
    )
    as_list = ascc("vouchers", "preview", "--woocommerce", str(listed), "--config", config)
    assert as_list.exit_code == 1 and "a JSON array of 2 items: give one order" in as_list.stderr


def test_preview_reads_the_catalog_a_product_webhook_filled(kit: Any, tmp_path: Path) -> None:
    (tmp_path / "ascc.toml").write_text(CONFIG)
    config = load_settings(tmp_path / "ascc.toml")
    name = "shopify/shopify_rest_2025-07__order_paid_discount_code_customer.json"
    body = webhook_body(kit, name, tmp_path)
    args = ("vouchers", "preview", "--shopify", str(body), "--config", str(config.path))
    before = ascc(*args)
    assert before.exit_code == 0, before.stderr
    assert (
        f"✗ repair-12m: product_type unknown: product 921728736 is not in the catalog; {SYNC_HINT}"
        in before.stdout
    )
    ipod = ProductSpec(id=921728736, title="IPod Touch 8GB", product_type="Electronics")
    with LoopbackServer(create_app(config)) as served:
        sent = ShopifyEmulator(SECRET).product_request("products/create", ipod).send(served.url)
        assert sent.json()["status"] == "catalogued"
    after = ascc(*args)
    assert after.exit_code == 0, after.stderr
    assert "(catalog: Electronics)" in after.stdout
    assert "✓ repair-12m: 1 voucher" in after.stdout and "✓ support-24m: 1 voucher" in after.stdout


def test_an_unreadable_state_database_previews_without_the_catalog(
    kit: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "ascc.toml").write_text(CONFIG)
    (tmp_path / "state.sqlite3").write_bytes(b"this is not a SQLite database" * 100)
    body = webhook_body(kit, "shopify/shopify_rest_2025-07__order_pending.json", tmp_path)
    args = ("--shopify", str(body), "--config", str(tmp_path / "ascc.toml"))
    with caplog.at_level(logging.WARNING, logger="adapters.preview"):
        result = ascc("vouchers", "preview", *args)
    assert result.exit_code == 0, result.stderr
    assert "(not in the catalog)" in result.stdout
    assert "previewing without it" in caplog.text
