"""``ascc store …``: every command of the store service in one place.

``serve`` runs the store service under gunicorn (sync workers, the app built once in the master
and the handler's background work started in each worker); ``outbox`` shows what waits for the
center (``mode = "center"``) and drains it by hand; ``sync-products`` fills the product catalog
from the storefront's Admin API (:mod:`adapters.store.sync_cli`).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from adapters.store.app import create_app, handler_of, start_background, stop_background
from adapters.store.outbox_view import print_summary, summary
from adapters.store.sync_cli import sync_products
from ascc_plugin.cli import config_option, echo_json, plugin_manager, settings_of
from ascc_plugin.client.handler import CenterHandler
from ascc_plugin.client.outbox import Outbox
from ascc_plugin.client.settings import CenterSection
from ascc_plugin.host import configure
from ascc_plugin.keys import KeyFolderError
from ascc_plugin.ports import PortBusy, check_bindable
from ascc_plugin.registry import PluginError
from ascc_plugin.serving import GunicornApp, base_options
from ascc_plugin.settings import Settings, SettingsError


@click.group("store")
def store() -> None:
    """The store service: storefront webhooks → vouchers."""


store.add_command(sync_products)


@store.command("serve")
@config_option
@click.option("--host", default=None, help="Address to listen on (default: [store] host).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port to listen on (default: [store] port).",
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Server processes."
)
def serve(config_file: Path, host: str | None, port: int | None, workers: int) -> None:
    """Serve /webhooks/shopify, /webhooks/woocommerce and /healthz for the store of ascc.toml."""
    settings = settings_of(config_file)
    store_section = settings.store
    listen = {
        "host": host or store_section.host,
        "port": store_section.port if port is None else port,
    }
    settings = settings.updated(store_section.model_copy(update=listen))
    try:
        check_bindable(settings.store.host, settings.store.port)  # before anything is printed
        app = create_app(settings, pm=plugin_manager())
    except (SettingsError, KeyFolderError, PluginError, PortBusy) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"ascc store: {settings.store.platform} webhooks for {settings.store.shop} "
        f"on http://{settings.store.host}:{settings.store.port} (mode {settings.store.mode})",
        err=True,
    )
    GunicornApp(lambda: app, serve_options(app, settings, workers)).run()


def serve_options(app: Flask, settings: Settings, workers: int) -> dict[str, object]:
    """Sync workers, unless the handler asks for others (``gsp`` mode: threads for sockets)."""
    asked: dict[str, object] = getattr(handler_of(app), "serving_options", dict)()
    return {
        **base_options(settings.store.host, settings.store.port, workers),
        "worker_class": "sync",
        "timeout": 30,
        "graceful_timeout": 5,
        "preload_app": True,
        "post_fork": lambda _server, _worker: start_background(app),
        "worker_exit": lambda _server, _worker: stop_background(app),
        **asked,
    }


@store.command("outbox")
@config_option
@click.option(
    "--flush",
    is_flag=True,
    help="Attempt every due entry now, once (short timeouts; failures are rescheduled).",
)
@click.option("--retry-parked", is_flag=True, help="Move parked entries back to pending, due now.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def outbox_command(config_file: Path, flush: bool, retry_parked: bool, as_json: bool) -> None:
    """Show the events waiting for the center (pending) or refused by it (parked)."""
    settings = settings_of(config_file)
    handler = open_handler(settings) if flush else None
    outbox = handler.outbox if handler else open_outbox(settings)
    try:
        moved = outbox.retry_parked() if retry_parked else None
        report = handler.flush() if handler else None
        shown = summary(outbox, moved, report)
    finally:
        handler.close() if handler else outbox.close()
    echo_json(shown) if as_json else print_summary(shown)


def open_handler(settings: Settings) -> CenterHandler:
    try:
        handler = configure(plugin_manager(), settings, mode="center")
    except (SettingsError, KeyFolderError) as exc:
        raise click.ClickException(str(exc)) from None
    assert isinstance(handler, CenterHandler)
    return handler


def open_outbox(settings: Settings) -> Outbox:
    path = settings.section(CenterSection).outbox
    try:
        return Outbox(path)
    except Exception as exc:  # sqlite3.Error, OSError: the message names the file
        raise click.ClickException(f"cannot open {path}: {exc}") from None
