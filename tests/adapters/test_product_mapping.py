"""Product bodies → catalog facts (pure), and how facts complete an order line."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.payload import PayloadError, parse_json
from adapters.products import MAX_NAME_LENGTH, Product, enrich_line, names
from adapters.shopify import mapping as shopify
from adapters.shopify.emulator import encode
from adapters.woocommerce import mapping as woocommerce
from ascc_plugin.models import Line

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
SHOPIFY_PRODUCT = {
    "id": 9_007_199_254_740_993,  # past 2**53: must stay exact
    "title": "Trail Jacket",
    "vendor": "Northwind",
    "product_type": "Outerwear",
    "updated_at": "2025-04-22T14:30:00-05:00",
    "tags": " rain,  hiking ,rain, ",
    "variants": [{"id": 1, "price": "129.00", "sku": "TJ-1"}, {"id": 2, "price": "139.00"}],
    "category": {"admin_graphql_api_id": "gid://x", "name": "Coats & Jackets", "full_name": "…"},
}


def test_a_shopify_product_webhook() -> None:
    body = parse_json(encode(SHOPIFY_PRODUCT))
    update = shopify.map_delivery("products/update", body, "d", NOW)
    assert update.product_id == "9007199254740993"
    assert update.modified == datetime(2025, 4, 22, 19, 30, tzinfo=UTC)
    assert update.product == Product(
        id="9007199254740993",
        title="Trail Jacket",
        product_type="Outerwear",
        vendor="Northwind",
        tags=("rain", "hiking"),
        collections=None,  # webhooks carry none: the catalog keeps the synced ones
        categories=("Coats & Jackets",),
        price="129.00",
    )
    deleted = shopify.map_delivery("products/delete", {"id": 5}, "d", NOW)
    assert (deleted.product_id, deleted.modified, deleted.deleted) == ("5", NOW, True)
    with pytest.raises(PayloadError, match="needs the delivery time"):
        shopify.map_delivery("products/delete", {"id": 5}, "d")


def test_a_woocommerce_product_webhook_decodes_entities() -> None:
    body = {
        "id": 22,
        "name": "Ship Your Idea &ndash; Black",
        "date_modified_gmt": "2025-04-22T19:30:00",
        "price": "12.00",
        "categories": [{"id": 1, "name": "Hoodies &amp; Sweatshirts", "slug": "hoodies"}],
        "tags": [{"id": 2, "name": "cotton", "slug": "cotton"}],
        "brands": [{"id": 3, "name": "Woo &amp; Co", "slug": "woo"}],
    }
    update = woocommerce.map_delivery("product.updated", body, "d", NOW)
    assert update.modified == datetime(2025, 4, 22, 19, 30, tzinfo=UTC)
    assert update.product is not None and update.product.title == "Ship Your Idea – Black"
    assert update.product.categories == ("Hoodies & Sweatshirts",)
    assert update.product.vendor == "Woo & Co" and update.product.product_type is None
    restored = woocommerce.map_delivery("product.restored", body, "d", NOW)
    assert restored.restored and not restored.deleted
    deleted = woocommerce.map_delivery("product.deleted", {"id": 22}, "d", NOW)
    assert deleted.deleted and deleted.modified == NOW
    with pytest.raises(PayloadError, match="name is missing"):
        woocommerce.map_delivery("product.updated", {"id": 22, "line_items": []}, "d", NOW)


def test_names_are_distinct_trimmed_and_bounded() -> None:
    assert names([" a ", "b", "a", "", 3, None]) == ("a", "b")
    assert names("not a list") == ()
    assert len(names(["x" * 1000])[0]) == MAX_NAME_LENGTH
    assert len(names([f"t{n}" for n in range(400)])) == 250


def test_the_line_keeps_what_it_says_and_gains_what_it_lacks() -> None:
    line = Line(
        id="1", product_id="22", quantity=1, unit_price=Decimal("12.00"), vendor="Own", tags=("a",)
    )
    product = Product(
        id="22", product_type="Tees", vendor="Other", tags=("b", "a"), collections=None
    )
    enriched = enrich_line(line, product)
    assert (enriched.product_type, enriched.vendor, enriched.tags) == ("Tees", "Own", ("a", "b"))
    assert enriched.collections == () and enriched.catalog
