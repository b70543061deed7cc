"""Demo steps, first half: start the marketplace, send storefront orders, check what was issued."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import partial
from typing import Any

from ascc_plugin.issuing import UnitKey
from simulator.demo_context import Check, Demo, StepFailed, expect, read_deliveries, wait_for
from simulator.demo_orders import (
    expected_units,
    post,
    shopify_emulator,
    shopify_order,
    shopify_refund,
    woo_emulator,
    woo_order,
)
from simulator.demo_world import Store, register
from simulator.demo_world import start_stores as start_store_services
from simulator.stack import unit_key


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
    expected = demo.expected["shopify"] = expected_units(store, request)
    accepted(post(request, store), "queued", len(expected), "orders/paid")
    duplicate = post(request, store)
    accepted(duplicate, "duplicate", None, "the same delivery again")
    detail = f"orders/paid → {len(expected)} vouchers; the same delivery again → duplicate"
    return Check(detail, {"vouchers": len(expected), "duplicate": duplicate["status"]})


def woocommerce_paid(demo: Demo) -> Check:
    store = demo.world.stores["woocommerce"]
    order = woo_order(demo.now)
    created = woo_emulator(store).order_request("order.created", order)
    accepted(post(created, store), "queued", 0, "order.created")
    paid = order.evolve(paid=True, updated_at=demo.now - timedelta(minutes=50))
    updated = woo_emulator(store).order_request("order.updated", paid)
    expected = demo.expected["woocommerce"] = expected_units(store, updated)
    accepted(post(updated, store), "queued", len(expected), "order.updated")
    detail = f"order.created (pending) → 0; order.updated (processing) → {len(expected)} vouchers"
    return Check(detail, {"vouchers": len(expected)})


def delivered(store: Store, expected: list[UnitKey]) -> list[dict[str, Any]] | None:
    lines = read_deliveries(store.deliveries)
    return lines if len(lines) >= len(expected) else None


def vouchers_delivered(demo: Demo) -> Check:
    counts = {}
    for name, store in demo.world.stores.items():
        expected = demo.expected[name]
        lines = wait_for(partial(delivered, store, expected), f"{name}'s delivery log")
        units = Counter(unit_key(line["voucher"]) for line in lines)
        expect(set(units) == set(expected), f"{name}: delivered vouchers differ from the store's")
        expect(
            max(units.values()) == 1,
            f"{name}: a voucher was delivered twice: {units.most_common(1)}",
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
        units = Counter(unit_key(r) for r in records)
        expected = set(demo.expected[name])
        expect(
            set(units) == expected,
            f"{name}: the center holds {sorted(units)}, the store computed {sorted(expected)}",
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
        ", ".join(f"{n} {c}" for n, c in counts.items())
        + " records; (order, line, unit, program) equal the stores' own"
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
    still = set(expected_units(store, after))
    demo.voided = set(demo.expected["shopify"]) - still
    request = emulator.refund_request(order, refund)
    accepted(post(request, store), "queued", len(still), "refunds/create")
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
    states = {unit_key(r): r["state"] for r in demo.records(store)}
    voided = {unit for unit, state in states.items() if state == "voided"}
    if not voided:
        return None
    if voided != demo.voided:
        raise StepFailed(f"voided {sorted(voided)}, expected {sorted(demo.voided)}")
    return True
