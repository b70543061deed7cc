"""Fixtures of the adapter tests: the shared fixture files, a store config, a served app."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pluggy
import pytest
from flask import Flask
from werkzeug.serving import make_server

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec
from adapters.payload import parse_json
from adapters.store.app import create_app
from ascc_plugin.config import StoreConfig, load_config

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
if not FIXTURES.is_dir():  # the worktree sits beside shared/ (…/work/wt-*/tests/adapters)
    FIXTURES = Path("/work/shared/fixtures")

SECRET = "hush-&-quiet"  # WooCommerce stores it HTML-escaped: "hush-&amp;-quiet"
SHOP = "demo.myshopify.com"

CONFIG = """
[store]
platform = "{platform}"
shop = "{shop}"
mode = "preview"
issue_on = "{issue_on}"
webhook_secret = "{secret}"
previous_webhook_secret = "{previous}"
events_log = "events.jsonl"
state_db = "state.sqlite3"
max_body_bytes = {max_body}

[[programs]]
id = "repair-12m"
kind = "repair"
term_months = 12
match = {{ min_unit_price = "50.00" }}

[[programs]]
id = "support-24m"
kind = "support"
term_months = 24
"""


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_object(name: str) -> Any:
    """A fixture unwrapped to the webhook body shape (SOURCES.md: {"order"}, {"data"}, lists)."""
    data = parse_json(fixture_bytes(name))
    if isinstance(data, list):
        return data[0]
    for key in ("order", "refund", "data"):
        if isinstance(data, dict) and key in data:
            return data[key]
    if isinstance(data, dict) and "orders" in data:
        return data["orders"][0]
    return data


def write_config(folder: Path, platform: str = "shopify", **overrides: Any) -> StoreConfig:
    values = {
        "platform": platform,
        "shop": SHOP,
        "issue_on": "paid",
        "previous": "",
        "max_body": 2 * 1024 * 1024,
        "secret": SECRET if platform == "shopify" else "hush-&amp;-quiet",
    }
    values.update(overrides)
    path = folder / "ascc.toml"
    path.write_text(CONFIG.format(**values), encoding="utf-8")
    return load_config(path)


def events(config: StoreConfig) -> list[dict[str, Any]]:
    path = config.store.events_log
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class Served:
    """A store app served by a werkzeug server on a loopback port, in a thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., tuple[Served, StoreConfig]]]:
    """``serve(platform, pm=None, **config)`` → a served store app and its config."""
    started: list[Served] = []

    def start(
        platform: str = "shopify", pm: pluggy.PluginManager | None = None, **overrides: Any
    ) -> tuple[Served, StoreConfig]:
        folder = tmp_path / f"store{len(started)}"
        folder.mkdir()
        config = write_config(folder, platform, **overrides)
        served = Served(create_app(config, pm=pm))
        started.append(served)
        return served, config

    yield start
    for served in started:
        served.close()


T0 = datetime(2025, 4, 2, 16, 0, tzinfo=UTC)


def sample_order(order_id: int = 5_123_456_789_012_345_678) -> OrderSpec:
    """Two lines: a 199.00 unit (repair + support) and three 19.99 units (support only)."""
    return OrderSpec(
        id=order_id,
        lines=(
            LineSpec(
                id=9_007_199_254_740_993,
                title='Tablet / 10"',
                quantity=1,
                price="199.00",
                sku="TAB-10",
                product_id=632910392,
                vendor="Acme",
            ),
            LineSpec(
                id=9_007_199_254_740_995, title="Cable", quantity=3, price="19.99", sku="CBL-1"
            ),
        ),
        customer=CustomerSpec(
            id=207119551, email="bob@example.com", first_name="Bob", last_name="Norman"
        ),
        created_at=T0,
        updated_at=T0,
    )


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


class Kit:
    """The helpers above, for test modules (``--import-mode=importlib`` cannot import conftest)."""

    SECRET = SECRET
    SHOP = SHOP
    T0 = T0
    FIXTURES = FIXTURES
    fixture_bytes = staticmethod(fixture_bytes)
    fixture_object = staticmethod(fixture_object)
    write_config = staticmethod(write_config)
    events = staticmethod(events)
    sample_order = staticmethod(sample_order)
    later = staticmethod(later)


@pytest.fixture(scope="session")
def kit() -> type[Kit]:
    return Kit
