"""Serving an emulated storefront API on loopback: a WSGI app under werkzeug, in a thread.

The emulators' Admin APIs (:mod:`adapters.shopify.admin_emulator`,
:mod:`adapters.woocommerce.rest_emulator`) are real HTTP servers, so the clients that read them
are tested over real sockets, as they run against a store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from werkzeug.serving import make_server


class LoopbackServer:
    """``app`` served on 127.0.0.1 at a free port until :meth:`close` (or the ``with`` ends)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
