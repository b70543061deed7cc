"""Filling the catalog from the storefront's Admin API (``ascc store sync-products``).

The platform's client (:mod:`adapters.shopify.admin_client`,
:mod:`adapters.woocommerce.rest_client`) pages through every product; each page is committed in
its own transaction, so an interrupted sync keeps what it read and a second run completes it.
Products go through :meth:`CatalogRecords.apply` like webhooks: a product a webhook described
more recently than the listing is left as the webhook said.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import requests
from sqlalchemy.orm import Session, sessionmaker

from adapters.api_client import ApiClient, ApiError, check_url
from adapters.products import ProductUpdate
from adapters.shopify.admin_client import ShopifyProducts
from adapters.store.catalog import CatalogRecords
from adapters.store.catalog_settings import CatalogSection
from adapters.woocommerce.rest_client import WooCommerceProducts
from ascc_plugin.models import GspRef
from ascc_plugin.settings import Settings


class ProductSource(Protocol):
    def pages(self) -> Iterator[list[ProductUpdate]]: ...


@dataclass
class SyncReport:
    """What one sync did; ``waits`` are the pauses the API's limits cost (seconds)."""

    products: int = 0
    pages: int = 0
    changed: int = 0
    throttled: int = 0
    waits: list[float] = field(default_factory=list)
    catalog: int = 0  # products the catalog knows afterwards

    def to_json(self) -> dict[str, Any]:
        return {
            "products": self.products,
            "pages": self.pages,
            "changed": self.changed,
            "catalog": self.catalog,
            "throttled": self.throttled,
            "waits": len(self.waits),
            "waited_seconds": round(sum(self.waits), 3),
        }


def product_source(config: Settings, client: ApiClient) -> ShopifyProducts | WooCommerceProducts:
    """The client of ``[store] platform`` from ``[catalog]``; ApiError names a missing setting."""
    catalog, where = config.section(CatalogSection), config.where()
    if config.store.platform == "shopify":
        if not catalog.access_token:
            raise ApiError(f"{where}: catalog.access_token: set the Admin API access token")
        shop = catalog.shop or config.store.shop
        url = check_url(catalog.api_url or f"https://{shop}")
        return ShopifyProducts(
            client, url, catalog.access_token, catalog.api_version, catalog.page_size
        )
    if not (catalog.consumer_key and catalog.consumer_secret):
        raise ApiError(f"{where}: catalog.consumer_key/consumer_secret: set a read-only REST key")
    if not (catalog.api_url or catalog.site_url):
        raise ApiError(f"{where}: catalog.site_url: set the WordPress site's address")
    url = check_url(catalog.api_url or catalog.site_url)
    key, secret = catalog.consumer_key, catalog.consumer_secret
    return WooCommerceProducts(client, url, key, secret, catalog.page_size)


def api_client(config: Settings, session: requests.Session, **injected: Any) -> ApiClient:
    """The HTTP client with ``[catalog]``'s timeout and attempts (``sleep``, ``clock`` … given
    by tests)."""
    catalog = config.section(CatalogSection)
    return ApiClient(
        session, timeout=catalog.timeout_seconds, max_attempts=catalog.max_attempts, **injected
    )


def run_sync(
    source: ProductSource,
    sessions: sessionmaker[Session],
    gsp: GspRef,
    clock: Callable[[], datetime],
) -> SyncReport:
    """Apply every page of ``source`` to the catalog of ``gsp``, one transaction per page."""
    report = SyncReport()
    for page in source.pages():
        with sessions.begin() as session:
            records = CatalogRecords(session, gsp)
            report.changed += sum(records.apply(update, clock()) for update in page)
        report.pages += 1
        report.products += len(page)
    with sessions.begin() as session:
        report.catalog = CatalogRecords(session, gsp).count()
    report.throttled = getattr(source, "throttled", 0)
    return report
