"""The adapters' entry point in the ``ascc`` group: ``ascc store serve`` and
``ascc store sync-products``, the storefront payload mappers and the catalog of
``ascc vouchers preview``."""

from __future__ import annotations

from collections.abc import Callable

import click

from ascc_plugin.cli import ensure_group
from ascc_plugin.config import StoreConfig
from ascc_plugin.hooks import hookimpl
from ascc_plugin.models import OrderEvent


@hookimpl
def ascc_register_commands(cli: click.Group) -> None:
    from adapters.store.cli import serve  # loaded when the CLI is built, not with the host
    from adapters.store.sync_cli import sync_products

    group = ensure_group(cli, "store", "The store service: storefront webhooks → vouchers.")
    group.add_command(serve)
    group.add_command(sync_products)


@hookimpl
def ascc_register_payload_mappers(
    register: Callable[[str, Callable[..., OrderEvent]], None],
) -> None:
    from adapters.preview import shopify_event, woocommerce_event

    register("shopify", shopify_event)
    register("woocommerce", woocommerce_event)


@hookimpl
def ascc_enrich_event(config: StoreConfig, event: OrderEvent) -> OrderEvent | None:
    from adapters.preview import enrich_from_state

    return enrich_from_state(config, event)
