"""The product catalog fed by signed product webhooks, over real HTTP to the store service:
real storefront orders then match on product type, tags and categories they never carry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from adapters.emulation import ProductSpec
from adapters.emulation_server import LoopbackServer
from adapters.products import ProductUpdate
from adapters.shopify.emulator import ShopifyEmulator
from adapters.shopify.products import graphql_update, webhook_product
from adapters.store.app import create_app
from adapters.store.catalog import CatalogRecords
from adapters.store.db import make_engine, make_sessions
from adapters.store.models import LineProductRecord, ProductRecord
from adapters.store.privacy import StatePrivacy
from adapters.woocommerce.emulator import WooCommerceEmulator
from ascc_plugin.models import GspRef
from ascc_plugin.settings import Settings, load_settings

SECRET = "catalog-secret"
SHOP = "demo.myshopify.com"
IPOD_ORDER = "shopify/shopify_rest_2025-07__order_paid_discount_code_customer.json"
WOO_ORDER = "woocommerce/wc_v3_docs__order_727_processing_guest_create_response.json"
CONFIG = """
[store]
platform = "{platform}"
shop = "{shop}"
mode = "preview"
webhook_secret = "{secret}"
events_log = "events.jsonl"
state_db = "state.sqlite3"

[[programs]]
id = "repair-12m"
kind = "repair"
term_months = 12
match = {{ product_type = ["Electronics"], min_unit_price = "50.00" }}

