"""The one gunicorn launcher of the project: ``ascc center serve`` and ``ascc store serve``.

:class:`GunicornApp` serves what ``load`` returns: an app built once in the master (the store
service, ``preload_app``) or one built per worker after the fork (the hub). Every server of the
project shares :func:`base_options`: no shared control socket (several services share a
machine), errors on stderr, no access log. Every worker freezes its heap once its app is built
(:func:`freeze_heap`).
"""

from __future__ import annotations

import gc
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
        options = dict(self.options)
        then = options.pop("post_worker_init", None)
        options["post_worker_init"] = lambda worker: freeze_heap(worker, then)
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        app = self.loader()
        if self.options.get("preload_app"):  # built in the master: frozen before the fork, so
            freeze_heap(None)  # the workers' collections leave the shared pages unwritten
        return app


def freeze_heap(worker: Any, then: Callable[[Any], None] | None = None) -> None:
    """gunicorn's ``post_worker_init`` (and, for an app preloaded in the master, called there
    before the fork): what exists once the app is built (modules, the app, its
    caches) lives as long as the worker, so it is moved out of the cyclic collector's sight
    (``gc.freeze``). A full collection then scans only what requests left behind, instead of
    pausing every thread of the worker for a pass over some 200,000 objects (255 ms measured on
    the loaded machine, once per few hundred requests: a p99 of its own). ``then`` is the
    server's own hook, called after."""
    gc.collect()
    gc.freeze()
    if then is not None:
        then(worker)
