"""A Shopify store's GraphQL Admin API, emulated: the ``products`` query, paged and throttled.

``POST /admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token`` answers the
``products(first:, after:)`` query (any other query gets a GraphQL error) with real-shaped nodes
(:func:`product_node`), opaque cursors and ``pageInfo``. Query cost works as Shopify documents
it: a leaky bucket of points (``maximum``, refilled at ``restore_rate`` per second) must hold
the *requested* cost before a query runs, the difference to the *actual* cost is refunded, and
an unpaid query gets ``THROTTLED`` with ``extensions.cost.throttleStatus``. The bucket's clock is
injected, so a test that lets the client "sleep" on a fake clock sees the points come back.
Costs are approximations: :data:`NODE_COST` points per requested product, 2 per connection.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any

from flask import Flask, Response, jsonify, request

from adapters.emulation import ProductSpec
from adapters.emulation_server import LoopbackServer
from adapters.shopify.emulator import API_VERSION

NODE_COST = 15  # a product with its category, price range and up to 10 collections
REFUSED = "[API] Invalid API key or access token (unrecognized login or wrong password)"
THROTTLED = {
    "message": "Throttled",
    "extensions": {
        "code": "THROTTLED",
        "documentation": "https://shopify.dev/api/usage/rate-limits",
    },
}


class CostBucket:
    """Shopify's leaky bucket of query cost points."""

    def __init__(
        self, maximum: float, restore_rate: float, clock: Callable[[], float], available: float
    ) -> None:
        self.maximum, self.rate, self.clock = maximum, restore_rate, clock
        self.available, self.at = available, clock()

    def refill(self) -> None:
        now = self.clock()
        self.available = min(self.maximum, self.available + (now - self.at) * self.rate)
        self.at = now

    def status(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": int(self.available),
            "restoreRate": self.rate,
        }


class ShopifyAdminEmulator:
    """The Admin API of a store holding ``products``; counts what it answered."""

    def __init__(
        self,
        products: Sequence[ProductSpec],
        token: str,
        *,
        maximum: float = 1000.0,
        restore_rate: float = 100.0,
        available: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        version: str = API_VERSION,
    ) -> None:
        self.products = sorted(products, key=lambda p: p.id)
        self.token, self.version = token, version
        start = maximum if available is None else available
        self.bucket = CostBucket(maximum, restore_rate, clock, start)
        self.answered = 0
        self.throttled = 0

    def app(self) -> Flask:
        app = Flask("shopify-admin-emulator")
        path = "/admin/api/<version>/graphql.json"
        app.add_url_rule(path, "graphql", self.graphql, methods=["POST"])
        return app

    def serve(self) -> LoopbackServer:
        return LoopbackServer(self.app())

    def graphql(self, version: str) -> Response | tuple[Response, int]:
        if request.headers.get("X-Shopify-Access-Token") != self.token:
            return jsonify(errors=REFUSED), 401
        if version != self.version:
            return jsonify(errors="Not Found"), 404
        body = request.get_json(silent=True) or {}
        if "products(" not in str(body.get("query", "")):
            return jsonify(errors=[{"message": "emulator: only the products query is served"}])
        variables = body.get("variables") or {}
        first, after = int(variables.get("first") or 0), variables.get("after")
        return jsonify(self.products_answer(first, after))

    def products_answer(self, first: int, after: str | None) -> dict[str, Any]:
        """One page, or ``THROTTLED`` when the bucket cannot pay for the requested cost."""
        requested = 2 + first * NODE_COST
        self.bucket.refill()
        if requested > self.bucket.available:
            self.throttled += 1
            return {"errors": [THROTTLED], "extensions": self.cost(requested, None)}
        start = decode_cursor(after)
        page = self.products[start : start + first]
        actual = 2 + sum(3 + len(p.collections) for p in page)
        self.bucket.available -= actual
        self.answered += 1
        end = start + len(page)
        connection = {
            "nodes": [product_node(p) for p in page],
            "pageInfo": {"hasNextPage": end < len(self.products), "endCursor": encode_cursor(end)},
        }
        return {"data": {"products": connection}, "extensions": self.cost(requested, actual)}

    def cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.bucket.status(),
            }
        }


def encode_cursor(position: int) -> str:
    return base64.b64encode(f'{{"last_id":{position},"last_value":"{position}"}}'.encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    text = base64.b64decode(cursor).decode()
    return int(text.split('"last_id":')[1].split(",")[0])


def product_node(spec: ProductSpec) -> dict[str, Any]:
    """A ``Product`` node with the fields of the sync query, as the Admin API serialises them."""
    return {
        "legacyResourceId": str(spec.id),
        "title": spec.title,
        "productType": spec.product_type,
        "vendor": spec.vendor,
        "tags": list(spec.tags),
        "updatedAt": spec.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "category": {"name": spec.categories[0]} if spec.categories else None,
        "collections": {"nodes": [{"title": title} for title in spec.collections]},
        "priceRangeV2": {"minVariantPrice": {"amount": spec.price, "currencyCode": "USD"}},
    }
