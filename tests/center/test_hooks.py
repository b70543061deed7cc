"""After commit, newly issued vouchers reach the host's notification hooks; replays do not.
The hub never hands a secret to a delivery hook from a request: that is the durable
handovers' job (:mod:`center.handover`), retried until a channel takes it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ascc_plugin import hookimpl
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.signatures import standard_headers
from center import create_app, migrate
from center.api.hub import current_hub
from center.infra.db import get_database
from center.parties import services as parties
from center.settings import HubSettings
from tests.common.hub import Party, event_body


class Recorder:
    def __init__(self) -> None:
        self.issued: list[str] = []
        self.delivered: list[tuple[str, str | None, str | None]] = []

    @hookimpl
    def ascc_voucher_issued(self, voucher: Any) -> None:
        self.issued.append(voucher.id)

    @hookimpl
    def ascc_deliver_voucher(self, voucher: Any, customer: Any) -> None:
        self.delivered.append((voucher.id, voucher.holder_secret, customer and customer.email))


class Broken:
    @hookimpl
    def ascc_voucher_issued(self, voucher: Any) -> None:
        raise RuntimeError("a failing channel must not stop the others")


def test_issued_vouchers_are_notified_once(tmp_path: Path) -> None:
    pm = get_plugin_manager(entrypoints=False)
    recorder = Recorder()
    pm.register(Broken())
    pm.register(recorder)
    settings = HubSettings(
        database_url=f"sqlite:///{tmp_path / 'h.sqlite'}", keys_dir=tmp_path / "keys"
    )
    app = create_app(settings, pm=pm)
    migrate.upgrade(get_database(app))
    with app.app_context(), get_database(app).transaction() as session:
        made = parties.add_gsp(
            session, name="S", platform="shopify", shop="h.example", now=current_hub().clock()
        )
    gsp = Party(made["gsp_id"], made["api_key"], made["signing_secret"], "h.example")
    body = event_body(gsp, quantity=1)
    client = app.test_client()
    for _ in range(2):
        headers = {
            "ASCC-Domain": gsp.shop,
            **standard_headers(gsp.secret, "msg_hook", int(time.time()), body),
        }
        assert client.post("/api/v1/events", data=body, headers=headers).status_code == 200
    assert len(recorder.issued) == 2
    assert recorder.delivered == []  # only handovers deliver, durably
    get_database(app).dispose()
