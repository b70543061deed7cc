"""``ascc center serve``: the hub under gunicorn (threaded workers by default).

The master process loads the settings, makes the key folder and migrates the database, then
forks the workers; each worker builds its own app (and engine) from those settings after the
fork, so no connection crosses it.

The channel's sockets are served here too. Each open socket holds one gunicorn thread for its
whole life, so a gthread worker gets ``--threads`` threads for HTTP requests *plus*
``channel_max_sockets`` threads for sockets, and the socket route refuses (503) beyond that:
sockets can never starve the API (README, "The channel": the measured cost per socket). On
SIGTERM every socket is closed with 1012 so clients reconnect to the next worker at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ascc_plugin.cli import plugin_manager
from ascc_plugin.ports import PortBusy, check_bindable
from ascc_plugin.serving import GunicornApp, base_options
from center import migrate
from center.app import create_app
from center.channel.relay import close_on_sigterm
from center.cli import CONFIG_META, hub_app, hub_settings
from center.infra.db import get_database
from center.ops.logs import configure_logging
from center.ops.metrics import MULTIPROC_ENV

DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
DEFAULT_WORKER_CLASS = "gthread"


def gunicorn_options(
    host: str, port: int, workers: int, threads: int, worker_class: str, sockets: int = 0
) -> dict[str, Any]:
    """``threads`` for HTTP requests plus one per channel socket (gthread workers)."""
    return {
        **base_options(host, port, workers),
        "threads": threads + (sockets if worker_class == "gthread" else 0),
        "worker_class": worker_class,
        "keepalive": 5,
        "graceful_timeout": 10,
        "post_worker_init": close_on_sigterm,
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
    help="Threads per worker for HTTP requests (gthread); channel sockets get their own "
    "([hub] channel_max_sockets per worker).",
)
@click.option(
    "--worker-class",
    default=DEFAULT_WORKER_CLASS,
    show_default=True,
    type=click.Choice(["gthread", "sync"]),
)
@click.option(
    "--with-worker",
    is_flag=True,
    help="Also run 'ascc center worker' (webhooks, expiry, deliveries): single-box setups.",
)
def serve(
    host: str, port: int, workers: int, threads: int, worker_class: str, with_worker: bool
) -> None:
    """Run the hub: migrate, then serve with gunicorn until interrupted."""
    try:
        check_bindable(host, port)  # a busy port: one clear line, before anything else
    except PortBusy as exc:
        raise click.ClickException(str(exc)) from None
    settings = hub_settings()
    configure_logging(settings.log_format)
    with metrics_folder(), companion_worker(with_worker):
        with hub_app(settings) as app:
            migrate.upgrade(get_database(app))
            get_database(app).dispose()
        pm = plugin_manager()
        click.echo(f"ASCC center hub on http://{host}:{port}  (API: /openapi.json)", err=True)
        sockets = settings.channel_max_sockets
        options = gunicorn_options(host, port, workers, threads, worker_class, sockets)
        GunicornApp(lambda: create_app(settings, pm=pm), options).run()


@contextmanager
def metrics_folder() -> Iterator[None]:
    """Prometheus' multiprocess folder for the gunicorn workers (made here unless given)."""
    given = os.environ.get(MULTIPROC_ENV)
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="ascc-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def companion_worker(wanted: bool) -> Iterator[None]:
    """``ascc center worker`` beside the server (same settings), stopped with it (SIGTERM)."""
    if not wanted:
        yield
        return
    config = click.get_current_context().meta.get(CONFIG_META)
    args = ["--config", str(config)] if config else []
    code = "from ascc_plugin.cli import main; main()"
    process = subprocess.Popen([sys.executable, "-c", code, "center", *args, "worker"])
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
