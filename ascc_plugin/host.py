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
from ascc_plugin.channels import delivery_channels
from ascc_plugin.config import ConfigError, StoreConfig
from ascc_plugin.hooks import hookimpl
from ascc_plugin.issuing import unique_programs
from ascc_plugin.models import Order, OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.vouchers import Voucher

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ascc"
ENV_ALLOW = "ASCC_PLUGINS"
ENV_DENY = "ASCC_DISABLE_PLUGINS"
BUILTIN_PLUGINS = (
    "ascc_plugin.commands",
    "ascc_plugin.preview",
    "ascc_plugin.center_handler",
    "ascc_plugin.store_commands",
)

HandlerFactory = Callable[[StoreConfig], object]


class PluginError(Exception):
    """A plugin could not be loaded, or plugins contradict each other."""


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


def collect_unique(hook: Any, callback: str, clash: str) -> dict[str, Any]:
    """Call a ``register``-style hook; every plugin's ``(name, value)`` pairs, names unique.

    ``callback`` is the name of the hook's callback argument; a name given twice raises
    :class:`PluginError` saying ``two plugins {clash} {name!r}``.
    """
    collected: dict[str, Any] = {}

    def register(name: str, value: Any) -> None:
        if name in collected:
            raise PluginError(f"two plugins {clash} {name!r}")
        collected[name] = value

    hook(**{callback: register})
    return collected


def handler_factories(pm: pluggy.PluginManager) -> dict[str, HandlerFactory]:
    """Every handler offered through ``ascc_register_handlers``; a duplicate name is an error."""
    return collect_unique(pm.hook.ascc_register_handlers, "register", "offer a handler named")


class ConfigPrograms:
    """Built-in plugin offering the ``[[programs]]`` of the store's configuration."""

    def __init__(self, programs: Sequence[Program]) -> None:
        self.programs = list(programs)

    @hookimpl
    def ascc_programs_for_order(self, order: Order) -> list[Program]:
        return [p for p in self.programs if any(p.matches(line) for line in order.lines)]


def configure(pm: pluggy.PluginManager, config: StoreConfig, mode: str | None = None) -> object:
    """Register the store's programs and its handler (``mode``, else ``[store] mode``).

    Also registers the delivery channels of ``[delivery] channels``. A handler that calls hooks
    itself (the ``center`` handler delivers vouchers once the center answered) offers a
    ``use_plugin_manager(pm)`` method, which is called with ``pm``. Returns the handler.
    """
    factories = handler_factories(pm)
    mode = mode or config.store.mode
    if mode not in factories:
        where = config.path or "configuration"
        available = ", ".join(sorted(factories))
        raise ConfigError(
            f"{where}: store.mode: no handler named {mode!r} (available: {available})"
        )
    handler = factories[mode](config)
    pm.register(ConfigPrograms(config.programs), name="config-programs")
    for name, channel in delivery_channels(config):
        pm.register(channel, name=f"delivery:{name}")
    pm.register(handler, name=f"handler:{mode}")
    use_pm = getattr(handler, "use_plugin_manager", None)
    if callable(use_pm):
        use_pm(pm)
    return handler


def process_event(pm: pluggy.PluginManager, event: OrderEvent) -> list[Voucher]:
    """Drive one canonical event through the hooks; returns the vouchers the order entitles now.

    Observers see the event, cancelled or refunded lines are voided, then the active handler
    makes the issued set equal to what the order's state entitles.
    """
    notify(pm, "ascc_order_event", event=event)
    order = event.order
    programs = unique_programs(pm.hook.ascc_programs_for_order(order=order))
    line_ids, reason = lines_to_void(order)
    if line_ids:
        pm.hook.ascc_void_vouchers(event=event, order=order, line_ids=line_ids, reason=reason)
    vouchers: list[Voucher] | None = pm.hook.ascc_issue_vouchers(
        event=event, order=order, programs=programs
    )
    if vouchers is None:
        raise PluginError("no active handler answered ascc_issue_vouchers: call configure() first")
    return vouchers


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
