"""A WooCommerce store, emulated: REST v3 webhook bodies and ``X-WC-*`` headers, signed.

As WooCommerce does: the body is the order object (``_links`` included), line ``price`` is the
PHP float of line total ÷ quantity written as a JSON number, times are naive (``*_gmt`` in UTC),
the signature is base64 HMAC-SHA256 of the body keyed with the HTML-entity-decoded secret, and
``X-WC-Webhook-Delivery-ID`` is a hash of the webhook id and the current second (not unique).
"""

from __future__ import annotations

import hashlib
import html
import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.emulation import OrderSpec, ProductSpec, RefundSpec, SignedRequest, php_number
from ascc_plugin.signatures import hmac_b64

WC_VERSION = "9.8.5"


class WooCommerceEmulator:
    """Signs deliveries of webhook ``webhook_id`` with ``secret`` as stored in WooCommerce."""

    def __init__(
        self, secret: str, site: str = "https://shop.example.com", webhook_id: int = 7
    ) -> None:
        self.secret, self.site, self.webhook_id = secret, site.rstrip("/"), webhook_id

    def request(self, topic: str, payload: Any) -> SignedRequest:
        """A signed delivery of ``payload`` (an object, or exact ``bytes``) under ``topic``."""
        body = payload if isinstance(payload, bytes) else encode(payload)
        resource, _, event = topic.partition(".")
        stamp = f"{self.webhook_id}{int(time.time())}".encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"WooCommerce/{WC_VERSION} Hookshot (WordPress/6.8)",
            "X-WC-Webhook-Source": self.site + "/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": hmac_b64(html.unescape(self.secret).encode(), body).decode(),
            "X-WC-Webhook-ID": str(self.webhook_id),
            "X-WC-Webhook-Delivery-ID": hashlib.sha256(stamp).hexdigest()[:32],
        }
        return SignedRequest("/webhooks/woocommerce", headers, body)

    def ping(self) -> SignedRequest:
        """The unsigned creation ping WooCommerce sends when the webhook is saved."""
        body = f"webhook_id={self.webhook_id}".encode()
        return SignedRequest(
            "/webhooks/woocommerce", {"Content-Type": "application/x-www-form-urlencoded"}, body
        )

    def order_request(self, topic: str, spec: OrderSpec) -> SignedRequest:
        return self.request(topic, order_body(spec, self.site))

    def deleted_request(self, spec: OrderSpec) -> SignedRequest:
        return self.request("order.deleted", {"id": spec.id})

    def refund_request(self, spec: OrderSpec, refund: RefundSpec) -> SignedRequest:
        return self.request("order_refund.created", refund_body(spec, refund, self.site))

    def product_request(self, topic: str, spec: ProductSpec) -> SignedRequest:
        """``product.created|updated|restored`` (the REST v3 product), ``product.deleted``."""
        if topic == "product.deleted":
            return self.request(topic, {"id": spec.id})
        return self.request(topic, product_body(spec, self.site))


def encode(payload: Any) -> bytes:
    """JSON as WordPress writes it (``wp_json_encode``: compact, ``/`` escaped)."""
    return (
        json.dumps(payload, separators=(",", ":"), default=php_number).replace("/", "\\/").encode()
    )


