"""Issue 5, "Done when": the hub is down while 50 storefront webhooks arrive; nothing is lost,
nothing is issued twice — also when the hub is killed (SIGKILL) in the middle of the drain.

Real processes: ``ascc store serve`` in ``center`` mode and ``ascc center serve`` on loopback.
The expected vouchers are computed from the orders sent (``entitled_keys``: what each covers —
the store holds none of the hub's keys); refunded units must end ``voided`` at the hub, the rest
``issued``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import requests

from ascc_plugin.issuing import UnitKey
from simulator.stack import delivered, outbox_status, unit_key

pytestmark = pytest.mark.slow

ORDERS, REFUNDS_EVERY, REPEATS = 30, 4, 12  # 30 paid + 8 refunds + 12 repeats = 50 webhooks
DRAIN_SECONDS = 30


def send_while_down(stack: Any, kit: Any) -> Any:
    """Send the 50 webhooks with the hub down; all answered 200, all distinct ones pending."""
    work = kit.workload(stack.registration.shop, stack.programs, ORDERS, REFUNDS_EVERY, REPEATS)
    assert len(work.deliveries) == 50 and work.distinct == 38
    assert stack.send(work.deliveries) == [200] * 50
    status = outbox_status(stack.config)
    assert status["counts"]["parked"] == 0
    assert status["counts"]["pending"] == work.distinct  # repeats never reach the outbox
    assert {entry["state"] for entry in status["entries"]} == {"pending"}
    assert all(entry["last_error"] for entry in status["entries"] if entry["attempts"])
    return work


def check_drained(stack: Any, kit: Any, expected: dict[str, str]) -> list[dict[str, Any]]:
    """Wait for the hub to hold exactly the expected vouchers and the outbox to be empty."""
    view = stack.view()
    try:
        kit.wait_for(lambda: view.states() == expected, DRAIN_SECONDS, "the hub's vouchers")
        records: list[dict[str, Any]] = view.records()
    finally:
        view.close()
    for record in records:  # one "issue" in each voucher's audit trail: issued exactly once
        actions = Counter(event["action"] for event in record["history"])
        assert actions["issue"] == 1, record
    kit.wait_for(lambda: _empty(outbox_status(stack.config)), DRAIN_SECONDS, "an empty outbox")
    return records


def _empty(status: dict[str, Any]) -> bool:
    """Nothing left to send to the center, and no voucher waiting for a delivery channel."""
    counts = status["counts"]
    idle = counts["pending"] == 0 and counts["parked"] == 0
    return idle and not status["entries"] and not status["parcels"]


def secrets_delivered(stack: Any) -> Counter[UnitKey]:
    """How many times each voucher's holder secret reached the delivery log."""
    return Counter(unit_key(line["voucher"]) for line in delivered(stack.config))


def test_outage_then_drain(stack: Any, kit: Any) -> None:
    pair = stack()
    work = send_while_down(pair, kit)
    pair.center.start()
    check_drained(pair, kit, work.expected)
    delivered_ids = secrets_delivered(pair)
    assert delivered_ids == Counter(set(work.expected))  # every secret, once, voided ones too
    for line in delivered(pair.config)[:3]:  # and the secrets delivered open the vouchers
        secret = line["voucher"]["holder_secret"]
        answer = requests.get(
            f"{pair.center.url}/api/v1/vouchers/{line['voucher']['id']}",
            headers={"Authorization": f"Bearer {secret}"},
            timeout=5,
        )
        assert answer.status_code == 200 and answer.json()["id"] == line["voucher"]["id"]


def test_hub_killed_mid_drain(stack: Any, kit: Any) -> None:
    # A proxy waiting 60 ms before each forward stretches the drain over about a second,
    # so the hub can be killed while it holds some vouchers but not all.
    pair = stack(proxy=lambda upstream: kit.Proxy(upstream, delay=0.06))
    work = send_while_down(pair, kit)
    view = pair.view()
    pair.center.start()
    try:
        partial = kit.wait_for(
            lambda: _partial(view.states(), work.expected), DRAIN_SECONDS, "a partial drain"
        )
    finally:
        view.close()
    pair.center.stop(kill=True)
    assert 0 < len(partial) < len(work.expected)
    assert outbox_status(pair.config)["counts"]["pending"] > 0
    pair.center.start()
    check_drained(pair, kit, work.expected)
    delivered_ids = secrets_delivered(pair)
    assert max(delivered_ids.values()) == 1  # never two secrets for one voucher
    assert set(delivered_ids) <= set(work.expected)


def _partial(states: dict[str, str], expected: dict[str, str]) -> dict[str, str] | None:
    return states if states and states != expected else None


def test_a_center_mode_store_holds_no_key_of_the_hub(stack: Any) -> None:
    """The store is configured with its own folder only: no signing key, id key or seal key of
    the hub is anywhere in it, and its settings name no key folder."""
    pair = stack()
    store_files = {path.name for path in pair.config.parent.rglob("*") if path.is_file()}
    hub_keys = {path.name for path in kit_keys(pair)}
    assert hub_keys >= {"voucher-id.key", "active", "jwks.json"}
    private = {name for name in hub_keys if name != "jwks.json"}
    assert not store_files & private, store_files & private
    own = {"ascc-outbox.sqlite.key"}  # the store's own key sealing the hub's answers it keeps
    assert not any(name.endswith((".pem", ".key")) for name in store_files - own)
    assert "[keys]" not in pair.config.read_text()


def kit_keys(pair: Any) -> list[Any]:
    return [path for path in pair.center.log.parent.joinpath("keys").rglob("*") if path.is_file()]
