"""Collecting what plugins register by name, through ``register``-style hooks."""

from __future__ import annotations

from typing import Any


class PluginError(Exception):
    """A plugin could not be loaded, or plugins contradict each other."""


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
