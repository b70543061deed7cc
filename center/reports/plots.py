"""The report as PNG charts (matplotlib, Agg backend: no display needed).

matplotlib is the plotting library everyone reads and installs from wheels; its object API
(``Figure`` without pyplot) keeps no global state, so charts are made safely in any process.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

INCENTIVE_STATES = ("issued", "released", "redeemed", "lapsed")


def write_charts(report: dict[str, Any], folder: Path) -> list[Path]:
    """One PNG per chart in ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in CHARTS:
        path = folder / f"{name}.png"
        path.write_bytes(chart_png(name, report))
        written.append(path)
    return written


def chart_png(name: str, report: dict[str, Any]) -> bytes:
    """The chart ``name`` (a key of :data:`CHARTS`) of ``report`` as PNG bytes."""
    figure = Figure(figsize=(8, 4.5), dpi=100, layout="constrained")
    CHARTS[name](figure, report)
    out = BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def satisfaction(figure: Figure, report: dict[str, Any]) -> None:
    axes = figure.subplots()
    rows = report["providers"]
    names = [row["provider_id"] for row in rows]
    axes.barh(names, [row["csat"] for row in rows], color="#2a9d8f")
    for y, row in enumerate(rows):
        axes.text(row["csat"], y, f"  mean {row['mean']:.2f} · {row['count']} scores", va="center")
    axes.set_xlim(0, 130)
    axes.set_xlabel("CSAT: % of scores 4–5")
    overall = report["satisfaction"]
    axes.set_title(
        f"Satisfaction per provider (all: CSAT {overall['csat']} %, n={overall['count']})"
    )


def incentives(figure: Figure, report: dict[str, Any]) -> None:
    axes = figure.subplots()
    counts = [report["incentives"][state]["count"] for state in INCENTIVE_STATES]
    bars = axes.bar(INCENTIVE_STATES, counts, color=["#457b9d", "#a8dadc", "#2a9d8f", "#e76f51"])
    for bar, state in zip(bars, INCENTIVE_STATES, strict=True):
        amounts = report["incentives"][state]["amounts"]
        label = ", ".join(f"{amount} {cur}" for cur, amount in amounts.items())
        axes.annotate(
            label,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.set_ylabel("incentive vouchers")
    axes.set_title("Incentives in the period")


def insurance(figure: Figure, report: dict[str, Any]) -> None:
    axes = figure.subplots()
    rows = report["insurance"]
    labels = [row["currency"] for row in rows]
    positions = range(len(rows))
    for offset, key, color in (
        (-0.27, "premiums_earned", "#2a9d8f"),
        (0, "claims_paid", "#e76f51"),
        (0.27, "reserve", "#f4a261"),
    ):
        axes.bar(
            [p + offset for p in positions],
            [float(row[key]) for row in rows],
            width=0.27,
            label=key.replace("_", " "),
            color=color,
        )
    for p, row in zip(positions, rows, strict=True):
        axes.annotate(f"loss ratio {row['loss_ratio']}", (p, 0), ha="center", va="bottom")
    axes.set_xticks(list(positions), labels)
    axes.legend()
    axes.set_title("Insurance: premiums earned, claims paid, reserve")


def service_times(figure: Figure, report: dict[str, Any]) -> None:
    axes = figure.subplots()
    names = list(report["durations"])
    for offset, key, color in ((-0.2, "p50_hours", "#457b9d"), (0.2, "p90_hours", "#e63946")):
        values = [report["durations"][name][key] or 0 for name in names]
        axes.bar(
            [i + offset for i in range(len(names))], values, width=0.4, label=key[:3], color=color
        )
    axes.set_xticks(range(len(names)), [name.replace("_", " → ") for name in names])
    axes.set_ylabel("hours")
    axes.legend()
    axes.set_title("Service times")


CHARTS: dict[str, Callable[[Figure, dict[str, Any]], None]] = {
    "satisfaction": satisfaction,
    "incentives": incentives,
    "insurance": insurance,
    "service-times": service_times,
}
"""The report's charts by name (the PNG files are ``<name>.png``)."""
