"""Verified-and-mapped deliveries per second, per platform, on the largest fixture.

For each platform the body is the largest shared fixture, unwrapped to the webhook shape and
serialised once (as the storefront would send it). Three figures, all in-process, one core:

* floor    — raw ``hmac.new(...)`` + ``compare_digest`` + ``json.loads`` of the same bytes;
* mapped   — the adapter's pure pipeline: ``matches_b64`` (constant-time on bytes) +
             ``parse_json`` (Decimal, no float) + ``map_delivery`` → canonical order;
* full app — a whole delivery through the store app with Flask's test client (no socket):
             signature, dedupe row, order state in SQLite (FULL sync, one commit per delivery),
             the plugin host in preview mode and the events-log line.

Run: ``.venv/bin/python benchmarks/bench_adapters.py`` (``make bench`` runs every benchmark).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ascc_plugin.config import load_config

from adapters.payload import parse_json
from adapters.shopify import mapping as shopify_mapping
from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.app import create_app
from adapters.woocommerce import mapping as woo_mapping
from adapters.woocommerce.emulator import WooCommerceEmulator
from ascc_plugin.signatures import matches_b64

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
if not FIXTURES.is_dir():
    FIXTURES = Path("/work/shared/fixtures")
SECRET = "bench-secret"  # noqa: S105  (a benchmark key, not a credential)
CONFIG = """[store]
platform = "{platform}"
shop = "demo.myshopify.com"
webhook_secret = "{secret}"
events_log = "events.jsonl"
state_db = "state.sqlite3"

[[programs]]
id = "support-24m"
kind = "support"
term_months = 24
"""


def largest(platform: str) -> tuple[str, Any]:
    path = max((FIXTURES / platform).glob("*.json"), key=lambda p: p.stat().st_size)
    data = parse_json(path.read_bytes())
    for key in ("order", "data"):
        if isinstance(data, dict) and key in data:
            data = data[key]
    return path.name, data


def rate(work: Callable[[int], None], seconds: float = 1.5) -> float:
    """Calls per second of ``work(i)``, measured over about ``seconds``."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            work(count)
            count += 1
    return count / elapsed


def floor(body: bytes, signature: bytes) -> Callable[[int], None]:
    key = SECRET.encode()

    def work(_i: int) -> None:
        digest = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest())
        assert hmac.compare_digest(digest, signature)
        json.loads(body)

    return work


def mapped(platform: str, topic: str, body: bytes, signature: str) -> Callable[[int], None]:
    keys = [SECRET.encode()]

    def work(_i: int) -> None:
        assert matches_b64(keys, body, signature)
        if platform == "shopify":
            shopify_mapping.map_delivery(topic, parse_json(body), "digest")
        else:
            woo_mapping.map_delivery(topic, parse_json(body), "digest", None)  # type: ignore[arg-type]

    return work


def full_app(platform: str, request: Any, folder: Path) -> Callable[[int], None]:
    config_path = folder / "ascc.toml"
    config_path.write_text(CONFIG.format(platform=platform, secret=SECRET), encoding="utf-8")
    client = create_app(load_config(config_path)).test_client()

    def work(i: int) -> None:
        headers = dict(request.headers)
        if platform == "shopify":
            headers["X-Shopify-Webhook-Id"] = headers["X-Shopify-Event-Id"] = f"bench-{i}"
        else:
            headers["X-WC-Webhook-ID"] = str(i)  # same body, new webhook: a new delivery
        answer = client.post(request.path, data=request.body, headers=headers)
        assert answer.status_code == 200 and answer.json["status"] == "processed", answer.json

    return work


def bench(platform: str) -> None:
    name, payload = largest(platform)
    if platform == "shopify":
        request = ShopifyEmulator(SECRET).request("orders/updated", payload)
        signature, topic = request.headers["X-Shopify-Hmac-Sha256"], "orders/updated"
    else:
        request = WooCommerceEmulator(SECRET).request("order.updated", payload)
        signature, topic = request.headers["X-WC-Webhook-Signature"], "order.updated"
    floor_rate = rate(floor(request.body, signature.encode()))
    mapped_rate = rate(mapped(platform, topic, request.body, signature))
    with tempfile.TemporaryDirectory() as folder:
        app_rate = rate(full_app(platform, request, Path(folder)), seconds=3.0)
    print(f"{platform}: {name} ({len(request.body):,} bytes)")
    print(f"  floor    raw HMAC + json.loads          {floor_rate:10,.0f} deliveries/s")
    print(
        f"  mapped   verify + parse + map           {mapped_rate:10,.0f} deliveries/s"
        f"   ratio mapped/floor = {mapped_rate / floor_rate:.2f}"
    )
    print(
        f"  full app test client, SQLite, preview   {app_rate:10,.0f} deliveries/s"
        f"   ratio app/floor = {app_rate / floor_rate:.3f}"
    )


def main() -> int:
    for platform in ("shopify", "woocommerce"):
        bench(platform)
    return 0


if __name__ == "__main__":
    sys.exit(main())
