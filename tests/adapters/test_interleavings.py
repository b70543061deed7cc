"""Any interleaving of one order's deliveries, duplicates included, ends in the same voucher set.

Deliveries go through the whole app (signature, dedupe, state, host, events log) with Flask's
test client: hypothesis needs hundreds of deliveries, and loopback HTTP is covered elsewhere.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.emulation import OrderSpec, RefundSpec, SignedRequest
from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.app import create_app
from adapters.woocommerce.emulator import WooCommerceEmulator

ORDER_IDS = itertools.count(4_000_000_000_000_000_000)


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory, kit: Any) -> dict[str, tuple[Flask, Any]]:
    made = {}
    for platform in ("shopify", "woocommerce"):
        config = kit.write_config(tmp_path_factory.mktemp(platform), platform)
        made[platform] = (create_app(config), config)
    return made


def scenario(
    kit: Any, order_id: int, refunded: int, fulfil: bool, cancel: bool
) -> list[tuple[str, OrderSpec, RefundSpec | None]]:
    """The in-order story of one order: (topic, state, refund object or None)."""
    spec = kit.sample_order(order_id)
    steps: list[tuple[str, OrderSpec, RefundSpec | None]] = [("create", spec, None)]
    spec = spec.evolve(paid=True, updated_at=kit.later(1))
    steps.append(("paid", spec, None))
    spec = spec.evolve(fulfilled=fulfil, updated_at=kit.later(2))
    steps.append(("updated", spec, None))
    if refunded:
        refund = RefundSpec(
            id=order_id % 10**9, lines={spec.lines[1].id: refunded}, created_at=kit.later(3)
        )
        spec = spec.evolve(refunds=(refund,), updated_at=kit.later(3))
        steps += [("refund", spec, refund), ("updated", spec, None)]
    if cancel:
        steps.append(("cancel", spec.evolve(cancelled=True, updated_at=kit.later(4)), None))
    return steps


SHOPIFY_TOPICS = {
    "create": "orders/create",
    "paid": "orders/paid",
    "updated": "orders/updated",
    "cancel": "orders/cancelled",
}
WOO_TOPICS = {
    "create": "order.created",
    "paid": "order.updated",
    "updated": "order.updated",
    "cancel": "order.updated",
}


def requests_for(platform: str, kit: Any, steps: list[Any]) -> list[SignedRequest]:
    made = []
    for n, (step, spec, refund) in enumerate(steps):
        if platform == "shopify":
            shop = ShopifyEmulator(kit.SECRET)
            ids = {"webhook_id": f"{spec.id}-w{n}", "event_id": f"{spec.id}-e{n}"}
            made.append(
                shop.refund_request(spec, refund, **ids)
                if refund
                else shop.order_request(SHOPIFY_TOPICS[step], spec, **ids)
            )
        else:
            woo = WooCommerceEmulator("hush-&amp;-quiet")
            made.append(
                woo.refund_request(spec, refund)
                if refund
                else woo.order_request(WOO_TOPICS[step], spec)
            )
    return made


def final_set(
    app: Flask, config: Any, kit: Any, deliveries: list[SignedRequest], order_id: int
) -> set[tuple[str, int, str]]:
    client = app.test_client()
    for request in deliveries:
        answer = client.post(request.path, data=request.body, headers=request.headers)
        assert answer.status_code == 200, answer.json
    lines = [line for line in kit.events(config) if line["event"]["order"]["id"] == str(order_id)]
    return {(v["line_id"], v["unit"], v["program"]) for v in lines[-1]["vouchers"]}


@pytest.mark.parametrize("platform", ["shopify", "woocommerce"])
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(refunded=st.integers(0, 3), fulfil=st.booleans(), cancel=st.booleans(), data=st.data())
def test_any_interleaving_with_duplicates_ends_in_the_in_order_set(
    apps: dict[str, tuple[Flask, Any]],
    kit: Any,
    platform: str,
    refunded: int,
    fulfil: bool,
    cancel: bool,
    data: st.DataObject,
) -> None:
    app, config = apps[platform]
    in_order_id, shuffled_id = next(ORDER_IDS), next(ORDER_IDS)
    expected_steps = scenario(kit, in_order_id, refunded, fulfil, cancel)
    expected = final_set(app, config, kit, requests_for(platform, kit, expected_steps), in_order_id)
    shuffled = requests_for(platform, kit, scenario(kit, shuffled_id, refunded, fulfil, cancel))
    order = data.draw(st.permutations(range(len(shuffled))), label="order")
    deliveries = [shuffled[i] for i in order]
    for _ in range(data.draw(st.integers(0, 4), label="duplicates")):
        again = shuffled[data.draw(st.integers(0, len(shuffled) - 1), label="again")]
        deliveries.insert(data.draw(st.integers(0, len(deliveries)), label="at"), again)
    assert final_set(app, config, kit, deliveries, shuffled_id) == {
        (line, unit, program) for line, unit, program in expected
    }
    if not cancel:
        assert len(expected) == 5 - refunded


def test_duplicates_interleaved_mid_stream_do_not_change_the_result(
    apps: dict[str, tuple[Flask, Any]],
    kit: Any,
) -> None:
    app, config = apps["shopify"]
    order_id = next(ORDER_IDS)
    steps = requests_for("shopify", kit, scenario(kit, order_id, 2, True, False))
    deliveries = [steps[3], steps[0], steps[3], steps[4], steps[1], steps[0], steps[2]]
    assert len(final_set(app, config, kit, deliveries, order_id)) == 3
