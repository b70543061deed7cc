"""Run outputs: ``summary.json``, ``timeseries.csv``, plots, and the console table.

``summary.json`` (keys documented in the README) holds, per metric, the mean across
replications and its 95 % Student-t confidence interval ``mean ± t(0.975, n−1)·s/√n``
(``ci_low``/``ci_high``; null with one replication). It holds no wall-clock time, host or
version, so the same seed gives the same bytes wherever the replications ran.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.scenario import Scenario

if TYPE_CHECKING:
    from simulator.runner import ReplicationResult

T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)
"""t(0.975, df) for df = 1 … 30."""

TABLE = (
    "orders",
    "vouchers",
    "activations",
    "services",
    "abandonment_rate",
    "wait_hours_mean",
    "wait_hours_p90",
    "wait_hours_p99",
    "csat_mean",
    "incentives_issued",
    "premiums_earned",
    "claims_paid",
    "loss_ratio",
    "wireless.sent",
    "lost",
    "wireless.retried",
    "duplicated",
    "invariant_violations",
)


def t_quantile(df: int) -> float:
    """t(0.975, df): the table up to 30, then a Cornish–Fisher expansion around 1.96."""
    if df <= 30:
        return T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def _number(value: float) -> float:
    return float(f"{value:.10g}")


def interval(values: list[float]) -> dict[str, Any]:
    """Mean, standard deviation and 95 % CI of one metric across replications."""
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return {"mean": _number(mean), "sd": None, "ci_low": None, "ci_high": None, "n": 1}
    sd = statistics.stdev(values)
    half = t_quantile(len(values) - 1) * sd / math.sqrt(len(values))
    return {
        "mean": _number(mean),
        "sd": _number(sd),
        "ci_low": _number(mean - half),
        "ci_high": _number(mean + half),
        "n": len(values),
    }


def summarize(
    scenario: Scenario,
    seed: int,
    replications: int,
    results: list[ReplicationResult],
    complete: bool,
) -> dict[str, Any]:
    """The content of ``summary.json``."""
    names = sorted({name for result in results for name in result.metrics})
    metrics = {
        name: interval([r.metrics[name] for r in results if name in r.metrics]) for name in names
    }
    violations = sum(r.metrics.get("invariant_violations", 0.0) for r in results)
    return {
        "complete": complete,
        "scenario": scenario.name,
        "source": scenario.source,
        "seed": seed,
        "replications": replications,
        "replications_done": len(results),
        "warmup_days": scenario.run.warmup_days,
        "horizon_days": scenario.run.horizon_days,
        "confidence": 0.95,
        "invariant": {
            "every_entitled_voucher_delivered_once": violations == 0,
            "violations": int(violations),
            "replications_checked": len(results),
        },
        "metrics": metrics,
    }


def console_table(summary: dict[str, Any]) -> str:
    """The run's key figures, one line each: mean and 95 % CI."""
    state = "complete" if summary["complete"] else "PARTIAL"
    lines = [
        f"{summary['scenario']}: {summary['replications_done']}/{summary['replications']} "
        f"replications, seed {summary['seed']} ({state})",
        f"{'metric':<28} {'mean':>14}  95 % CI",
    ]
    for name in TABLE:
        metric = summary["metrics"].get(name)
        if metric is None:
            continue
        ci = (
            "" if metric["ci_low"] is None else f"[{metric['ci_low']:.4g}, {metric['ci_high']:.4g}]"
        )
        lines.append(f"{name:<28} {metric['mean']:>14.6g}  {ci}")
    check = summary["invariant"]
    verdict = "held" if check["every_entitled_voucher_delivered_once"] else "VIOLATED"
    lines.append(f"every entitled voucher delivered exactly once: {verdict}")
    return "\n".join(lines)


class Outputs:
    """The output folder of one run, written as replications come in."""

    def __init__(self, folder: Path, scenario: Scenario, seed: int, replications: int) -> None:
        self.folder, self.scenario = folder, scenario
        self.seed, self.replications = seed, replications
        folder.mkdir(parents=True, exist_ok=True)
        for stale in ("timeseries.csv", "summary.json"):
            (folder / stale).unlink(missing_ok=True)
        self.write_summary(summarize(scenario, seed, replications, [], complete=False))
        self._series: Any = None
        self._writer: Any = None

    def records_dir(self) -> Path:
        folder = self.folder / "records"
        folder.mkdir(exist_ok=True)
        return folder

    def add(self, result: ReplicationResult) -> None:
        """Append a replication's time series (streamed: the file grows per replication)."""
        if self._writer is None:
            self._series = (self.folder / "timeseries.csv").open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._series)
            self._writer.writerow(result.columns)
        self._writer.writerows(result.rows)
        self._series.flush()

    def write_summary(self, summary: dict[str, Any]) -> None:
        text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
        (self.folder / "summary.json").write_text(text, encoding="utf-8")

    def finish(
        self, results: list[ReplicationResult], complete: bool, plots: bool = True
    ) -> dict[str, Any]:
        """Close the time series, write the plots and the final (or partial) summary."""
        if self._series is not None:
            self._series.close()
        summary = summarize(self.scenario, self.seed, self.replications, results, complete)
        if plots and results:
            from simulator.plots import run_plots

            run_plots(self.folder, results)
        self.write_summary(summary)
        return summary
