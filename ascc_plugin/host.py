"""The plugin host: builds the plugin manager and drives an order event through the hooks.

Built-in plugins are registered by name; the packages of this distribution (adapters, center,
simulator) and third-party plugins join through the ``ascc`` entry-point group. Two environment
variables control that loading:

``ASCC_PLUGINS``          comma-separated entry-point names to load (unset: all of them)
``ASCC_DISABLE_PLUGINS``  comma-separated entry-point names never to load
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

import pluggy

from ascc_plugin import hooks
from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.handlers import Handler
from ascc_plugin.hooks import hookimpl
from ascc_plugin.issuing import IssueOn, check_total, unique_programs
from ascc_plugin.models import Order, OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.registry import PluginError, collect_unique
from ascc_plugin.settings import Settings, SettingsError
from ascc_plugin.vouchers import Issuance

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ascc"
ENV_ALLOW = "ASCC_PLUGINS"
ENV_DENY = "ASCC_DISABLE_PLUGINS"
BUILTIN_PLUGINS = (
    "ascc_plugin.settings",
    "ascc_plugin.commands",
    "ascc_plugin.preview",
    "ascc_plugin.client.plugin",
    "ascc_plugin.delivery.plugin",
    "ascc_plugin.channel.plugin",
)
"""Modules registered as plugins by name; each imports what it offers only when asked."""

Factory = Callable[[Settings], object]


def get_plugin_manager(*, entrypoints: bool = True) -> pluggy.PluginManager:
    """A new plugin manager with the hook specs, the built-ins and (optionally) entry points."""
    pm = pluggy.PluginManager(hooks.PROJECT_NAME)
    pm.add_hookspecs(hooks)
    for module_name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
    if entrypoints:
        load_entrypoint_plugins(pm)
    pm.check_pending()
    return pm


def load_entrypoint_plugins(pm: pluggy.PluginManager) -> list[str]:
    """Register the ``ascc`` entry points the environment allows; returns their names."""
    allow = _names(os.environ.get(ENV_ALLOW))
    deny = _names(os.environ.get(ENV_DENY)) or set()
    loaded = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in deny or (allow is not None and ep.name not in allow):
            continue
        if pm.get_plugin(ep.name) is not None:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(
                f"plugin {ep.name!r} ({ep.value}) failed to load: {exc!r}; "
                f"set {ENV_DENY}={ep.name} to start without it"
            ) from exc
        pm.register(plugin, name=ep.name)
        loaded.append(ep.name)
    return loaded


def _names(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def handler_factories(pm: pluggy.PluginManager) -> dict[str, Factory]:
    """Every handler offered through ``ascc_register_handlers``; a duplicate name is an error."""
    return collect_unique(pm.hook.ascc_register_handlers, "register", "offer a handler named")


def channel_factories(pm: pluggy.PluginManager) -> dict[str, Factory]:
    """Every delivery channel offered through ``ascc_register_channels``."""
    return collect_unique(pm.hook.ascc_register_channels, "register", "offer a channel named")


class ConfigPrograms:
    """Built-in plugin offering the ``[[programs]]`` of the store's settings."""

    def __init__(self, programs: Sequence[Program]) -> None:
        self.programs = list(programs)

    @hookimpl
    def ascc_programs_for_order(self, order: Order) -> list[Program]:
        return [p for p in self.programs if any(p.matches(line) for line in order.lines)]


def configure(pm: pluggy.PluginManager, settings: Settings, mode: str | None = None) -> Handler:
    """Register the store's programs, its delivery channels and its handler; return the handler.

    ``mode`` defaults to ``[store] mode``. The handler must be a
    :class:`~ascc_plugin.handlers.Handler`; it is told the plugin manager once registered.
    """
    handler = make_handler(pm, settings, mode or settings.store.mode)
    pm.register(ConfigPrograms(settings.programs), name="config-programs")
    for name, channel in delivery_channels(pm, settings):
        pm.register(channel, name=f"delivery:{name}")
    pm.register(handler, name=f"handler:{mode or settings.store.mode}")
    handler.use_plugin_manager(pm)
    return handler


def make_handler(pm: pluggy.PluginManager, settings: Settings, mode: str) -> Handler:
    factories = handler_factories(pm)
    if mode not in factories:
        available = ", ".join(sorted(factories))
        raise SettingsError(
            f"{settings.where()}: store.mode: no handler named {mode!r} (available: {available})"
        )
    handler = factories[mode](settings)
    if not isinstance(handler, Handler):
        raise PluginError(
            f"the {mode!r} handler ({type(handler).__name__}) lacks the handler lifecycle "
            "(ascc_plugin.handlers.Handler: subclass BaseHandler)"
        )
    return handler


def delivery_channels(pm: pluggy.PluginManager, settings: Settings) -> list[tuple[str, object]]:
    """The channels ``[delivery] channels`` names, made; an unknown name is refused."""
    factories = channel_factories(pm)
    wanted = settings.section(DeliverySection).channels
    for name in wanted:
        if name not in factories:
            available = ", ".join(sorted(factories))
            raise SettingsError(
                f"{settings.where()}: delivery.channels: no channel named {name!r} "
                f"(available: {available})"
            )
    return [(name, factories[name](settings)) for name in wanted]


def process_event(
    pm: pluggy.PluginManager,
    event: OrderEvent,
    max_vouchers: int | None = None,
    issue_on: IssueOn = "paid",
) -> Issuance:
    """Drive one canonical event through the hooks; the handler's answer (what it entitles now).

    Observers see the event, cancelled or refunded lines are voided, then the active handler
    makes the issued set equal to what the order's state entitles. With ``max_vouchers``, an
    order entitling more (under ``issue_on``) raises :class:`~ascc_plugin.issuing.TooManyVouchers`
    before any handler is asked.
    """
    notify(pm, "ascc_order_event", event=event)
    order = event.order
    programs = unique_programs(pm.hook.ascc_programs_for_order(order=order))
    if max_vouchers is not None:
        check_total(order, programs, issue_on, max_vouchers)
    line_ids, reason = lines_to_void(order)
    if line_ids:
        pm.hook.ascc_void_vouchers(event=event, order=order, line_ids=line_ids, reason=reason)
    answer: Issuance | None = pm.hook.ascc_issue_vouchers(
        event=event, order=order, programs=programs
    )
    if answer is None:
        raise PluginError("no active handler answered ascc_issue_vouchers: call configure() first")
    return answer


def lines_to_void(order: Order) -> tuple[list[str], str]:
    """The lines whose vouchers must be voided (all of them when cancelled) and why."""
    if order.cancelled:
        return [line.id for line in order.lines], "cancelled"
    return sorted(order.refunded_units()), "refunded"


def notify(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> None:
    """Call a notification hook plugin by plugin, so one failing plugin cannot stop the rest."""
    caller = getattr(pm.hook, hook_name)
    for impl in reversed(caller.get_hookimpls()):
        try:
            impl.function(*(kwargs[name] for name in impl.argnames))
        except Exception:
            log.exception("plugin %s failed in %s", impl.plugin_name, hook_name)
