"""The storefront payloads and signature vectors vendored in ``tests/fixtures`` (see its
``SOURCES.md`` for where each file comes from and under which licence)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.payload import parse_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = Path(__file__).resolve().parents[2] / "ascc_plugin" / "samples"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


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
