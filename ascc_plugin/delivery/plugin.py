"""The built-in delivery plugin: the ``[delivery]`` section and the ``log`` and ``email`` channels.

Channel modules are imported when a store names them, not when a plugin manager is built.
"""

from __future__ import annotations

from collections.abc import Callable

from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.hooks import hookimpl
from ascc_plugin.settings import Section, Settings


def log_channel(settings: Settings) -> object:
    from ascc_plugin.delivery.log import LogChannel

    return LogChannel(settings.section(DeliverySection))


def email_channel(settings: Settings) -> object:
    from ascc_plugin.delivery.email import EmailChannel

    return EmailChannel(settings.section(DeliverySection))


@hookimpl
def ascc_register_settings(register: Callable[[str, type[Section]], None]) -> None:
    register("delivery", DeliverySection)


@hookimpl
def ascc_register_channels(register: Callable[[str, Callable[[Settings], object]], None]) -> None:
    register("log", log_channel)
    register("email", email_channel)
