"""At store start: programs that cannot match anything as the store stands, said in the log.

Shopify and WooCommerce order lines carry no product type, tags, collections or categories:
a program whose rule names one of them (:meth:`ascc_plugin.programs.Match.catalog_keys`) can
match only lines the product catalog completed. While the catalog is empty each such program
is named with what to do; WooCommerce has no product type at all, so a ``product_type`` rule
there is named whatever the catalog holds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy.orm import Session, sessionmaker

from adapters.store.catalog import CatalogRecords
from ascc_plugin.models import GspRef
from ascc_plugin.programs import Program
from ascc_plugin.settings import Settings

log = logging.getLogger(__name__)
PLATFORM_NAMES = {"shopify": "Shopify", "woocommerce": "WooCommerce"}


def catalog_warnings(platform: str, programs: Iterable[Program], products: int) -> list[str]:
    """What to warn about ``programs`` on ``platform`` with ``products`` in the catalog."""
    name = PLATFORM_NAMES.get(platform, platform)
    warnings = []
    for program in programs:
        keys = program.match.catalog_keys()
        if keys and not products:
            warnings.append(
                f"program {program.id!r} matches on {', '.join(keys)}, which {name} order lines "
                "never carry, and the product catalog is empty: it matches no line until product "
                "webhooks arrive or `ascc store sync-products` runs"
            )
        if platform == "woocommerce" and "product_type" in keys:
            warnings.append(
                f"program {program.id!r} matches on product_type, which WooCommerce products do "
                "not have: match on category or tag instead"
            )
    return warnings


def warn_at_start(config: Settings, sessions: sessionmaker[Session]) -> list[str]:
    """Log :func:`catalog_warnings` for the configured store; returns them."""
    gsp = GspRef(platform=config.store.platform, shop=config.store.shop)
    with sessions() as session:
        products = CatalogRecords(session, gsp).count()
    warnings = catalog_warnings(config.store.platform, config.programs, products)
    for warning in warnings:
        log.warning("%s", warning)
    return warnings
