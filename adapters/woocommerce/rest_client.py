"""Every product of a WooCommerce store, page by page, through the REST API v3.

``GET {site_url}/wp-json/wc/v3/products?per_page=N&page=P&orderby=id&order=asc`` with the
consumer key and secret as HTTP basic auth (WooCommerce accepts basic auth over https only —
:func:`adapters.api_client.check_url` refuses plain http except to loopback). Pages are counted
by ``X-WP-TotalPages``. WooCommerce itself does not rate-limit its REST API, but hosts and
security plugins do (429 with ``Retry-After``): :class:`~adapters.api_client.ApiClient` waits.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests

from adapters.api_client import ApiClient, ApiError
from adapters.payload import PayloadError, items
from adapters.products import ProductUpdate
from adapters.woocommerce.products import rest_update

PRODUCTS_PATH = "/wp-json/wc/v3/products"


class WooCommerceProducts:
    """Pages of :class:`ProductUpdate` from ``/wp-json/wc/v3/products``."""

    def __init__(
        self, client: ApiClient, site_url: str, key: str, secret: str, page_size: int
    ) -> None:
        self.client, self.page_size = client, page_size
        self.url = site_url + PRODUCTS_PATH
        self.auth = (key, secret)

    def pages(self) -> Iterator[list[ProductUpdate]]:
        page, total = 1, 1
        while page <= total:
            params = {"per_page": self.page_size, "page": page, "orderby": "id", "order": "asc"}
            response = self.client.call("GET", self.url, params=params, auth=self.auth)
            products = self._products(_json(response), page)
            if not products:
                return
            yield [rest_update(item, f"page {page}[{i}]") for i, item in enumerate(products)]
            total = _total_pages(response.headers.get("X-WP-TotalPages"), page)
            page += 1

    def _products(self, answer: object, page: int) -> list[object]:
        try:
            if not isinstance(answer, list):
                raise PayloadError("not a JSON array")
            return list(items(answer, f"page {page}"))
        except PayloadError:
            raise ApiError(f"{self.url}: page {page} is not a list of products") from None


def _json(response: requests.Response) -> object:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None  # not JSON: refused below as "not a list of products"


def _total_pages(value: str | None, page: int) -> int:
    """``X-WP-TotalPages`` (missing or garbled: assume this page was the last)."""
    return int(value) if value and value.isdigit() else page
