"""Runs: replications of one scenario, their outputs, and what a notebook gets back.

``run(scenario, seed=1, replications=5, jobs=2, out="out")`` runs the replications (in order of
their index whatever the executor), streams each one's time series into ``timeseries.csv`` as
it arrives, and writes ``summary.json`` (mean and 95 % CI of every metric across replications),
the plots and, with ``records=True``, one ``records/services-NNN.csv`` per replication.

``summary.json`` says ``"complete": false`` from the moment the run starts until its last
replication is in: a run stopped by Ctrl-C (``KeyboardInterrupt``, re-raised) or killed leaves
partial outputs marked partial, never complete.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.engine import Progress, Replication
from simulator.executors import run_jobs
from simulator.metrics import Metrics, replication_metrics
from simulator.report import Outputs, summarize
from simulator.scenario import Scenario

RECORD_COLUMNS = (
    "replication", "time_hours", "voucher", "program", "provider", "customer_name",
    "customer_email", "wait_hours", "service_hours", "score",
)  # fmt: skip


@dataclass
class ReplicationResult:
    """What a replication sends back: its figures, time-series rows and histograms."""

    replication: int
    metrics: Metrics
    columns: list[str]
    rows: list[list[Any]]
    histograms: dict[str, dict[str, Any]]


@dataclass
class RunResult:
    """A finished (or interrupted) run: ``summary`` is what ``summary.json`` holds."""

    summary: dict[str, Any]
    replications: list[ReplicationResult] = field(default_factory=list)
    out: Path | None = None

    def metric(self, name: str) -> dict[str, Any]:
        """Mean and CI of one metric, e.g. ``result.metric("wait_hours_mean")["mean"]``."""
        metric: dict[str, Any] = self.summary["metrics"][name]
        return metric


def run_replication(
    scenario: Scenario,
    seed: int,
    replication: int,
    on_progress: Progress | None = None,
    records: Path | None = None,
) -> ReplicationResult:
    """Simulate one replication; ``records`` is a CSV file for its per-service records."""
    rep = Replication(scenario, seed, replication)
    rows: list[list[Any]] = []
    rep.stats.on_row = rows.append
    if records is None:
        rep.run(on_progress)
    else:
        with records.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(RECORD_COLUMNS)
            rep.records = writer.writerow
            rep.run(on_progress)
    histograms = {"wait_hours": rep.stats.waits.to_json()}
    for name, link in sorted(rep.stats.links.items()):
        histograms[f"latency_ms.{name}"] = link.latency_ms.to_json()
    metrics = replication_metrics(rep)
    return ReplicationResult(replication, metrics, rep.stats.columns(), rows, histograms)


def replication_task(job: tuple[Any, ...]) -> ReplicationResult:
    """A picklable job: (scenario, seed, replication, records path or None)."""
    scenario, seed, replication, records = job
    return run_replication(scenario, seed, replication, records=records)


def run(
    scenario: Scenario | str | Path,
    *,
    seed: int = 1,
    replications: int = 1,
    jobs: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    records: bool = False,
    on_progress: Progress | None = None,
    plots: bool = True,
) -> RunResult:
    """Run ``replications`` of ``scenario`` (a Scenario, a file or a bundled name)."""
    if not isinstance(scenario, Scenario):
        scenario = Scenario.load(scenario)
    outputs = Outputs(Path(out), scenario, seed, replications) if out is not None else None
    record_dir = outputs.records_dir() if outputs is not None and records else None
    results: list[ReplicationResult] = []
    try:
        for result in _results(
            scenario, seed, replications, jobs, scheduler, record_dir, on_progress
        ):
            results.append(result)
            if outputs is not None:
                outputs.add(result)
    except KeyboardInterrupt:
        if outputs is not None:
            outputs.finish(results, complete=False, plots=plots)
        raise
    summary = summarize(scenario, seed, replications, results, complete=True)
    if outputs is not None:
        summary = outputs.finish(results, complete=True, plots=plots)
    return RunResult(summary, results, outputs.folder if outputs else None)


def _results(
    scenario: Scenario,
    seed: int,
    replications: int,
    jobs: int,
    scheduler: str | None,
    record_dir: Path | None,
    on_progress: Progress | None,
) -> Any:
    def records(index: int) -> Path | None:
        return record_dir / f"services-{index:03d}.csv" if record_dir else None

    if jobs <= 1 and not scheduler:
        for index in range(replications):
            yield run_replication(scenario, seed, index, on_progress, records(index))
        return
    work = [(scenario, seed, index, records(index)) for index in range(replications)]
    for result in run_jobs(replication_task, work, jobs, scheduler):
        if on_progress is not None:
            on_progress(1.0)
        yield result
