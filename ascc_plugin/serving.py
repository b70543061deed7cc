"""The one gunicorn launcher of the project: ``ascc center serve`` and ``ascc store serve``.

:class:`GunicornApp` serves what ``load`` returns: an app built once in the master (the store
service, ``preload_app``) or one built per worker after the fork (the hub). Every server of the
project shares :func:`base_options`: no shared control socket (several services share a
machine), errors on stderr, no access log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def base_options(host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "control_socket_disable": True,
        "umask": 0o077,  # every file a worker makes is its owner's only
    }


class GunicornApp(BaseApplication):  # type: ignore[misc]
    """gunicorn with ``options``, serving the WSGI app ``load()`` returns."""

    def __init__(self, load: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self.loader, self.options = load, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self.loader()