def naive(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def status(spec: OrderSpec) -> str:
    if spec.cancelled:
        return "cancelled"
    if spec.paid and spec.fully_refunded():
        return "refunded"
    if spec.fulfilled:
        return "completed"
    return "processing" if spec.paid else "pending"


def order_body(spec: OrderSpec, site: str) -> dict[str, Any]:
    """The REST v3 order object for ``spec``."""
    customer = spec.customer
    return {
        "id": spec.id,
        "parent_id": 0,
        "number": str(spec.id),
        "status": status(spec),
        "currency": spec.currency,
        "version": WC_VERSION,
        "prices_include_tax": False,
        "date_created": naive(spec.created_at),
        "date_created_gmt": naive(spec.created_at),
        "date_modified": naive(spec.updated_at),
        "date_modified_gmt": naive(spec.updated_at),
        "date_paid_gmt": naive(spec.updated_at) if spec.paid else None,
        "total": str(spec.total()),
        "customer_id": (customer.id or 0) if customer else 0,
        "billing": {
            "first_name": (customer.first_name or "") if customer else "",
            "last_name": (customer.last_name or "") if customer else "",
            "email": (customer.email or "") if customer else "",
            "phone": (customer.phone or "") if customer else "",
        },
        "line_items": [
            {
                "id": line.id,
                "name": html.escape(line.title),
                "product_id": line.product_id or 0,
                "variation_id": 0,
                "quantity": line.quantity,
                "subtotal": str(line.total()),
                "total": str(line.total()),
                "sku": line.sku or "",
                "meta_data": [],
                # WooCommerce computes price as a PHP float: total / quantity
                "price": float(line.total()) / max(1, line.quantity),
            }
            for line in spec.lines
        ],
        "refunds": [
            {"id": refund.id, "reason": "", "total": f"-{refund_amount(spec, refund)}"}
            for refund in spec.refunds
        ],
        "_links": {"self": [{"href": f"{site}/wp-json/wc/v3/orders/{spec.id}"}]},
    }


def refund_amount(spec: OrderSpec, refund: RefundSpec) -> str:
    prices = {line.id: Decimal(line.price) for line in spec.lines}
    total = sum((prices[i] * q for i, q in refund.lines.items() if i in prices), Decimal(0))
    return f"{total:.2f}"


def refund_body(spec: OrderSpec, refund: RefundSpec, site: str) -> dict[str, Any]:
    """The refund object: line items with negative quantities and ``_refunded_item_id``."""
    return {
        "id": refund.id,
        "date_created": naive(refund.created_at),
        "date_created_gmt": naive(refund.created_at),
        "amount": refund_amount(spec, refund),
        "reason": "",
        "refunded_by": 1,
        "refunded_payment": False,
        "meta_data": [],
        "line_items": [
            {
                "id": refund.id * 10 + n,
                "product_id": 0,
                "variation_id": 0,
                "quantity": -quantity,
                "meta_data": [
                    {"id": refund.id * 100 + n, "key": "_refunded_item_id", "value": str(line_id)}
                ],
            }
            for n, (line_id, quantity) in enumerate(sorted(refund.lines.items()))
        ],
        "_links": {"up": [{"href": f"{site}/wp-json/wc/v3/orders/{spec.id}"}]},
    }


def terms(values: tuple[str, ...], first_id: int) -> list[dict[str, Any]]:
    """WordPress terms as the REST API lists them (names HTML-escaped as WordPress stores them)."""
    return [
        {"id": first_id + n, "name": html.escape(name), "slug": name.lower().replace(" ", "-")}
        for n, name in enumerate(values)
    ]


def product_body(spec: ProductSpec, site: str) -> dict[str, Any]:
    """The REST v3 product object: a ``product.*`` webhook body and an item of the list."""
    return {
        "id": spec.id,
        "name": html.escape(spec.title),
        "slug": spec.title.lower().replace(" ", "-"),
        "permalink": f"{site}/product/{spec.id}/",
        "date_created": naive(spec.updated_at),
        "date_created_gmt": naive(spec.updated_at),
        "date_modified": naive(spec.updated_at),
        "date_modified_gmt": naive(spec.updated_at),
        "type": "simple",
        "status": "publish",
        "sku": spec.sku,
        "price": spec.price,
        "regular_price": spec.price,
        "sale_price": "",
        "categories": terms(spec.categories, 15),
        "tags": terms(spec.tags, 34),
        "brands": terms((spec.vendor,) if spec.vendor else (), 60),
        "meta_data": [],
        "_links": {
            "self": [{"href": f"{site}/wp-json/wc/v3/products/{spec.id}"}],
            "collection": [{"href": f"{site}/wp-json/wc/v3/products"}],
        },
    }
