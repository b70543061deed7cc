"""The gunicorn launcher's worker hook: the heap built before the first request is frozen."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from ascc_plugin.serving import GunicornApp


def hello(_environ: dict[str, Any], start: Any) -> list[bytes]:
    start("200 OK", [])
    return [b"hi"]


@pytest.mark.parametrize("own_hook", [True, False])
def test_each_worker_freezes_its_heap_then_runs_the_servers_own_hook(own_hook: bool) -> None:
    called: list[Any] = []
    options = {"bind": "127.0.0.1:0", **({"post_worker_init": called.append} if own_hook else {})}
    app = GunicornApp(lambda: hello, options)
    gc.unfreeze()
    try:
        app.cfg.post_worker_init("worker")
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert called == (["worker"] if own_hook else [])


def test_an_app_preloaded_in_the_master_is_frozen_there_before_the_fork() -> None:
    app = GunicornApp(lambda: hello, {"bind": "127.0.0.1:0", "preload_app": True})
    gc.unfreeze()
    try:
        assert app.load() is hello
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
