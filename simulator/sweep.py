"""Sweeps: a grid of scenario variants × replications, one tidy CSV row per run.

``--param providers=3,5,8 --param wireless=lte_urban,rural_edge`` gives 6 grid points; each runs
``replications`` times with the same seeds (common random numbers: differences between points
are not noise from different streams). A parameter is a key path of the scenario file
(``providers[0].capacity``, ``customers.claim_propensity``, ``choice.policy``) or a shorthand:

=================  ===========================================================
``providers``      ``count`` of every provider class
``capacity``       ``capacity`` of every provider class
``wireless``       the link profile of every party class (store, customer, provider)
``orders_per_day`` ``orders_per_day`` of every store
``policy``         ``choice.policy``
=================  ===========================================================

Values are TOML literals (``3``, ``0.5``, ``true``) or else strings. Every variant is validated
like a scenario file, so a bad value is refused with its key and reason before anything runs.
"""

from __future__ import annotations

import csv
import itertools
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.executors import run_jobs
from simulator.report import interval
from simulator.runner import ReplicationResult, replication_task
from simulator.scenario import Scenario, ScenarioError

PLOTTED = (
    "wait_hours_mean",
    "wait_hours_p90",
    "csat_mean",
    "abandonment_rate",
    "lost",
    "duplicated",
    "loss_ratio",
)
SHORTHANDS = {
    "providers": ("providers", "count"),
    "capacity": ("providers", "capacity"),
    "orders_per_day": ("stores", "orders_per_day"),
}
Param = tuple[str, list[Any]]


def parse_param(text: str) -> Param:
    """``key=v1,v2`` → (key, [v1, v2]) with TOML-typed values."""
    key, sep, values = text.partition("=")
    if not sep or not key.strip() or not values.strip():
        raise ValueError(f"{text!r}: expected KEY=VALUE[,VALUE…]")
    return key.strip(), [_literal(value.strip()) for value in values.split(",")]


def _literal(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _path(key: str) -> list[str | int]:
    parts: list[str | int] = []
    for part in key.split("."):
        name, _, rest = part.partition("[")
        parts.append(name)
        for index in filter(None, rest.replace("]", "").split("[")):
            parts.append(int(index))
    return parts


def apply(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` (a path or a shorthand) to ``value`` in the parsed scenario ``raw``."""
    if key in SHORTHANDS:
        table, field = SHORTHANDS[key]
        for entry in raw.get(table, []):
            entry[field] = value
    elif key == "wireless":
        raw.setdefault("wireless", {}).update(
            dict.fromkeys(("store", "customer", "provider"), value)
        )
    elif key == "policy":
        raw.setdefault("choice", {})["policy"] = value
    else:
        _set(raw, _path(key), value, key)


def _set(node: Any, path: list[str | int], value: Any, key: str) -> None:
    for step in path[:-1]:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                raise ScenarioError(f"--param {key}: no entry [{step}]")
            node = node[step]
        else:
            node = node.setdefault(step, {})
    if isinstance(path[-1], int):
        raise ScenarioError(f"--param {key}: ends with an index")
    node[path[-1]] = value


def variant(base: Scenario, point: dict[str, Any]) -> Scenario:
    """``base`` with the grid point's values, validated like a scenario file."""
    raw = base.to_mapping()
    for key, value in point.items():
        apply(raw, key, value)
    label = ", ".join(f"{k}={v}" for k, v in point.items())
    return Scenario.from_mapping(raw, f"{base.source} [{label}]")


@dataclass
class SweepResult:
    points: list[dict[str, Any]]
    runs_csv: Path | None


def sweep(
    base: Scenario,
    params: Sequence[Param],
    *,
    seed: int = 1,
    replications: int = 1,
    jobs: int = 1,
    scheduler: str | None = None,
    out: Path | None = None,
    plots: bool = True,
    on_progress: Any = None,
) -> SweepResult:
    """Run every grid point × replication; write ``runs.csv``, ``points.json`` and plots."""
    keys = [key for key, _ in params]
    grid = [
        dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in params))
    ]
    scenarios = [variant(base, point) for point in grid]
    work = [(s, seed, r, None) for s in scenarios for r in range(replications)]
    results: list[ReplicationResult] = []
    for result in run_jobs(replication_task, work, jobs, scheduler):
        result.rows, result.histograms = [], {}  # a sweep keeps only the figures
        results.append(result)
        if on_progress is not None:
            on_progress(1.0)
    points = _points(grid, results, replications)
    runs = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        runs = _write_runs(out / "runs.csv", grid, results, replications, seed)
        (out / "points.json").write_text(json.dumps(points, indent=2) + "\n", encoding="utf-8")
        if plots:
            from simulator.plots import sweep_plots

            sweep_plots(out, points, [m for m in PLOTTED if m in points[0]["metrics"]], keys)
    return SweepResult(points, runs)


def _points(
    grid: list[dict[str, Any]], results: list[ReplicationResult], replications: int
) -> list[dict[str, Any]]:
    points = []
    for i, point in enumerate(grid):
        mine = results[i * replications : (i + 1) * replications]
        names = sorted({name for r in mine for name in r.metrics})
        metrics = {n: interval([r.metrics[n] for r in mine if n in r.metrics]) for n in names}
        points.append({"point": i, "params": point, "metrics": metrics})
    return points


def _write_runs(
    path: Path,
    grid: list[dict[str, Any]],
    results: list[ReplicationResult],
    replications: int,
    seed: int,
) -> Path:
    names = sorted({name for r in results for name in r.metrics})
    keys = list(grid[0])
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["point", *keys, "replication", "seed", *names])
        for i, result in enumerate(results):
            point = grid[i // replications]
            values = [result.metrics.get(name, "") for name in names]
            writer.writerow([i // replications, *point.values(), result.replication, seed, *values])
    return path
