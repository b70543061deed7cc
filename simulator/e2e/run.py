"""``run_e2e(scenario, seed=…)``: one replication in e2e mode, cross-checked.

The model replication runs as in model mode (same seed, same decisions: the observer draws from
no model stream), with :class:`~simulator.e2e.bridge.Bridge` as its observer and the real side
(:class:`~simulator.e2e.market.Market`) in the same SimPy environment
(:class:`~simulator.e2e.simulation.Simulation`). At the horizon the model's figures are taken,
the bridge closes, the real side is given virtual time (at most ``settle_days``) to drain its
outboxes and the parties' steps, and the hub's records are cross-checked.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from simulator.e2e.simulation import E2eResult, Simulation
from simulator.scenario import Scenario

__all__ = ["E2eResult", "run_e2e", "scratch"]


def run_e2e(
    scenario: Scenario | str | Path,
    *,
    seed: int = 1,
    database_url: str | None = None,
    folder: Path | None = None,
    settle_days: float = 14.0,
    channels: Sequence[str] = (),
    live: float | None = None,
) -> E2eResult:
    """Run ``scenario`` once in e2e mode; ``database_url`` is the hub's (default: SQLite);
    ``channels`` are further delivery channels (plugins) the stores hand vouchers to; ``live``
    runs real processes at that many simulated seconds per wall second."""
    if not isinstance(scenario, Scenario):
        scenario = Scenario.load(scenario)
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="ascc-e2e-", dir=scratch()) as tmp:
            return _run(scenario, seed, database_url, Path(tmp), settle_days, channels, live)
    folder.mkdir(parents=True, exist_ok=True)
    return _run(scenario, seed, database_url, folder, settle_days, channels, live)


def _run(
    scenario: Scenario,
    seed: int,
    database_url: str | None,
    folder: Path,
    settle_days: float,
    channels: Sequence[str],
    live: float | None,
) -> E2eResult:
    sim = Simulation(
        scenario,
        seed=seed,
        folder=folder,
        database_url=database_url,
        channels=channels,
        live=live,
    )
    try:
        sim.advance(sim.end)
        return sim.finish(settle_days)
    finally:
        sim.close()


def scratch() -> str | None:
    """Where a run keeps its files by default: memory (``/dev/shm``) when the system has it.

    The stores' outboxes and the hub's SQLite file are synced to disk on every commit, as in
    production; in a simulation that durability buys nothing and costs most of the wall time.
    """
    shm = Path("/dev/shm")  # noqa: S108 (a private TemporaryDirectory inside it)
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
