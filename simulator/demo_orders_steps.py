"""Demo steps, first half: start the marketplace, send storefront orders, check what was issued."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import partial
from typing import Any

from ascc_plugin.vouchers import Voucher
from simulator.demo_context import Check, Demo, StepFailed, expect, read_deliveries, wait_for
from simulator.demo_orders import (
    expected_vouchers,
    post,
    shopify_emulator,
    shopify_order,
    shopify_refund,
    woo_emulator,
    woo_order,
)
from simulator.demo_world import Store, register
from simulator.demo_world import start_stores as start_store_services


def start_center(demo: Demo) -> Check:
    demo.world.center.start()
    database = demo.world.center.env["ASCC_DATABASE_URL"]
    return Check(f"{demo.center}  ({database})", {"url": demo.center})


def register_parties(demo: Demo) -> Check:
    register(demo.world)
    stores = [store.gsp["gsp_id"] for store in demo.world.stores.values()]
    providers = [provider["provider_id"] for provider in demo.world.providers]
    detail = (
        f"{len(stores)} stores, {len(providers)} providers (ascc center add-gsp / add-provider)"
    )
    return Check(detail, {"stores": stores, "providers": providers})


def start_stores(demo: Demo) -> Check:
    urls = start_store_services(demo.world)
    return Check("  ".join(f"{name} {url}" for name, url in urls.items()), {"urls": urls})


def accepted(answer: dict[str, Any], status: str, vouchers: int | None, what: str) -> None:
    seen = (answer.get("http"), answer.get("status"), answer.get("vouchers"))
    expect(
        seen == (200, status, vouchers),
        f"{what}: expected (200, {status!r}, {vouchers}), got {seen}",
    )


def shopify_paid(demo: Demo) -> Check:
    store = demo.world.stores["shopify"]
    request = shopify_emulator(store).order_request("orders/paid", shopify_order(demo.now))
    expected = demo.expected["shopify"] = expected_vouchers(store, request, demo.world.keys_dir)
    accepted(post(request, store), "processed", len(expected), "orders/paid")
    duplicate = post(request, store)
    accepted(duplicate, "duplicate", None, "the same delivery again")
    detail = f"orders/paid → {len(expected)} vouchers; the same delivery again → duplicate"
    return Check(detail, {"vouchers": len(expected), "duplicate": duplicate["status"]})


def woocommerce_paid(demo: Demo) -> Check:
    store = demo.world.stores["woocommerce"]
    order = woo_order(demo.now)
    created = woo_emulator(store).order_request("order.created", order)
    accepted(post(created, store), "processed", 0, "order.created")
    paid = order.evolve(paid=True, updated_at=demo.now - timedelta(minutes=50))
    updated = woo_emulator(store).order_request("order.updated", paid)
    expected = demo.expected["woocommerce"] = expected_vouchers(store, updated, demo.world.keys_dir)
    accepted(post(updated, store), "processed", len(expected), "order.updated")
    detail = f"order.created (pending) → 0; order.updated (processing) → {len(expected)} vouchers"
    return Check(detail, {"vouchers": len(expected)})


def delivered(store: Store, expected: list[Voucher]) -> list[dict[str, Any]] | None:
    lines = read_deliveries(store.deliveries)
    return lines if len(lines) >= len(expected) else None


def vouchers_delivered(demo: Demo) -> Check:
    counts = {}
    for name, store in demo.world.stores.items():
        expected = demo.expected[name]
        lines = wait_for(partial(delivered, store, expected), f"{name}'s delivery log")
        ids = Counter(line["voucher"]["id"] for line in lines)
        expect(
            set(ids) == {v.id for v in expected}, f"{name}: delivered ids differ from the store's"
        )
        expect(
            max(ids.values()) == 1, f"{name}: a voucher was delivered twice: {ids.most_common(1)}"
        )
        expect(
            all(line["voucher"].get("holder_secret") for line in lines),
            f"{name}: a secret is missing",
        )
        demo.deliveries.update({line["voucher"]["id"]: line for line in lines})
        counts[name] = len(lines)
    detail = (
        ", ".join(f"{n} {c}" for n, c in counts.items()) + " — each once, with its holder secret"
    )
    return Check(detail, {"delivered": counts})


def records_agree(demo: Demo) -> Check:
    counts = {}
    for name, store in demo.world.stores.items():
        records = demo.records(store)
        ids = Counter(r["voucher_id"] for r in records)
        expected = {v.id for v in demo.expected[name]}
        expect(
            set(ids) == expected,
            f"{name}: the center holds {sorted(ids)}, the store computed {sorted(expected)}",
        )
        expect(
            len(records) == len(expected),
            f"{name}: {len(records)} records for {len(expected)} vouchers",
        )
        expect(
            {r["state"] for r in records} == {"issued"},
            f"{name}: states {sorted({r['state'] for r in records})}",
        )
        counts[name] = len(records)
    detail = (
        ", ".join(f"{n} {c}" for n, c in counts.items()) + " records; ids equal the stores' own"
    )
    return Check(detail, {"records": counts})


def partial_refund(demo: Demo) -> Check:
    store = demo.world.stores["shopify"]
    emulator, order, refund = (
        shopify_emulator(store),
        shopify_order(demo.now),
        shopify_refund(demo.now),
    )
    after = emulator.order_request("orders/updated", order.evolve(refunds=(refund,)))
    still = {v.id for v in expected_vouchers(store, after, demo.world.keys_dir)}
    demo.voided = {v.id for v in demo.expected["shopify"]} - still
    request = emulator.refund_request(order, refund)
    accepted(post(request, store), "processed", len(still), "refunds/create")
    wait_for(lambda: voided_at_center(demo, store), "the refunded units voided at the center")
    expect(
        len(read_deliveries(store.deliveries)) == len(demo.expected["shopify"]),
        "a refund delivered a voucher",
    )
    return Check(
        f"1 soundbar refunded → {len(demo.voided)} vouchers voided, {len(still)} stay",
        {"voided": sorted(demo.voided)},
    )


def voided_at_center(demo: Demo, store: Store) -> bool | None:
    states = {r["voucher_id"]: r["state"] for r in demo.records(store)}
    voided = {vid for vid, state in states.items() if state == "voided"}
    if not voided:
        return None
    if voided != demo.voided:
        raise StepFailed(f"voided {sorted(voided)}, expected {sorted(demo.voided)}")
    return True
