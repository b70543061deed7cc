"""Other WSGI apps served beside the store's webhooks (``ascc_mount_apps``), by path prefix.

Unlike werkzeug's ``DispatcherMiddleware`` the path is left as it is, so a mounted app keeps its
own absolute routes (the hub's ``/api/v1/...`` in ``gsp`` mode).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pluggy

from ascc_plugin.registry import collect_unique

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def collect_mounts(pm: pluggy.PluginManager) -> dict[str, WsgiApp]:
    """Every ``(prefix, app)`` the plugins mount; a prefix mounted twice is an error."""
    return collect_unique(pm.hook.ascc_mount_apps, "mount", "mount an app at")


class PrefixDispatcher:
    """Send each request to the first mounted app whose prefix starts its path, else ``main``."""

    def __init__(self, main: WsgiApp, mounts: dict[str, WsgiApp]) -> None:
        self.main = main
        self.mounts = sorted(mounts.items(), key=lambda item: -len(item[0]))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        for prefix, app in self.mounts:
            if path.startswith(prefix):
                return app(environ, start_response)
        return self.main(environ, start_response)
