"""The built-in forwarding plugin: the ``[center]`` section and the ``center`` handler.

The handler module (``requests``, the outbox) is imported only when a store runs in ``center``
mode.
"""

from __future__ import annotations

from collections.abc import Callable

from ascc_plugin.client.settings import CenterSection
from ascc_plugin.hooks import hookimpl
from ascc_plugin.settings import Section, Settings


def center_handler(settings: Settings) -> object:
    from ascc_plugin.client.handler import CenterHandler

    return CenterHandler(settings)


@hookimpl
def ascc_register_settings(register: Callable[[str, type[Section]], None]) -> None:
    register("center", CenterSection)


@hookimpl
def ascc_register_handlers(register: Callable[[str, Callable[[Settings], object]], None]) -> None:
    register("center", center_handler)
