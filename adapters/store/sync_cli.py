"""``ascc store sync-products``: read every product of the store into its catalog, now."""

from __future__ import annotations

from pathlib import Path

import click
import requests

from adapters.api_client import ApiError
from adapters.payload import PayloadError
from adapters.store.db import make_engine, make_sessions
from adapters.store.sync import SyncReport, api_client, product_source, run_sync
from ascc_plugin.cli import config_option, echo_json, settings_of
from ascc_plugin.clock import utcnow
from ascc_plugin.models import GspRef


@click.command("sync-products")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def sync_products(config_file: Path, as_json: bool) -> None:
    """Fill the product catalog (state database) from the storefront's Admin API ([catalog]).

    Pages through every product, waiting as the API's rate limit asks; safe to run again (the
    newest facts win) and while the store service is running.
    """
    config = settings_of(config_file)
    gsp = GspRef(platform=config.store.platform, shop=config.store.shop)
    engine = make_engine(config.store.state_db)
    try:
        with requests.Session() as session:
            client = api_client(config, session)
            report = run_sync(product_source(config, client), make_sessions(engine), gsp, utcnow)
            report.waits = client.waits
    except ApiError as exc:
        raise click.ClickException(str(exc)) from None
    except PayloadError as exc:  # a listed item the mapping refuses: say which, keep the pages read
        raise click.ClickException(
            f"the API listed something that is not a product: {exc}"
        ) from None
    finally:
        engine.dispose()
    echo_json(report.to_json()) if as_json else click.echo(describe(report, config.store.shop))


def describe(report: SyncReport, shop: str) -> str:
    waited = ""
    if report.waits:
        waited = (
            f"; waited {sum(report.waits):.1f} s in {len(report.waits)} pause(s) for the "
            f"API's rate limit ({report.throttled} throttled answer(s))"
        )
    return (
        f"{shop}: read {report.products} products in {report.pages} page(s), "
        f"{report.changed} new or changed; the catalog holds {report.catalog}{waited}"
    )
