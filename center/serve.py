"""``ascc center serve``: the hub under gunicorn (threaded workers by default).

The master process makes the key folder and migrates the database, then forks the workers;
each worker builds its own app (and engine) after the fork, so no connection crosses it.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from ascc_plugin.host import get_plugin_manager
from ascc_plugin.ports import PortBusy, check_bindable
from center import migrate
from center.app import create_app
from center.cli import hub_app
from center.infra.db import get_database


class HubServer(BaseApplication):  # type: ignore[misc]
    """A gunicorn application whose workers each call :func:`center.create_app`."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app(pm=get_plugin_manager())


DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
DEFAULT_WORKER_CLASS = "gthread"


def gunicorn_options(
    host: str, port: int, workers: int, threads: int, worker_class: str
) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": worker_class,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "keepalive": 5,
        "graceful_timeout": 10,
        "control_socket_disable": True,  # several hubs may share a machine: no shared .ctl
    }


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--threads",
    default=DEFAULT_THREADS,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Threads per worker (gthread).",
)
@click.option(
    "--worker-class",
    default=DEFAULT_WORKER_CLASS,
    show_default=True,
    type=click.Choice(["gthread", "sync"]),
)
def serve(host: str, port: int, workers: int, threads: int, worker_class: str) -> None:
    """Run the hub: migrate, then serve with gunicorn until interrupted."""
    try:
        check_bindable(host, port)  # a busy port: one clear line, before anything else
    except PortBusy as exc:
        raise click.ClickException(str(exc)) from None
    with hub_app() as app:
        migrate.upgrade(get_database(app))
        get_database(app).dispose()
    click.echo(f"ASCC center hub on http://{host}:{port}  (API: /openapi.json)", err=True)
    HubServer(gunicorn_options(host, port, workers, threads, worker_class)).run()
