"""The summary of an e2e run: the model's figures, the real side's counts, the cross-check.

Deterministic per seed (the same seed gives the same summary) except ``timing``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.e2e.crosscheck import Check

if TYPE_CHECKING:
    from simulator.e2e.simulation import Simulation

MODEL_COUNTS = ("orders", "vouchers", "vouchers_voided", "activations", "services")


def summarize(
    sim: Simulation,
    model: dict[str, Any],
    check: Check,
    settled: float,
    timing: dict[str, float],
) -> dict[str, Any]:
    market = sim.market
    links = {"sent": 0, "lost": 0, "answers_lost": 0, "hub_down": 0}
    for link in market.links.values():
        links["sent"] += link.counts.sent
        links["lost"] += link.counts.lost
        links["answers_lost"] += link.counts.unanswered
        links["hub_down"] += link.counts.refused
    tally = market.parties.tally
    counts = check.counts()
    return {
        "mode": "e2e",
        "scenario": sim.scenario.name,
        "seed": sim.seed,
        "features": sim.features,
        "model": {key: int(model[key]) for key in MODEL_COUNTS if key in model},
        "requested": vars(sim.bridge.tallies).copy(),
        "hub": {"vouchers": check.found, "states": counts["states"]},
        "links": links,
        "parties": {"steps": tally.done, "refused": tally.refused, "resent": tally.resent},
        "refusals": tally.refusals[:20],
        "lost": counts["lost"],
        "duplicated": counts["duplicated"],
        "cross_check": counts,
        "settle_hours": round(settled, 6),
        "pending_after_settle": market.pending(),
        "timing": {key: round(value, 3) for key, value in timing.items()},
    }
