"""PNG plots of a run and of a sweep, drawn with matplotlib's Agg backend.

``matplotlib.figure.Figure`` is used directly (no ``pyplot``): no global figure state, no GUI
backend, safe in worker threads. Run plots: queue lengths over time, the wait distribution,
CSAT over time, delivery latency by link profile. Sweep plots: one metric per file, mean and
95 % CI per grid point.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure

from simulator.histogram import Histogram, bin_middle

if TYPE_CHECKING:
    from simulator.runner import ReplicationResult

RUN_PLOTS = (
    "queue_lengths.png",
    "wait_distribution.png",
    "csat_over_time.png",
    "delivery_latency.png",
)


def _mean_series(results: list[ReplicationResult], column: str) -> tuple[list[float], list[float]]:
    """Per sample time, the mean of ``column`` over the replications that have a value."""
    sums: dict[float, list[float]] = defaultdict(list)
    for result in results:
        index = result.columns.index(column)
        time_index = result.columns.index("time_hours")
        for row in result.rows:
            if row[index] != "":
                sums[float(row[time_index])].append(float(row[index]))
    times = sorted(sums)
    return [t / 24 for t in times], [sum(sums[t]) / len(sums[t]) for t in times]


def _cdf(histogram: Histogram) -> tuple[list[float], list[float]]:
    xs, ys, seen = [], [], 0
    for index in sorted(histogram.bins):
        seen += histogram.bins[index]
        xs.append(max(bin_middle(index), 1e-6))
        ys.append(seen / histogram.count)
    return xs, ys


def _pooled(results: list[ReplicationResult], name: str) -> Histogram:
    pooled = Histogram()
    for result in results:
        if name in result.histograms:
            pooled.merge(Histogram.from_json(result.histograms[name]))
    return pooled


def _save(figure: Figure, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def run_plots(folder: Path, results: list[ReplicationResult]) -> list[str]:
    """Write the four run plots into ``folder``; returns their file names."""
    _queue_plot(folder / RUN_PLOTS[0], results)
    _cdf_plot(
        folder / RUN_PLOTS[1],
        {"all providers": _pooled(results, "wait_hours")},
        "wait in queue (hours)",
        "Wait distribution (pooled replications)",
    )
    _line_plot(folder / RUN_PLOTS[2], results, "csat_mean", "mean score (1–5)", "CSAT over time")
    names = sorted({n for r in results for n in r.histograms if n.startswith("latency_ms.")})
    latency = {name.split(".", 1)[1]: _pooled(results, name) for name in names}
    _cdf_plot(
        folder / RUN_PLOTS[3],
        latency,
        "delivery latency (ms, first send → arrival)",
        "Delivery latency by link profile",
    )
    return list(RUN_PLOTS)


def _queue_plot(path: Path, results: list[ReplicationResult]) -> None:
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    for column in results[0].columns:
        if column.startswith("queue_"):
            days, values = _mean_series(results, column)
            axes.plot(days, values, label=column.removeprefix("queue_"))
    axes.set(
        xlabel="day",
        ylabel="customers waiting (mean of replications)",
        title="Queue lengths at sample times",
    )
    axes.legend()
    _save(figure, path)


def _line_plot(
    path: Path, results: list[ReplicationResult], column: str, ylabel: str, title: str
) -> None:
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    days, values = _mean_series(results, column)
    axes.plot(days, values, marker=".")
    axes.set(xlabel="day", ylabel=ylabel, title=title)
    _save(figure, path)


def _cdf_plot(path: Path, histograms: dict[str, Histogram], xlabel: str, title: str) -> None:
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    for label, histogram in histograms.items():
        if histogram.count:
            xs, ys = _cdf(histogram)
            axes.step(xs, ys, where="post", label=f"{label} (n={histogram.count})")
    axes.set_xscale("log")
    axes.set(xlabel=xlabel, ylabel="share at or below", title=title)
    axes.legend()
    _save(figure, path)


def sweep_plots(
    folder: Path, points: list[dict[str, Any]], metrics: list[str], params: list[str]
) -> list[str]:
    """One PNG per metric: mean ± 95 % CI against the first parameter, a line per the rest."""
    written = []
    for metric in metrics:
        figure = Figure(figsize=(8, 4.5))
        axes = figure.add_subplot()
        lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for point in points:
            label = ", ".join(f"{p}={point['params'][p]}" for p in params[1:]) or metric
            lines[label].append(point)
        for label, members in lines.items():
            xs = [str(m["params"][params[0]]) for m in members]
            stats = [m["metrics"].get(metric) or {"mean": 0.0} for m in members]
            ys = [s["mean"] for s in stats]
            errors = [
                (s["mean"] - s["ci_low"]) if s.get("ci_low") is not None else 0 for s in stats
            ]
            axes.errorbar(xs, ys, yerr=errors, marker="o", capsize=4, label=label)
        axes.set(xlabel=params[0], ylabel=metric, title=f"{metric} (mean, 95 % CI)")
        axes.legend()
        name = f"sweep_{metric.replace('.', '_')}.png"
        _save(figure, folder / name)
        written.append(name)
    return written