[[programs]]
id = "album-care"
kind = "support"
term_months = 6
match = {{ category = ["Music"], tag = ["vinyl", "cd"] }}
"""
IPOD = ProductSpec(
    id=921728736,
    title="IPod Touch 8GB",
    price="199.00",
    product_type="Electronics",
    vendor="Apple",
    tags=("ipod", "touch"),
    categories=("MP3 Players",),
)
SINGLE = ProductSpec(
    id=93, title="Woo Single #1", price="3.00", tags=("cd",), categories=("Music",)
)


def store_config(folder: Path, platform: str = "shopify") -> Settings:
    path = folder / "ascc.toml"
    path.write_text(CONFIG.format(platform=platform, shop=SHOP, secret=SECRET))
    return load_settings(path)


@contextmanager
def store(folder: Path, platform: str = "shopify") -> Iterator[tuple[str, Settings]]:
    config = store_config(folder, platform)
    with LoopbackServer(create_app(config)) as served:
        yield served.url, config


def logged(config: Settings) -> list[dict[str, Any]]:
    text = config.store.events_log.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def programs(entry: dict[str, Any]) -> list[str]:
    return sorted(voucher["program"] for voucher in entry["vouchers"])


def test_a_product_webhook_makes_a_real_shopify_order_match(tmp_path: Path, kit: Any) -> None:
    shop, order = ShopifyEmulator(SECRET), kit.fixture_object(IPOD_ORDER)
    with store(tmp_path) as (url, config):
        answer = shop.product_request("products/create", IPOD).send(url).json()
        assert answer == {
            "status": "catalogued",
            "event_id": answer["event_id"],
            "vouchers": None,
            "programs": None,
        }
        assert shop.request("orders/paid", order).send(url).json()["vouchers"] == 1
    [entry] = logged(config)
    assert programs(entry) == ["repair-12m"]
    [line] = entry["event"]["order"]["lines"]
    assert line["catalog"] is True and line["product_type"] == "Electronics"
    assert line["tags"] == ["ipod", "touch"] and line["categories"] == ["MP3 Players"]
    assert line["vendor"] == "Apple" and line["collections"] == []


def test_without_the_product_the_order_matches_on_what_it_carries(tmp_path: Path, kit: Any) -> None:
    shop = ShopifyEmulator(SECRET)
    with store(tmp_path) as (url, config):
        assert shop.request("orders/paid", kit.fixture_object(IPOD_ORDER)).send(url).ok
    [entry] = logged(config)
    assert entry["vouchers"] == []
    assert entry["event"]["order"]["lines"][0]["catalog"] is False


def test_a_catalog_change_never_takes_back_what_an_order_was_matched_with(
    tmp_path: Path, kit: Any
) -> None:
    shop, order = ShopifyEmulator(SECRET), kit.fixture_object(IPOD_ORDER)
    retyped = IPOD.evolve(product_type="Accessories", updated_at=IPOD.updated_at + timedelta(1))
    with store(tmp_path) as (url, config):
        shop.product_request("products/create", IPOD).send(url)
        shop.request("orders/paid", order).send(url)
        assert shop.product_request("products/update", retyped).send(url).ok
        fulfilled = {**order, "fulfillment_status": "fulfilled", "updated_at": "2025-04-03T10:00Z"}
        assert shop.request("orders/fulfilled", fulfilled).send(url).json()["vouchers"] == 1
        assert shop.product_request("products/delete", IPOD).send(url).ok
        later = {**fulfilled, "updated_at": "2025-04-04T10:00:00Z"}
        assert shop.request("orders/updated", later).send(url).json()["vouchers"] == 1
        another = {**order, "id": 1073459982}
        assert shop.request("orders/paid", another).send(url).json()["vouchers"] == 0
    assert [programs(entry) for entry in logged(config)] == [["repair-12m"]] * 3 + [[]]


def test_product_deliveries_are_deduplicated_and_the_newest_facts_win(tmp_path: Path) -> None:
    shop = ShopifyEmulator(SECRET)
    newer = IPOD.evolve(tags=("new",), updated_at=IPOD.updated_at + timedelta(hours=1))
    with store(tmp_path) as (url, config):
        first = shop.product_request("products/update", newer, webhook_id="p1", event_id="e1")
        assert first.send(url).json()["status"] == "catalogued"
        assert first.send(url).json()["status"] == "duplicate"
        late = shop.product_request("products/update", IPOD, webhook_id="p2", event_id="e2")
        assert late.send(url).json()["status"] == "catalogued"  # taken, but older: no change
    sessions = make_sessions(make_engine(config.store.state_db))
    with sessions() as session:
        catalog = CatalogRecords(session, GspRef(platform="shopify", shop=SHOP))
        known = catalog.products(["921728736"])
    assert known["921728736"].tags == ("new",)


def test_an_order_under_a_product_topic_is_refused(tmp_path: Path, kit: Any) -> None:
    shop = ShopifyEmulator(SECRET)
    with store(tmp_path) as (url, _config):
        refused = shop.request("products/update", kit.fixture_object(IPOD_ORDER)).send(url)
        assert refused.status_code == 400
        assert "not a product" in refused.json()["detail"]
        product_as_order = shop.product_request("products/create", IPOD)
        retopiced = shop.request("orders/paid", product_as_order.body).send(url)
        assert retopiced.status_code == 400


def test_woocommerce_products_match_on_categories_and_tags(tmp_path: Path, kit: Any) -> None:
    woo = WooCommerceEmulator(SECRET)
    order = kit.fixture_object(WOO_ORDER)
    with store(tmp_path, "woocommerce") as (url, config):
        assert woo.product_request("product.created", SINGLE).send(url).json()["status"] == (
            "catalogued"
        )
        assert woo.request("order.created", order).send(url).json()["vouchers"] == 2
        assert woo.product_request("product.deleted", SINGLE).send(url).ok
        second = {**order, "id": 728}
        assert woo.request("order.created", second).send(url).json()["vouchers"] == 0
        restored = SINGLE.evolve(title="Woo Single #1 &amp; B-side")
        assert woo.product_request("product.restored", restored).send(url).ok
        third = {**order, "id": 729}
        assert woo.request("order.created", third).send(url).json()["vouchers"] == 2
    lines = logged(config)[0]["event"]["order"]["lines"]
    enriched = [(line["product_id"], line["catalog"]) for line in lines]
    assert enriched == [("93", True), ("22", False)]
    assert lines[0]["categories"] == ["Music"] and lines[0]["tags"] == ["cd"]


def test_collections_from_a_sync_outlive_a_webhook_that_has_none(tmp_path: Path) -> None:
    gsp = GspRef(platform="shopify", shop=SHOP)
    sessions = make_sessions(make_engine(tmp_path / "state.sqlite3"))
    node = {
        "legacyResourceId": "921728736",
        "title": "IPod Touch 8GB",
        "productType": "Electronics",
        "tags": ["ipod"],
        "updatedAt": "2025-04-01T09:00:00Z",
        "collections": {"nodes": [{"title": "Apple"}, {"title": "Gifts"}]},
    }
    later = ProductUpdate(
        "921728736",
        IPOD.updated_at + timedelta(days=1),
        webhook_product({"id": 921728736, "title": "IPod", "tags": "ipod, sale", "variants": []}),
    )
    with sessions.begin() as session:
        catalog = CatalogRecords(session, gsp)
        assert catalog.apply(graphql_update(node, "node"), IPOD.updated_at)
        assert catalog.apply(later, IPOD.updated_at)
        assert not catalog.apply(graphql_update(node, "node"), IPOD.updated_at)  # older
        product = catalog.products(["921728736"])["921728736"]
    assert product.collections == ("Apple", "Gifts") and product.tags == ("ipod", "sale")
    StatePrivacy(sessions).ascc_shop_redact(gsp)
    with sessions() as session:
        assert session.scalars(select(ProductRecord)).all() == []
        assert session.scalars(select(LineProductRecord)).all() == []
