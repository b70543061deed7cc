"""The delivery channels a store configured, ready to register as plugins."""

from __future__ import annotations

from collections.abc import Callable

from ascc_plugin.config import DeliverySection, StoreConfig
from ascc_plugin.delivery import LogChannel
from ascc_plugin.email_delivery import EmailChannel

CHANNELS: dict[str, Callable[[DeliverySection, str], object]] = {
    "log": LogChannel,
    "email": EmailChannel,
}


def delivery_channels(config: StoreConfig) -> list[tuple[str, object]]:
    """The channels ``[delivery] channels`` asks for, as ``(name, plugin)`` pairs."""
    settings = config.delivery
    return [(name, CHANNELS[name](settings, config.center.url)) for name in settings.channels]
