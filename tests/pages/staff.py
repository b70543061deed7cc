"""The staff pages under test: a live rewards hub (movable clock, insured programs) and a
browser-like client of its app that keeps the session cookie, speaks HTTPS (so the cookie's
``Secure`` flag holds) and sends each form's CSRF token the way the page gives it."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import TestResponse

from tests.common.hub import LiveHub, Party
from tests.common.postgres import fresh_database, require_postgres
from tests.common.rewards import issue, rewards_hub

ORIGIN = "https://localhost"
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def staff_hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    """A live rewards hub on each database (sessions, pages and forms must answer alike), with
    a marketplace of its own: the dashboard shows every store's figures, so another module's
    stores and clock must not be in it."""
    folder = tmp_path_factory.mktemp(f"staff-{request.param}")
    if request.param == "sqlite":
        with rewards_hub(folder, f"sqlite:///{folder / 'center.sqlite'}", "sqlite") as live:
            yield live
        return
    require_postgres()
    with fresh_database("ascc_staff") as url, rewards_hub(folder, url, "postgres") as live:
        yield live


class Browser:
    """The hub's app through Flask's test client, as one browser on ``https://localhost``."""

    def __init__(self, live: LiveHub) -> None:
        self.live = live
        self.client = live.app.test_client()

    def get(self, path: str) -> TestResponse:
        return self.client.get(path, base_url=ORIGIN)

    def post(self, path: str, form: dict[str, str], **headers: str) -> TestResponse:
        headers.setdefault("Referer", ORIGIN + path)
        return self.client.post(path, base_url=ORIGIN, data=form, headers=headers)

    def csrf(self, page: str) -> str:
        """The CSRF token of the form on ``page`` (as a browser would have it)."""
        found = TOKEN_FIELD.search(self.get(page).get_data(as_text=True))
        assert found, f"no CSRF field on {page}"
        return found.group(1)

    def submit(self, page: str, action: str, **fields: str) -> TestResponse:
        """Fill the form of ``page`` that posts to ``action``, with its CSRF token."""
        return self.post(action, {"csrf_token": self.csrf(page), **fields})

    def sign_in(self, area: str, key: str) -> TestResponse:
        return self.submit(f"/{area}/signin", f"/{area}/signin", key=key)

    def cookie(self) -> str | None:
        found = self.client.get_cookie("ascc_staff", domain="localhost")
        return None if found is None else found.value


def assigned(live: LiveHub, gsp: Party, provider: Party) -> dict[str, Any]:
    """An insured repair voucher, activated and assigned to ``provider`` over the API."""
    voucher = issue(live, gsp)
    path, holder = f"/api/v1/vouchers/{voucher['id']}", voucher["holder_secret"]
    for url, body in ((path + "/activate", None), (path + "/assign", {"provider_id": provider.id})):
        answer = live.call("POST", url, holder, json=body)
        assert answer.status_code == 200, answer.text
    return voucher


def state_of(live: LiveHub, voucher: dict[str, Any]) -> str:
    answer = live.call("GET", f"/api/v1/vouchers/{voucher['id']}", voucher["holder_secret"])
    assert answer.status_code == 200, answer.text
    state: str = answer.json()["state"]
    return state


@pytest.fixture(scope="module")
def browser_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    """A live rewards hub whose ``public_url`` is its own loopback address, so a browser's
    WebSocket ``Origin`` is the hub's own (the channel admits only that)."""
    folder = tmp_path_factory.mktemp("staff-browser")
    port = free_port()
    url = f"sqlite:///{folder / 'center.sqlite'}"
    public = f"http://127.0.0.1:{port}"
    with rewards_hub(folder, url, "sqlite", public_url=public, port=port) as live:
        assert live.base_url == public
        yield live


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
