"""What a scenario asks of the hub, and what the hub offers: refused by name when they differ.

The hub's offer is read from its own URL map (a feature is there when its API is mounted), so a
hub built without the reward half, or without Redis, says so itself. Each e2e run lists the
features it exercised through the real API and those left to the model (``summary.features``).
"""

from __future__ import annotations

from typing import Any

from simulator.scenario import Scenario, ScenarioError

ROUTES = {
    "vouchers": "/api/v1/events",
    "assessments": "/api/v1/vouchers/<voucher_id>/assessment",
    "incentives": "/api/v1/incentives/<incentive_id>/release",
    "insurance": "/api/v1/vouchers/<voucher_id>/claims",
    "channel": "/ws/cases/<voucher_id>",
    "ledger": "/api/v1/ledger/accounts/<name>",
}
EXERCISED = ("vouchers", "assessments", "incentives", "insurance", "channel")
"""Features the e2e mode drives through the real API in process; the others the scenario uses
stay modelled."""
EXERCISED_LIVE = ("vouchers", "assessments")
"""``--live``: the incentives, claims and frames stay modelled (the incentives' tokens reach the
customer through a hook in the hub's process)."""


def offered(app: Any, redis: bool = False) -> set[str]:
    """The features ``app`` (a hub) serves."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    found = {name for name, route in ROUTES.items() if route in rules}
    return found | ({"redis"} if redis else set())


def offered_paths(paths: set[str]) -> set[str]:
    """The features a hub documents in its OpenAPI ``paths`` (``{name}`` placeholders)."""
    found = set()
    for name, route in ROUTES.items():
        if route.replace("<", "{").replace(">", "}") in paths:
            found.add(name)
    return found


def wanted(scenario: Scenario) -> dict[str, str]:
    """Feature → what in the scenario asks for it."""
    wants = {"vouchers": "[[stores]]", "assessments": "[satisfaction] (customers score services)"}
    for program in scenario.programs:
        if program.incentive:
            wants.setdefault("incentives", f"program {program.id!r}: incentive")
        if program.insurance_policy:
            wants.setdefault("insurance", f"program {program.id!r}: insurance_policy")
    if scenario.channel.frames:
        wants["channel"] = "[channel] frames"
    for i, fault in enumerate(scenario.faults):
        if fault.kind == "redis_down":
            wants["redis"] = f"faults[{i}] (redis_down)"
    return wants


def untold(scenario: Scenario) -> list[str]:
    """What a scenario asks that a platform's webhooks cannot tell the store (e2e only)."""
    if scenario.refunds.refund_probability == 0:
        return []
    return [
        f"{scenario.source}: stores[{i}]: WooCommerce's order webhooks do not say which line a "
        "refund took back; set refunds.refund_probability = 0 for the e2e mode"
        for i, store in enumerate(scenario.stores)
        if store.platform == "woocommerce"
    ]


def require(
    scenario: Scenario, available: set[str], exercised: tuple[str, ...] = EXERCISED
) -> dict[str, list[str]]:
    """Refuse (ScenarioError) a scenario that asks for a feature the hub lacks; else say which
    features the run drives for real and which stay modelled."""
    wants = wanted(scenario)
    lacking = sorted(name for name in wants if name not in available)
    lines = untold(scenario)
    if lacking or lines:
        lines += [
            f"{scenario.source}: the hub lacks {name!r}, asked by {wants[name]}" for name in lacking
        ]
        raise ScenarioError("\n".join(lines))
    return {
        "exercised": [name for name in exercised if name in wants],
        "modelled": sorted(name for name in wants if name not in exercised),
        "offered": sorted(available),
    }
