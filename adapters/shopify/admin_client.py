"""Every product of a Shopify store, page by page, through the GraphQL Admin API.

``POST {api_url}/admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token``, the
:data:`~adapters.shopify.products.PRODUCTS_QUERY` and cursor pagination (``pageInfo
{hasNextPage endCursor}``). Shopify limits by calculated query cost, a leaky bucket per app and
store: every answer's ``extensions.cost.throttleStatus`` tells the points available and the
restore rate. The client waits before a query the bucket cannot pay for, and a ``THROTTLED``
answer (HTTP 200 or 429) waits until the requested cost is restored, then asks again — so a
throttled sync finishes, only later.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from adapters.api_client import ApiClient, ApiError
from adapters.payload import PayloadError, items, obj
from adapters.products import ProductUpdate
from adapters.shopify.products import PRODUCTS_QUERY, dig, graphql_update

MAX_THROTTLED = 20  # THROTTLED answers in a row before giving up


class ShopifyProducts:
    """Pages of :class:`ProductUpdate` from the ``products`` connection."""

    def __init__(
        self, client: ApiClient, api_url: str, token: str, version: str, page_size: int
    ) -> None:
        self.client, self.page_size = client, page_size
        self.url = f"{api_url}/admin/api/{version}/graphql.json"
        self.headers = {"X-Shopify-Access-Token": token, "Content-Type": "application/json"}
        self.throttled = 0  # THROTTLED answers seen
        self._owed = 0.0  # seconds the bucket needs before the next query can be paid
        self._since = 0.0  # when that was measured (client clock)

    def pages(self) -> Iterator[list[ProductUpdate]]:
        cursor: str | None = None
        while True:
            connection = self._products(cursor)
            nodes = items(connection.get("nodes"), "data.products.nodes")
            yield [graphql_update(node, f"nodes[{i}]") for i, node in enumerate(nodes)]
            info = obj(connection.get("pageInfo"), "data.products.pageInfo")
            if not info.get("hasNextPage"):
                return
            cursor = str(info.get("endCursor"))

    def _products(self, cursor: str | None) -> Mapping[str, Any]:
        variables = {"first": self.page_size, "after": cursor}
        for _ in range(MAX_THROTTLED):
            self.client.pause(self._owed - (self.client.clock() - self._since))
            answer = self._post({"query": PRODUCTS_QUERY, "variables": variables})
            self._remember_cost(answer)
            if not _throttled(answer):
                return obj(dig(answer, "data", "products"), "data.products")
            self.throttled += 1
        raise ApiError(f"{self.url}: still throttled after {MAX_THROTTLED} waits")

    def _post(self, body: dict[str, Any]) -> Mapping[str, Any]:
        response = self.client.call("POST", self.url, json=body, headers=self.headers)
        try:
            answer = obj(response.json(), "the answer")
        except (ValueError, PayloadError):
            raise ApiError(f"{self.url}: the answer is not a JSON object") from None
        errors = [e for e in items(answer.get("errors"), "errors") if not _is_throttle(e)]
        if errors:
            raise ApiError(f"{self.url}: {'; '.join(str(e.get('message')) for e in errors)}")
        return answer

    def _remember_cost(self, answer: Mapping[str, Any]) -> None:
        """How long until the bucket holds this query's requested cost again."""
        cost = dig(answer, "extensions", "cost")
        status = dig(cost, "throttleStatus")
        if not isinstance(status, Mapping):
            self._owed = 0.0
            return
        requested = float(dig(cost, "requestedQueryCost") or 0)
        available = float(status.get("currentlyAvailable") or 0)
        rate = float(status.get("restoreRate") or 1) or 1.0
        self._owed = math.ceil(max(0.0, requested - available) / rate * 10) / 10
        self._since = self.client.clock()


def _is_throttle(error: Mapping[str, Any]) -> bool:
    return bool(dig(error, "extensions", "code") == "THROTTLED")


def _throttled(answer: Mapping[str, Any]) -> bool:
    return any(_is_throttle(e) for e in items(answer.get("errors"), "errors"))
