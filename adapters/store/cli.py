"""``ascc store serve``: the store service under gunicorn (sync workers, app built once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from adapters.store.app import create_app, start_background, stop_background
from ascc_plugin.cli import config_option, plugin_manager
from ascc_plugin.config import ConfigError, load_config
from ascc_plugin.host import PluginError
from ascc_plugin.keys import KeyFolderError
from ascc_plugin.ports import PortBusy, check_bindable


@click.command("serve")
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
    try:
        config = load_config(config_file)
        listen = {
            "host": host or config.store.host,
            "port": config.store.port if port is None else port,
        }
        config = config.model_copy(update={"store": config.store.model_copy(update=listen)})
        check_bindable(config.store.host, config.store.port)  # before anything is printed
        app = create_app(config, pm=plugin_manager())
    except (ConfigError, KeyFolderError, PluginError, PortBusy) as exc:
        raise click.ClickException(str(exc)) from None
    bind = f"{config.store.host}:{config.store.port}"
    click.echo(
        f"ascc store: {config.store.platform} webhooks for {config.store.shop} "
        f"on http://{bind} (mode {config.store.mode})",
        err=True,
    )
    Server(
        app,
        {
            "bind": bind,
            "workers": workers,
            "worker_class": "sync",
            "control_socket_disable": True,  # several services share a machine: no shared .ctl
            "timeout": 30,
            "graceful_timeout": 5,
            "preload_app": True,
            "post_fork": lambda _server, _worker: start_background(app),
            "worker_exit": lambda _server, _worker: stop_background(app),
        },
    ).run()


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn serving an app object built in this process."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application
