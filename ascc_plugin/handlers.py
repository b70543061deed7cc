"""The handler contract: what the store service expects of the plugin its ``mode`` names.

A handler answers :func:`~ascc_plugin.hooks.ascc_issue_vouchers` (and usually
``ascc_void_vouchers`` and the privacy hooks) and has a lifecycle the store service drives:
``use_plugin_manager`` once configured (handlers that call hooks themselves keep it),
``start`` once per serving process after any ``fork`` (background work: the ``center``
handler's outbox sender) and ``stop`` at shutdown. :class:`BaseHandler` gives the lifecycle
as no-ops; :func:`ascc_plugin.host.configure` refuses a handler that is not a :class:`Handler`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import pluggy

from ascc_plugin.models import Order, OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.vouchers import Issuance


@runtime_checkable
class Handler(Protocol):
    """A voucher handler (``preview``, ``gsp``, ``center`` or a plugin's own)."""

    def ascc_issue_vouchers(
        self, event: OrderEvent, order: Order, programs: Sequence[Program]
    ) -> Issuance: ...

    def use_plugin_manager(self, pm: pluggy.PluginManager) -> None: ...

    def start(self) -> None: ...

    def stop(self, timeout: float) -> bool: ...


class BaseHandler:
    """The lifecycle of a handler with no background work (subclass and add the hooks)."""

    pm: pluggy.PluginManager | None = None

    def use_plugin_manager(self, pm: pluggy.PluginManager) -> None:
        """Keep the plugin manager (for handlers that call hooks themselves)."""
        self.pm = pm

    def serving_options(self) -> dict[str, Any]:
        """gunicorn settings the store service must use for this handler (none by default).

        The ``gsp`` handler serves the channel's WebSockets, which need threaded workers.
        """
        return {}

    def start(self) -> None:
        """Start background work in this process (nothing by default)."""

    def stop(self, timeout: float) -> bool:
        """Stop background work within ``timeout`` seconds; ``True`` if it ended in time."""
        del timeout
        return True
