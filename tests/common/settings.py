"""Settings files for tests, written as real TOML: ``store_config(folder, store={...}, ...)``.

The one way tests make an ``ascc.toml``: tables are given as mappings and written with the
project's own writer (:func:`ascc_plugin.settings.write_settings_file`), then read back by the
project's own loader, so a test sees exactly what a store owner's file would give.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ascc_plugin.settings import Settings, load_settings, write_settings_file

SECRET = "hush-&-quiet"
SHOP = "demo.myshopify.com"
PROGRAMS = (
    {"id": "repair-12m", "kind": "repair", "term_months": 12, "match": {"min_unit_price": "50.00"}},
    {"id": "support-24m", "kind": "support", "term_months": 24},
)
"""A repair voucher per unit at 50.00 or more, a support voucher for every unit."""


def store_config(folder: Path, **tables: Any) -> Path:
    """``folder/ascc.toml`` with ``tables`` (``store={...}``, ``programs=[...]`` …); a
    ``[store]`` with a webhook secret and the sample programs unless given."""
    store = {"platform": "shopify", "shop": SHOP, "webhook_secret": SECRET}
    given: dict[str, Any] = {"programs": list(PROGRAMS), **tables}
    given["store"] = {**store, **dict(tables.get("store") or {})}
    return write_settings_file(folder / "ascc.toml", given)


def store_settings(folder: Path, env: Mapping[str, str] | None = None, **tables: Any) -> Settings:
    """The settings of :func:`store_config`'s file, loaded (no ``ASCC_*`` unless ``env``)."""
    return load_settings(store_config(folder, **tables), env=env or {})


def sample_programs() -> list[dict[str, Any]]:
    """The ``[[programs]]`` of ``ascc_plugin/samples/ascc.toml`` (what the demo seeds)."""
    import tomllib

    from tests.common.fixtures import SAMPLES

    programs: list[dict[str, Any]] = tomllib.loads((SAMPLES / "ascc.toml").read_text())["programs"]
    return programs


def center_store_config(
    folder: Path,
    url: str,
    secret: str,
    center: Mapping[str, Any] | None = None,
    channels: tuple[str, ...] = ("log",),
    **tables: Any,
) -> Path:
    """A ``mode = "center"`` store forwarding to ``url`` with signing ``secret``: the sample
    programs, the outbox and a delivery log in ``folder`` (no key folder: it holds none);
    ``channels`` are the ``[delivery] channels`` it names."""
    return store_config(
        folder,
        store={"mode": "center"},
        center={
            "url": url,
            "signing_secret": secret,
            "outbox": "outbox.sqlite",
            "timeout_seconds": 2.0,
            **dict(center or {}),
        },
        delivery={"channels": list(channels), "log_file": "deliveries.jsonl"},
        programs=sample_programs(),
        **tables,
    )
