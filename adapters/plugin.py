"""The adapters' entry point in the ``ascc`` group: ``ascc store …`` (serve, outbox,
sync-products), the ``[catalog]`` settings section, the storefront payload mappers and the
catalog enrichment of ``ascc vouchers preview``."""

from __future__ import annotations

from collections.abc import Callable

import click

from adapters.store.catalog_settings import CatalogSection
from ascc_plugin.hooks import hookimpl
from ascc_plugin.models import OrderEvent
from ascc_plugin.settings import Section, Settings


@hookimpl
def ascc_register_commands(cli: click.Group) -> None:
    from adapters.store.cli import store  # loaded when the CLI is built, not with the host

    cli.add_command(store)


@hookimpl
def ascc_register_settings(register: Callable[[str, type[Section]], None]) -> None:
    register("catalog", CatalogSection)


@hookimpl
def ascc_register_payload_mappers(
    register: Callable[[str, Callable[..., OrderEvent]], None],
) -> None:
    from adapters.preview import shopify_event, woocommerce_event

    register("shopify", shopify_event)
    register("woocommerce", woocommerce_event)


@hookimpl
def ascc_enrich_event(config: Settings, event: OrderEvent) -> OrderEvent | None:
    from adapters.preview import enrich_from_state

    return enrich_from_state(config, event)
