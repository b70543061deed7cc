"""``ascc_mount_apps``: plugins serve more WSGI apps beside the store's webhooks, by prefix."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
import requests

from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import PluginError, get_plugin_manager


def echo_app(name: str) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{name} saw {environ['PATH_INFO']}".encode()]

    return app


class Extras:
    @hookimpl
    def ascc_mount_apps(self, mount: Callable[[str, Any], None]) -> None:
        mount("/extra/", echo_app("extra"))
        mount("/extra/deeper/", echo_app("deeper"))


def test_mounted_apps_get_their_prefix_with_the_path_unchanged(serve: Any) -> None:
    pm = get_plugin_manager()
    pm.register(Extras())
    served, _ = serve("shopify", pm=pm)
    assert requests.get(f"{served.url}/extra/a/b", timeout=5).text == "extra saw /extra/a/b"
    assert requests.get(f"{served.url}/extra/deeper/c", timeout=5).text == (
        "deeper saw /extra/deeper/c"
    )
    health = requests.get(f"{served.url}/healthz", timeout=5)
    assert health.json()["status"] == "ok"  # the store keeps everything else
    assert requests.get(f"{served.url}/extras", timeout=5).status_code == 404


def test_two_plugins_mounting_one_prefix_are_refused(serve: Any) -> None:
    class Clash:
        @hookimpl
        def ascc_mount_apps(self, mount: Callable[[str, Any], None]) -> None:
            mount("/extra/", echo_app("clash"))

    pm = get_plugin_manager()
    pm.register(Extras())
    pm.register(Clash())
    with pytest.raises(PluginError, match="two plugins mount an app at '/extra/'"):
        serve("shopify", pm=pm)
