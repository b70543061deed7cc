"""Fixtures of the adapter tests: the vendored fixture files, a store config, a served app."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pluggy
import pytest

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec
from adapters.store.app import create_app
from ascc_plugin.settings import Settings
from tests.common.fixtures import FIXTURES, fixture_bytes, fixture_object
from tests.common.servers import Served
from tests.common.settings import store_settings

SECRET = "hush-&-quiet"  # WooCommerce stores it HTML-escaped: "hush-&amp;-quiet"
SHOP = "demo.myshopify.com"


def write_config(
    folder: Path,
    platform: str = "shopify",
    *,
    issue_on: str = "paid",
    previous: str = "",
    max_body: int = 2 * 1024 * 1024,
    secret: str | None = None,
) -> Settings:
    """A preview-mode store of ``platform`` in ``folder``, loaded from a real ``ascc.toml``."""
    if secret is None:
        secret = SECRET if platform == "shopify" else "hush-&amp;-quiet"
    store = {
        "platform": platform,
        "shop": SHOP,
        "mode": "preview",
        "issue_on": issue_on,
        "webhook_secret": secret,
        "previous_webhook_secret": previous,
        "events_log": "events.jsonl",
        "state_db": "state.sqlite3",
        "max_body_bytes": max_body,
    }
    return store_settings(folder, store=store)


def events(config: Settings) -> list[dict[str, Any]]:
    path = config.store.events_log
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., tuple[Served, Settings]]]:
    """``serve(platform, pm=None, **config)`` → a served store app and its config."""
    started: list[Served] = []

    def start(
        platform: str = "shopify", pm: pluggy.PluginManager | None = None, **overrides: Any
    ) -> tuple[Served, Settings]:
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
