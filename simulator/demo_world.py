"""The demo marketplace: a center, two stores and three providers, as real processes on loopback.

Everything is set up the way an operator and two store owners would do it: ``ascc center serve``,
``ascc center add-gsp`` / ``add-provider``, an ``ascc.toml`` per store (``mode = "center"``, the
center's key folder, the ``log`` delivery channel) and ``ascc store serve``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.services import Service, ascc_json, center_service, store_service

PROGRAMS_TOML = """
[[programs]]
id = "repair-12m"
kind = "repair"
term_months = 12
match = { min_unit_price = "100.00" }

[[programs]]
id = "install-1m"
kind = "installation"
term_months = 1
match = { sku = ["TV-55-OLED"] }

[[programs]]
id = "support-24m"
kind = "support"
term_months = 24
"""

STORES = (("shopify", "demo-gadgets.myshopify.com"), ("woocommerce", "shop.example.com"))
PROVIDERS = (
    ("FixIt Repairs", "repair", "Lisbon"),
    ("Home Install Co", "installation,repair", "Lisbon"),
    ("Helpdesk Heroes", "support", "Porto"),
)


@dataclass
class Store:
    """One store: its registration at the center, its config file and its service."""

    platform: str
    shop: str
    folder: Path
    webhook_secret: str = field(repr=False)
    gsp: dict[str, Any] = field(default_factory=dict, repr=False)
    service: Service | None = None

    @property
    def config(self) -> Path:
        return self.folder / "ascc.toml"

    @property
    def deliveries(self) -> Path:
        return self.folder / "ascc-deliveries.jsonl"

    @property
    def api_key(self) -> str:
        return str(self.gsp["api_key"])

    @property
    def url(self) -> str:
        assert self.service is not None, "the store service is not started"
        return self.service.url


@dataclass
class World:
    """The running parts of the demo and the keys they were given."""

    folder: Path
    center: Service
    stores: dict[str, Store] = field(default_factory=dict)
    providers: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def keys_dir(self) -> Path:
        return Path(self.center.env["ASCC_KEYS_DIR"])

    def services(self) -> Iterator[Service]:
        yield self.center
        for store in self.stores.values():
            if store.service is not None:
                yield store.service

    def stop(self) -> None:
        """Stop every service, stores first (their senders talk to the center)."""
        for service in reversed(list(self.services())):
            service.stop()

    def urls(self) -> dict[str, str]:
        urls = {"center": self.center.url}
        urls.update({name: s.service.url for name, s in self.stores.items() if s.service})
        return urls


def new_world(folder: Path, center_port: int | None = None) -> World:
    """The demo's folder layout and an unstarted center (one worker: a demo, not a benchmark)."""
    center = center_service(folder / "center", center_port, workers=1)
    world = World(folder, center)
    for platform, shop in STORES:
        site = folder / platform
        site.mkdir(parents=True, exist_ok=True)
        world.stores[platform] = Store(platform, shop, site, secrets.token_urlsafe(24))
    return world


def register_store(world: World, store: Store) -> dict[str, Any]:
    """``ascc center add-gsp`` for ``store``; keeps its id, API key and signing secret."""
    name = f"Demo {store.platform.capitalize()}"
    args = ["center", "add-gsp", "--name", name, "--platform", store.platform]
    store.gsp = ascc_json([*args, "--shop", store.shop], world.center.env)
    return store.gsp


def register_providers(world: World) -> list[dict[str, Any]]:
    """``ascc center add-provider`` for each demo provider."""
    for name, categories, region in PROVIDERS:
        args = ["center", "add-provider", "--name", name, "--categories", categories]
        made = ascc_json([*args, "--region", region], world.center.env)
        world.providers.append({**made, "name": name, "categories": categories.split(",")})
    return world.providers


def store_config(world: World, store: Store) -> str:
    """The store owner's ``ascc.toml``: forward to the center, deliver vouchers to a log."""
    quote = json.dumps
    return (
        "[store]\n"
        f"platform = {quote(store.platform)}\n"
        f"shop = {quote(store.shop)}\n"
        'mode = "center"\n'
        f"webhook_secret = {quote(store.webhook_secret)}\n\n"
        f"[keys]\ndir = {quote(str(world.keys_dir))}\n\n"
        "[center]\n"
        f"url = {quote(world.center.url)}\n"
        f"signing_secret = {quote(str(store.gsp['signing_secret']))}\n"
        "retry_base_seconds = 0.2\n"
        "retry_cap_seconds = 2.0\n\n"
        '[delivery]\nchannels = ["log"]\n' + PROGRAMS_TOML
    )


def start_store(world: World, store: Store) -> Service:
    """Write the store's ``ascc.toml`` and run ``ascc store serve`` on it."""
    store.config.write_text(store_config(world, store))
    store.service = store_service(store.config, workers=1)
    return store.service.start()
