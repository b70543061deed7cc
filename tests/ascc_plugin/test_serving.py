"""The gunicorn launcher's worker hook: the heap built before the first request is frozen."""

from __future__ import annotations

import gc
from typing import Any

from ascc_plugin.serving import GunicornApp


def hello(_environ: dict[str, Any], start: Any) -> list[bytes]:
    start("200 OK", [])
    return [b"hi"]


def test_each_worker_freezes_its_heap_then_runs_the_servers_own_hook() -> None:
    called: list[Any] = []
    app = GunicornApp(lambda: hello, {"bind": "127.0.0.1:0", "post_worker_init": called.append})
    gc.unfreeze()
    try:
        app.cfg.post_worker_init("worker")
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert called == ["worker"]


def test_a_server_without_a_hook_of_its_own_still_freezes() -> None:
    app = GunicornApp(lambda: hello, {"bind": "127.0.0.1:0"})
    gc.unfreeze()
    try:
        app.cfg.post_worker_init("worker")
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
