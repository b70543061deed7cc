"""``ascc center worker``: build a :class:`~center.worker.runner.Worker` from the settings and
run it until SIGTERM/SIGINT (graceful: the sends in flight finish first) or, with ``--once``,
for one tick (every job due, every message due) — for cron and tests."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
import pluggy

from ascc_plugin.backoff import Backoff
from ascc_plugin.cli import plugin_manager
from ascc_plugin.clock import Clock, utcnow
from ascc_plugin.host import channel_factories
from ascc_plugin.settings import Settings, SettingsError, config_file, load_settings
from center.api.hub import EXTENSION_KEY, Hub
from center.app import create_app
from center.cli import CONFIG_META
from center.handover.sender import HandoverSender
from center.ops.logs import configure_logging
from center.settings import HubSettings
from center.webhooks.dispatch import Dispatcher, Options
from center.webhooks.guard import Policy
from center.webhooks.transport import guarded_session
from center.worker.jobs import default_jobs
from center.worker.runner import Worker


def build_worker(settings: Settings, pm: pluggy.PluginManager, clock: Clock = utcnow) -> Worker:
    """A worker over the hub of ``settings`` (its ``[hub]``, and ``[delivery]`` for channels)."""
    hub_settings = settings.section(HubSettings)
    app = create_app(hub_settings, pm=pm, clock=clock)
    hub: Hub = app.extensions[EXTENSION_KEY]
    return Worker(
        hub.database,
        dispatcher(hub, hub_settings),
        default_jobs(hub_settings),
        handovers(hub, settings, pm),
        clock,
        hub_settings.worker_idle_seconds,
    )


def dispatcher(hub: Hub, settings: HubSettings) -> Dispatcher:
    policy = Policy.of(settings.webhook_allow_http, settings.webhook_allow_networks)
    options = Options(
        batch=settings.worker_batch,
        threads=settings.worker_threads,
        timeout=settings.webhook_timeout_seconds,
        backoff=Backoff(settings.webhook_retry_base_seconds, settings.webhook_retry_cap_seconds),
    )
    pool = settings.worker_threads
    return Dispatcher(hub.database, lambda: guarded_session(policy, pool), options, clock=hub.clock)


def handovers(hub: Hub, settings: Settings, pm: pluggy.PluginManager) -> HandoverSender | None:
    """The hub's own delivery, when ``[hub] delivery_channels`` names channels."""
    names = settings.section(HubSettings).delivery_channels
    if not names or hub.issuer.sealer is None:
        return None
    factories = channel_factories(pm)
    unknown = [name for name in names if name not in factories]
    if unknown:
        raise SettingsError(
            f"{settings.where()}: hub.delivery_channels: no channel named {unknown[0]!r} "
            f"(available: {', '.join(sorted(factories))})"
        )
    channels = {name: factories[name](settings) for name in names}
    return HandoverSender(
        hub.database, hub.issuer.sealer, channels, hub.settings.public_url, clock=hub.clock
    )


def stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@click.command("worker")
@click.option("--once", is_flag=True, help="One tick (due jobs, due messages), then exit.")
def worker(once: bool) -> None:
    """Run outbound webhooks, the hub's own deliveries and the scheduled jobs."""
    pm = plugin_manager()
    try:
        settings = load_settings(config_file(click.get_current_context().meta.get(CONFIG_META)), pm)
        configure_logging(settings.section(HubSettings).log_format)
        running = build_worker(settings, pm)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    if once:
        click.echo(f"worker: {running.tick()} done")
        running.dispatcher.close()
        return
    stop_on_signals(running.stop)
    running.run()
