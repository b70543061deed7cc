"""A live hub for browser tests and the customer's journey through the API's other parties.

:func:`serve_pages_hub` serves the real app on a loopback port chosen first, so its
``public_url`` (the holder links, the channel's allowed ``Origin``) is the address the browser
opens. :func:`issue_voucher` sends a signed paid order under programs with an incentive
schedule and returns the voucher with its holder secret and link.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from center import create_app, migrate
from center.infra.db import get_database
from center.parties import keys
from simulator.services import free_port
from tests.common.hub import LiveHub, Party, event_body, hub_settings
from tests.common.servers import Served

PROGRAMS = [
    {
        "id": "repair-12m",
        "kind": "repair",
        "term_months": 12,
        "incentive": {"5": "10.00", "4": "5.00"},
    },
    {"id": "support-24m", "kind": "support", "term_months": 24},
]


@contextmanager
def serve_pages_hub(
    folder: Path, database_url: str | None = None, **settings: Any
) -> Iterator[LiveHub]:
    """The hub on ``database_url`` (a SQLite file in ``folder`` when not given)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    admin_key = keys.new_key(keys.ADMIN)
    values = {"public_url": url, "incentive_hold_hours": 0} | settings
    database_url = database_url or f"sqlite:///{folder / 'center.sqlite'}"
    app = create_app(hub_settings(folder, database_url, admin_key, **values))
    migrate.upgrade(get_database(app))
    with Served(app, port) as served:
        yield LiveHub(app, served.url, admin_key, database_url.partition(":")[0])
    get_database(app).dispose()


def issue_voucher(hub: LiveHub, gsp: Party | None = None) -> dict[str, Any]:
    """One repair voucher (with ``holder_secret`` and ``holder_url``) of a fresh paid order."""
    gsp = gsp or hub.new_gsp()
    response = hub.post_event(gsp, event_body(gsp, programs=PROGRAMS, price="129.00"))
    assert response.status_code == 200, response.text
    vouchers = [v for v in response.json()["vouchers"] if v["program"] == "repair-12m"]
    assert vouchers and vouchers[0]["holder_url"].startswith(hub.base_url + "/v/")
    return dict(vouchers[0])


@contextmanager
def server_log(path: Path) -> Iterator[Path]:
    """Every log record of the process (werkzeug's request lines, the hub's access lines,
    everything else) written to ``path`` for the duration."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True)
