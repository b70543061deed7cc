"""The order a preview is about: a canonical event, or a storefront payload mapped by a plugin.

The core knows no storefront: ``--shopify FILE`` and ``--woocommerce FILE`` go to the mapper a
plugin registered for that platform (``ascc_register_payload_mappers``), and the event is then
completed from the store's catalog by whichever plugin holds one (``ascc_enrich_event``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pluggy
from pydantic import ValidationError

from ascc_plugin.models import OrderEvent
from ascc_plugin.registry import collect_unique
from ascc_plugin.settings import Settings

Mapper = Callable[..., OrderEvent]
CANONICAL = "event"


class InputError(Exception):
    """The file is not what its option says; the message names the file and the reason."""


def payload_mappers(pm: pluggy.PluginManager) -> dict[str, Mapper]:
    """Every platform's payload mapper; a platform registered twice is an error."""
    return collect_unique(
        pm.hook.ascc_register_payload_mappers, "register", "map payloads of platform"
    )


def read_event(
    pm: pluggy.PluginManager, source: str, path: Path, config: Settings, topic: str | None
) -> OrderEvent:
    """The event in ``path``: canonical (``source`` ``"event"``) or a platform's payload."""
    body = path.read_bytes()
    if source == CANONICAL:
        try:
            return OrderEvent.model_validate_json(body)
        except ValidationError as exc:
            raise InputError(f"{path}: not a canonical order event:\n{_errors(exc)}") from None
    mappers = payload_mappers(pm)
    if source not in mappers:
        known = ", ".join(sorted(mappers)) or "none"
        raise InputError(f"no plugin maps {source} payloads (installed: {known})")
    try:
        return mappers[source](body, topic, config.store.shop)
    except ValueError as exc:
        raise InputError(f"{path}: not a {source} order payload: {exc}") from None


def enrich(pm: pluggy.PluginManager, config: Settings, event: OrderEvent) -> OrderEvent:
    """``event`` completed from the store's catalog, when a plugin holds one."""
    enriched: OrderEvent | None = pm.hook.ascc_enrich_event(config=config, event=event)
    return enriched if enriched is not None else event


def _errors(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)
