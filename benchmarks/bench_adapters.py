"""Verified-and-mapped deliveries per second, per platform, on the largest fixture.

For each platform the body is the largest shared fixture, unwrapped to the webhook shape and
serialised once (as the storefront would send it). Three figures, all in-process, one core,
rates per CPU second of this process (floor and mapped measured alternately in short slices;
the ratio is the median of the pairs, with its range):

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

from adapters.payload import parse_json
from adapters.shopify import mapping as shopify_mapping
from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.app import create_app
from adapters.woocommerce import mapping as woo_mapping
from adapters.woocommerce.emulator import WooCommerceEmulator
from ascc_plugin.settings import load_settings, write_settings_file
from ascc_plugin.signatures import matches_b64

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"  # vendored, with sources
SECRET = "bench-secret"  # noqa: S105  (a benchmark key, not a credential)
PROGRAMS = [{"id": "support-24m", "kind": "support", "term_months": 24}]
PAIRS, SLICE = 7, 0.25  # floor and mapped measured alternately: the ratio within each pair


def largest(platform: str) -> tuple[str, Any]:
    path = max((FIXTURES / platform).glob("*.json"), key=lambda p: p.stat().st_size)
    data = parse_json(path.read_bytes())
    for key in ("order", "data"):
        if isinstance(data, dict) and key in data:
            data = data[key]
    return path.name, data


def rate(work: Callable[[int], None], seconds: float = 1.5) -> float:
    """Calls per CPU second of ``work(i)``, measured over about ``seconds`` of this process's
    CPU time (other processes on the shared cores do not count against it)."""
    count, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        for _ in range(50):
            work(count)
            count += 1
    return count / elapsed


def paired(
    floor_work: Callable[[int], None], work: Callable[[int], None], pairs: int = PAIRS
) -> tuple[list[float], list[float]]:
    """Floor and work rates measured alternately in short slices (``pairs`` times each)."""
    floors, works = [], []
    for _ in range(pairs):
        floors.append(rate(floor_work, SLICE))
        works.append(rate(work, SLICE))
    return floors, works


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


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
    store = {
        "platform": platform,
        "shop": "demo.myshopify.com",
        "webhook_secret": SECRET,
        "events_log": "events.jsonl",
        "state_db": "state.sqlite3",
    }
    path = write_settings_file(folder / "ascc.toml", {"store": store, "programs": PROGRAMS})
    client = create_app(load_settings(path)).test_client()

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
    floors, maps = paired(
        floor(request.body, signature.encode()), mapped(platform, topic, request.body, signature)
    )
    floor_rate, mapped_rate = median(floors), median(maps)
    ratios = sorted(m / f for m, f in zip(maps, floors, strict=True))
    with tempfile.TemporaryDirectory() as folder:
        app_rate = rate(full_app(platform, request, Path(folder)), seconds=3.0)
    print(f"{platform}: {name} ({len(request.body):,} bytes)")
    print(f"  floor    raw HMAC + json.loads          {floor_rate:10,.0f} deliveries/s")
    print(
        f"  mapped   verify + parse + map           {mapped_rate:10,.0f} deliveries/s"
        f"   ratio mapped/floor = {median(ratios):.2f} ({ratios[0]:.2f}–{ratios[-1]:.2f},"
        f" {PAIRS} paired slices)   (goal >= 0.50)"
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
