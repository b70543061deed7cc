"""A Shopify storefront, emulated: real-format webhook bodies and headers, signed.

Bodies are the REST order resource (2025-07 field names) serialised as Shopify does: compact,
with ``/`` escaped as ``\\/`` — so a receiver that re-serialises before verifying fails here
as it would in production. Ids are 64-bit integers, prices decimal strings.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from adapters.emulation import OrderSpec, ProductSpec, RefundSpec, SignedRequest, php_number
from ascc_plugin.signatures import hmac_b64

API_VERSION = "2025-07"


class ShopifyEmulator:
    """Signs deliveries for ``shop`` with the app's ``secret``."""

    def __init__(self, secret: str, shop: str = "demo.myshopify.com") -> None:
        self.secret, self.shop = secret, shop

    def request(
        self,
        topic: str,
        payload: Any,
        *,
        webhook_id: str | None = None,
        event_id: str | None = None,
        triggered_at: str | None = None,
    ) -> SignedRequest:
        """A signed delivery of ``payload`` (an object, or exact ``bytes``) under ``topic``."""
        body = payload if isinstance(payload, bytes) else encode(payload)
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": hmac_b64(self.secret.encode(), body).decode(),
            "X-Shopify-Shop-Domain": self.shop,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        }
        if triggered_at:
            headers["X-Shopify-Triggered-At"] = triggered_at
        return SignedRequest("/webhooks/shopify", headers, body)

    def order_request(self, topic: str, spec: OrderSpec, **ids: str) -> SignedRequest:
        return self.request(topic, order_body(spec), **ids)

    def refund_request(self, spec: OrderSpec, refund: RefundSpec, **ids: str) -> SignedRequest:
        return self.request("refunds/create", refund_body(spec, refund), **ids)

    def product_request(self, topic: str, spec: ProductSpec, **ids: str) -> SignedRequest:
        """``products/create`` or ``products/update`` (the REST product), ``products/delete``."""
        if topic == "products/delete":
            return self.request(topic, {"id": spec.id}, **ids)
        return self.request(topic, product_body(spec), **ids)


def encode(payload: Any) -> bytes:
    """JSON as Shopify writes it: compact, UTF-8, ``/`` escaped."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=php_number)
    return text.replace("/", "\\/").encode()


def financial_status(spec: OrderSpec) -> str:
    if not spec.paid:
        return "pending"
    if spec.fully_refunded():
        return "refunded"
    return "partially_refunded" if spec.refunds else "paid"


def order_body(spec: OrderSpec) -> dict[str, Any]:
    """The REST order resource for ``spec``."""
    customer = spec.customer
    return {
        "id": spec.id,
        "admin_graphql_api_id": f"gid://shopify/Order/{spec.id}",
        "name": f"#{spec.number}",
        "order_number": spec.number,
        "email": customer.email if customer and customer.email else "",
        "created_at": spec.created_at.isoformat(),
        "updated_at": spec.updated_at.isoformat(),
        "cancelled_at": spec.updated_at.isoformat() if spec.cancelled else None,
        "currency": spec.currency,
        "presentment_currency": spec.currency,
        "total_price": str(spec.total()),
        "financial_status": financial_status(spec),
        "fulfillment_status": "fulfilled" if spec.fulfilled else None,
        "customer": customer_body(spec),
        "line_items": [
            {
                "id": line.id,
                "title": line.title,
                "name": line.title,
                "quantity": line.quantity,
                "price": line.price,
                "sku": line.sku,
                "product_id": line.product_id,
                "vendor": line.vendor,
                "variant_id": None,
            }
            for line in spec.lines
        ],
        "refunds": [refund_body(spec, refund) for refund in spec.refunds],
    }


def customer_body(spec: OrderSpec) -> dict[str, Any] | None:
    customer = spec.customer
    if customer is None:
        return None
    return {
        "id": customer.id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
    }


def refund_body(spec: OrderSpec, refund: RefundSpec) -> dict[str, Any]:
    """The refund object (the ``refunds/create`` body)."""
    return {
        "id": refund.id,
        "order_id": spec.id,
        "created_at": refund.created_at.isoformat(),
        "note": None,
        "restock": True,
        "refund_line_items": [
            {
                "id": refund.id * 10 + n,
                "line_item_id": line_id,
                "quantity": quantity,
                "restock_type": "return",
            }
            for n, (line_id, quantity) in enumerate(sorted(refund.lines.items()))
        ],
        "transactions": [],
        "order_adjustments": [],
    }


def product_body(spec: ProductSpec) -> dict[str, Any]:
    """The REST product resource of a ``products/create|update`` webhook (API 2025-07)."""
    stamp = spec.updated_at.isoformat()
    category = spec.categories[0] if spec.categories else None
    variant_gid = f"gid://shopify/ProductVariant/{spec.id * 10}"
    return {
        "admin_graphql_api_id": f"gid://shopify/Product/{spec.id}",
        "body_html": f"<p>{spec.title}</p>",
        "created_at": stamp,
        "handle": spec.title.lower().replace(" ", "-"),
        "id": spec.id,
        "product_type": spec.product_type,
        "published_at": stamp,
        "template_suffix": "",
        "title": spec.title,
        "updated_at": stamp,
        "vendor": spec.vendor,
        "status": "active",
        "published_scope": "global",
        "tags": ", ".join(spec.tags),
        "variants": [
            {
                "admin_graphql_api_id": variant_gid,
                "id": spec.id * 10,
                "product_id": spec.id,
                "title": "Default Title",
                "price": spec.price,
                "sku": spec.sku,
                "position": 1,
                "inventory_policy": "deny",
                "compare_at_price": None,
                "created_at": stamp,
                "updated_at": stamp,
                "taxable": True,
            }
        ],
        "options": [{"id": spec.id * 100, "product_id": spec.id, "name": "Title"}],
        "images": [],
        "image": None,
        "variant_gids": [{"admin_graphql_api_id": variant_gid, "updated_at": stamp}],
        "has_variants_that_requires_components": False,
        "category": {
            "admin_graphql_api_id": "gid://shopify/TaxonomyCategory/el-4-8",
            "name": category,
            "full_name": f"Electronics > {category}",
        }
        if category
        else None,
    }
