"""``[catalog]``: where ``ascc store sync-products`` reads the storefront's products."""

from __future__ import annotations

from pydantic import Field

from ascc_plugin.settings import Section


class CatalogSection(Section):
    """``[catalog]``: where ``ascc store sync-products`` reads the storefront's products.

    Shopify: the GraphQL Admin API of ``shop`` (default ``[store] shop``) with an Admin API
    ``access_token`` (scope ``read_products``). WooCommerce: the REST API of ``site_url`` with a
    read-only ``consumer_key``/``consumer_secret`` pair. ``api_url`` replaces the address the
    platform would be reached at (a proxy, or an emulator in tests).
    """

    SECRETS = frozenset({"access_token", "consumer_secret"})

    shop: str = ""
    access_token: str = ""
    api_version: str = Field(default="2025-07", pattern=r"^(\d{4}-\d{2}|unstable)$")
    site_url: str = ""
    consumer_key: str = ""
    consumer_secret: str = ""
    api_url: str = ""
    page_size: int = Field(default=50, ge=1, le=100)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=8, ge=1, le=100)
