"""A center and a store in ``center`` mode, wired as a store owner would (real processes).

:func:`prepare_center` makes the hub's database and registers one store (``init-db`` and
``add-gsp``, which work while the hub is down); :func:`write_store_config` writes that store's
``ascc.toml`` pointing at the hub (the store gets its own folder only: none of the hub's keys).
:class:`CenterView` reads what the hub holds over its records API, and :func:`outbox_status`
asks ``ascc store outbox --json``. Used by the end-to-end tests and
``benchmarks/bench_store.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from ascc_plugin.issuing import UnitKey
from ascc_plugin.settings import write_settings_file
from simulator.services import Service, ascc_json, center_service, run_ascc

PROGRAMS = (
    {"id": "repair-12m", "kind": "repair", "term_months": 12},
    {
        "id": "install-1m",
        "kind": "installation",
        "term_months": 1,
        "match": {"min_unit_price": "100.00"},
    },
)
"""Every line gets a repair voucher per unit; lines at 100.00 or more an installation one too."""


@dataclass(frozen=True)
class Registration:
    """A store as the hub knows it (``ascc center add-gsp``'s answer)."""

    gsp_id: str
    api_key: str
    signing_secret: str
    shop: str


def prepare_center(
    folder: Path, port: int | None = None, *, shop: str = "e2e.myshopify.com", workers: int = 2
) -> tuple[Service, Registration]:
    """A hub in ``folder`` (database migrated, one Shopify store registered), not started."""
    center = center_service(folder, port, workers=workers)
    run_ascc(["center", "init-db"], center.env)
    answer = ascc_json(
        ["center", "add-gsp", "--name", "E2E", "--platform", "shopify", "--shop", shop],
        center.env,
    )
    registration = Registration(
        str(answer["gsp_id"]), str(answer["api_key"]), str(answer["signing_secret"]), shop
    )
    return center, registration


def write_store_config(
    folder: Path,
    center: Service,
    registration: Registration,
    *,
    webhook_secret: str,
    center_url: str | None = None,
    retry_base: float = 0.05,
    retry_cap: float = 0.5,
) -> Path:
    """``folder/ascc.toml`` for a Shopify store in ``center`` mode with the log channel."""
    return write_settings_file(
        folder / "ascc.toml",
        {
            "store": {
                "platform": "shopify",
                "shop": registration.shop,
                "mode": "center",
                "webhook_secret": webhook_secret,
            },
            "center": {
                "url": center_url or center.url,
                "signing_secret": registration.signing_secret,
                "retry_base_seconds": retry_base,
                "retry_cap_seconds": retry_cap,
            },
            "delivery": {"channels": ["log"]},
            "programs": list(PROGRAMS),
        },
    )


def outbox_status(config: Path) -> dict[str, Any]:
    """``ascc store outbox --json --config CONFIG`` (works whether the hub is up or not)."""
    return ascc_json(["store", "outbox", "--json", "--config", str(config)], {})


def delivered(config: Path) -> list[dict[str, Any]]:
    """The lines of the store's delivery log (``[delivery] log_file``), oldest first."""
    path = config.parent / "ascc-deliveries.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def unit_key(voucher: dict[str, Any]) -> UnitKey:
    """What a voucher (a hub record or a delivered voucher's JSON) covers."""
    return (
        str(voucher["order_id"]),
        str(voucher["line_id"]),
        int(voucher["unit"]),
        str(voucher["program"]),
    )


class CenterView:
    """The hub's records of one store, read through ``GET /api/v1/records`` with its key."""

    def __init__(self, url: str, registration: Registration) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {registration.api_key}"

    def records(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
            page = self.session.get(f"{self.url}/api/v1/records", params=params, timeout=5)
            page.raise_for_status()
            answer = page.json()
            items.extend(answer["items"])
            cursor = answer["next_cursor"]
            if cursor is None:
                return items

    def states(self) -> dict[UnitKey, str]:
        """What each voucher covers → its state (fails on a repeat: each must exist once)."""
        found = self.records()
        units: Sequence[UnitKey] = [unit_key(item) for item in found]
        if len(set(units)) != len(units):
            raise AssertionError(f"a voucher is listed twice: {sorted(units)}")
        return {unit_key(item): item["state"] for item in found}

    def close(self) -> None:
        self.session.close()
