"""The demo marketplace: a center, two stores and three providers, as real processes on loopback.

Everything is set up the way an operator and two store owners would do it: ``ascc center serve``,
``ascc center add-gsp`` / ``add-provider``, an ``ascc.toml`` per store (``mode = "center"``, the
``log`` delivery channel; each store gets only its own folder, never the center's keys) and
``ascc store serve``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ascc_plugin.settings import write_settings_file
from simulator.services import READY_SECONDS, Service, ascc_json, center_service, store_service

PROGRAMS = (
    {
        "id": "repair-12m",
        "kind": "repair",
        "term_months": 12,
        "match": {"min_unit_price": "100.00"},
        "incentive": {"5": "15.00", "4": "8.00", "3": "0.00"},
    },
    {
        "id": "install-1m",
        "kind": "installation",
        "term_months": 1,
        "match": {"sku": ["TV-55-OLED"]},
    },
    {"id": "support-24m", "kind": "support", "term_months": 24},
)

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
    # no hold on incentives: the walk redeems its incentive right after releasing it
    center.env = {**center.env, "ASCC_HUB_INCENTIVE_HOLD_HOURS": "0"}
    world = World(folder, center)
    for platform, shop in STORES:
        site = folder / platform
        site.mkdir(parents=True, exist_ok=True)
        world.stores[platform] = Store(platform, shop, site, secrets.token_urlsafe(24))
    return world


def register(world: World) -> None:
    """``ascc center add-gsp`` for each store and ``add-provider`` for each provider, at once."""
    env = world.center.env
    stores = [(store, store_args(store)) for store in world.stores.values()]
    providers = [(row, provider_args(*row)) for row in PROVIDERS]
    with ThreadPoolExecutor(max_workers=len(stores) + len(providers)) as pool:
        made_stores = [(s, pool.submit(ascc_json, args, env)) for s, args in stores]
        made_providers = [(row, pool.submit(ascc_json, args, env)) for row, args in providers]
        for store, made in made_stores:
            store.gsp = made.result()
        for (name, categories, _), made in made_providers:
            world.providers.append(
                {**made.result(), "name": name, "categories": categories.split(",")}
            )


def store_args(store: Store) -> list[str]:
    name = f"Demo {store.platform.capitalize()}"
    return ["center", "add-gsp", "--name", name, "--platform", store.platform, "--shop", store.shop]


def provider_args(name: str, categories: str, region: str) -> list[str]:
    return [
        "center",
        "add-provider",
        "--name",
        name,
        "--categories",
        categories,
        "--region",
        region,
    ]


def store_settings(world: World, store: Store) -> dict[str, Any]:
    """The store owner's ``ascc.toml``: forward to the center, deliver vouchers to a log."""
    return {
        "store": {
            "platform": store.platform,
            "shop": store.shop,
            "mode": "center",
            "webhook_secret": store.webhook_secret,
        },
        "center": {
            "url": world.center.url,
            "signing_secret": str(store.gsp["signing_secret"]),
            "retry_base_seconds": 0.2,
            "retry_cap_seconds": 2.0,
        },
        "delivery": {"channels": ["log"]},
        "programs": list(PROGRAMS),
    }


def start_stores(world: World) -> dict[str, str]:
    """Write each store's ``ascc.toml`` and run ``ascc store serve`` on it (started together)."""
    for store in world.stores.values():
        write_settings_file(store.config, store_settings(world, store))
        store.service = store_service(store.config, workers=1).launch()
    for store in world.stores.values():
        assert store.service is not None
        store.service.wait_ready(READY_SECONDS)
    return {name: store.url for name, store in world.stores.items()}
