"""``run_e2e(scenario, seed=…)``: one replication in e2e mode, cross-checked.

The model replication runs as in model mode (same seed, same decisions: the observer draws from
no model stream), with :class:`~simulator.e2e.bridge.Bridge` as its observer and the real side
(:class:`~simulator.e2e.market.Market`) in the same SimPy environment. At the horizon the model's
figures are taken, the bridge closes, and the real side is given virtual time (at most
``settle_days``) to drain its outboxes and the parties' steps; then the hub's records are
cross-checked (:mod:`simulator.e2e.crosscheck`). The summary holds the model's figures, the
real side's counts, the cross-check and where the wall time went.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.e2e import features
from simulator.e2e.bridge import Bridge
from simulator.e2e.crosscheck import Check, cross_check
from simulator.e2e.hub import SimHub
from simulator.e2e.market import Market
from simulator.e2e.orders import products_of
from simulator.engine import Replication
from simulator.metrics import replication_metrics
from simulator.scenario import Scenario, ScenarioError

SETTLE_STEP_HOURS = 1.0
MODEL_COUNTS = ("orders", "vouchers", "vouchers_voided", "activations", "services")


@dataclass
class E2eResult:
    summary: dict[str, Any]
    check: Check

    @property
    def ok(self) -> bool:
        return self.check.ok


def run_e2e(
    scenario: Scenario | str | Path,
    *,
    seed: int = 1,
    database_url: str | None = None,
    folder: Path | None = None,
    settle_days: float = 14.0,
) -> E2eResult:
    """Run ``scenario`` once in e2e mode; ``database_url`` is the hub's (default: SQLite)."""
    if not isinstance(scenario, Scenario):
        scenario = Scenario.load(scenario)
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="ascc-e2e-") as tmp:
            return _run(scenario, seed, database_url, Path(tmp), settle_days)
    folder.mkdir(parents=True, exist_ok=True)
    return _run(scenario, seed, database_url, folder, settle_days)


def _run(
    scenario: Scenario, seed: int, database_url: str | None, folder: Path, settle_days: float
) -> E2eResult:
    started = time.perf_counter()
    rep = Replication(scenario, seed, 0)
    url = database_url or f"sqlite:///{folder / 'hub.sqlite'}"
    hub = SimHub(folder, url, scenario, Market.clock_of(rep.env))
    try:
        used = features.require(scenario, features.offered(hub.app))
    except ScenarioError:
        hub.close()
        raise
    market = Market(rep, hub, folder, seed)
    try:
        bridge = Bridge(
            market.storefronts, market.parties, market.providers, market.link, market.moment
        )
        bridge.post = market.post
        for index, store in enumerate(scenario.stores):
            bridge.announce_catalog(index, products_of(store, scenario))
        rep.observer = bridge
        market.start()
        built = time.perf_counter()
        rep.run()
        model = replication_metrics(rep)
        bridge.closed = True
        settled = settle(market, settle_days)
        ran = time.perf_counter()
        wallets = {key for wallet in market.wallets for key in wallet.vouchers}
        twice = sum(wallet.twice for wallet in market.wallets)
        check = cross_check(bridge.expected, market.hub.records(), wallets, twice)
        if "ledger" in used["offered"]:
            check.ledger = market.hub.ledger()
        timing = {"setup_s": built - started, "run_s": ran - built}
        summary = summarize(scenario, seed, model, bridge, market, check, used, settled, timing)
    finally:
        market.close()
    return E2eResult(summary, check)


def settle(market: Market, days: float) -> float:
    """Run the real side on until nothing is pending (or ``days`` passed); hours it took."""
    env = market.env
    start = env.now
    while market.pending() and env.now - start < days * 24:
        env.run(until=env.now + SETTLE_STEP_HOURS)
    return env.now - start


def summarize(
    scenario: Scenario,
    seed: int,
    model: dict[str, Any],
    bridge: Bridge,
    market: Market,
    check: Check,
    used: dict[str, list[str]],
    settled: float,
    timing: dict[str, float],
) -> dict[str, Any]:
    """The run's summary: deterministic per seed except ``timing``."""
    sent = lost = unanswered = refused = 0
    for link in market.links.values():
        sent += link.counts.sent
        lost += link.counts.lost
        unanswered += link.counts.unanswered
        refused += link.counts.refused
    tally = market.parties.tally
    counts = check.counts()
    return {
        "mode": "e2e",
        "scenario": scenario.name,
        "seed": seed,
        "features": used,
        "model": {key: model[key] for key in MODEL_COUNTS if key in model},
        "requested": vars(bridge.tallies).copy(),
        "hub": {"vouchers": check.found, "states": counts["states"]},
        "links": {"sent": sent, "lost": lost, "answers_lost": unanswered, "hub_down": refused},
        "parties": {"steps": tally.done, "refused": tally.refused, "resent": tally.resent},
        "refusals": tally.refusals[:20],
        "lost": counts["lost"],
        "duplicated": counts["duplicated"],
        "cross_check": counts,
        "settle_hours": round(settled, 6),
        "pending_after_settle": market.pending(),
        "timing": {key: round(value, 3) for key, value in timing.items()},
    }
