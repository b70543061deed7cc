"""``ascc center …``: run, migrate and administer the hub from the command line."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ascc_plugin.cli import echo_json, plugin_manager
from ascc_plugin.keys import KeyFolderError, write_private
from ascc_plugin.sealing import add_key
from ascc_plugin.settings import SettingsError, config_file, load_settings
from center import migrate
from center.api.hub import current_hub
from center.app import create_app
from center.infra.db import get_database
from center.infra.problems import Problem
from center.infra.secrets import KEY_FILE, reseal_column, seal_for
from center.parties import services as parties
from center.parties.models import Gsp
from center.records.services import RecordFilter, list_records
from center.settings import HubSettings
from center.webhooks.models import WebhookEndpoint

T = TypeVar("T")
SEALED_COLUMNS = ((Gsp.id, Gsp.signing_secret), (WebhookEndpoint.id, WebhookEndpoint.secret))
"""Every column holding a secret sealed at rest (``ascc center rotate-key`` re-seals them)."""
CSV_COLUMNS = (
    "voucher_id",
    "gsp_id",
    "provider_id",
    "program",
    "kind",
    "order_id",
    "line_id",
    "unit",
    "state",
    "valid_until",
    "customer_email",
    "created_at",
    "updated_at",
)


CONFIG_META = "ascc.center.config"


def hub_settings(file: Path | None = None) -> HubSettings:
    """``[hub]`` of ``file``, else of ``ascc center --config``/``ASCC_CONFIG``/``./ascc.toml``."""
    if file is None:
        file = click.get_current_context().meta.get(CONFIG_META)
    try:
        return load_settings(config_file(file), plugin_manager()).section(HubSettings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def hub_app(settings: HubSettings | None = None) -> Iterator[Flask]:
    """The hub app (from the command's settings unless given); errors become CLI errors."""
    settings = settings or hub_settings()
    try:
        app = create_app(settings, pm=plugin_manager())
        with app.app_context():
            yield app
        get_database(app).dispose()
    except (SettingsError, KeyFolderError) as exc:
        raise click.ClickException(str(exc)) from None
    except Problem as exc:
        raise click.ClickException(exc.detail) from None
    except SQLAlchemyError as exc:
        raise click.ClickException(database_error(exc)) from None


def database_error(exc: SQLAlchemyError) -> str:
    """A database failure in one line; a database without the schema says what to run."""
    first = str(exc).splitlines()[0]
    if "no such table" in first or ("relation" in first and "does not exist" in first):
        return "the database has no ASCC schema yet: run 'ascc center init-db' first"
    return f"database error: {exc.__class__.__name__}: {first}"


def in_transaction(work: Callable[[Session], T]) -> T:
    hub = current_hub()
    with hub.database.transaction() as session:
        return work(session)


@click.group()
@click.option(
    "--config",
    "config_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file with a [hub] table (default: $ASCC_CONFIG, else ./ascc.toml if present).",
)
@click.pass_context
def center(ctx: click.Context, config_path: Path | None) -> None:
    """The ASCC center hub (settings: the [hub] table, ASCC_* variables)."""
    ctx.meta[CONFIG_META] = config_path


@center.command("init-db")
def init_db() -> None:
    """Create or migrate the hub's database to the newest schema (and make the key folder)."""
    with hub_app() as app:
        migrate.upgrade(get_database(app))
        click.echo(f"database ready: {get_database(app).engine.url.render_as_string()}")


@center.command("add-gsp")
@click.option("--name", required=True, help="The store's name.")
@click.option("--platform", required=True, type=click.Choice(["shopify", "woocommerce"]))
@click.option("--shop", required=True, help="The shop domain (the ASCC-Domain header).")
@click.option("--webhook-url", default=None, help="Where the hub sends the store's webhooks.")
def add_gsp(name: str, platform: str, shop: str, webhook_url: str | None) -> None:
    """Register a store; prints its id, API key and signing secret (shown once)."""
    with hub_app() as app:
        now = current_hub().clock()
        echo_json(
            in_transaction(
                lambda s: parties.add_gsp(
                    s,
                    name=name,
                    platform=platform,
                    shop=shop.strip().lower(),
                    now=now,
                    webhook_url=webhook_url,
                )
            )
        )
        del app


@center.command("add-provider")
@click.option("--name", required=True, help="The provider's name.")
@click.option("--categories", required=True, help="Program kinds served, comma-separated.")
@click.option("--region", default=None, help="Where the provider works.")
@click.option(
    "--capacity",
    default=10,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="How many open cases at once.",
)
@click.option("--description", default="", help="A short public description.")
@click.option("--email", default=None, help="The provider's contact e-mail (kept private).")
def add_provider(
    name: str,
    categories: str,
    region: str | None,
    capacity: int,
    description: str,
    email: str | None,
) -> None:
    """Register a provider; prints its id and API key (shown once)."""
    with hub_app():
        now = current_hub().clock()
        echo_json(
            in_transaction(
                lambda s: parties.add_provider(
                    s,
                    name=name,
                    categories=categories.split(","),
                    region=region,
                    capacity=capacity,
                    description=description,
                    email=email,
                    now=now,
                )
            )
        )


@center.command("rotate-key")
@click.option(
    "--retire-old", is_flag=True, help="Drop the older keys from the key file afterwards."
)
def rotate_key(retire_old: bool) -> None:
    """Seal every store's signing secret again under a new key (or the first ASCC_SECRETS_KEY).

    Without [hub] secrets_key, a new key is put first in the key folder's secrets.key (older
    keys stay, so running workers still open everything, unless --retire-old); with it, put the
    new key first in that setting ("new,old") and run this command to re-seal under it.
    """
    settings = hub_settings()
    path = settings.keys_dir / KEY_FILE
    if settings.secrets_key and retire_old:
        raise click.UsageError("with [hub] secrets_key, drop old keys from that setting instead")
    if not settings.secrets_key:
        add_key(path)
    seal = seal_for(settings.keys_dir, settings.secrets_key)
    with hub_app(settings):
        count = in_transaction(
            lambda s: sum(reseal_column(s, key, value, seal) for key, value in SEALED_COLUMNS)
        )
    if retire_old:
        write_private(path, seal.keys[0] + b"\n")
    echo_json({"resealed": count, "keys": 1 if retire_old else len(seal.keys)})


@center.command("records")
@click.option("--gsp", default=None, help="A store id.")
@click.option("--customer", default=None, help="A customer's e-mail.")
@click.option("--provider", default=None, help="A provider id.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
def records(gsp: str | None, customer: str | None, provider: str | None, fmt: str) -> None:
    """Print the records of one store, customer or provider (operator view)."""
    if sum(x is not None for x in (gsp, customer, provider)) != 1:
        raise click.UsageError("give exactly one of --gsp, --customer, --provider")
    with hub_app():
        items = all_records(RecordFilter(gsp=gsp, customer=customer, provider=provider))
    if fmt == "json":
        echo_json(items)
    else:
        click.echo(to_csv(items), nl=False)


def all_records(wanted: RecordFilter) -> list[dict[str, Any]]:
    hub, items, cursor = current_hub(), [], None
    while True:
        with hub.database.transaction(write=False) as session:
            page = list_records(session, wanted, cursor, 200)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def to_csv(items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow({**item, "customer_email": (item["customer"] or {}).get("email")})
    return out.getvalue()
