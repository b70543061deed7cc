"""Interleaved rounds for ``bench_center.py``: redemptions, assessments and incentive redeems
measured one after the other, ``repeats`` times, each on its own slice of the prepared
requests, so that each ratio is taken between runs seconds apart (this machine's load drifts
by ±20 % over minutes) and reported as the median over the rounds, with its range."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

KINDS = ("redeem", "assess", "incentive")
Rounds = list[dict[str, dict[str, Any]]]


def interleaved(
    measure: Callable[[list[str]], dict[str, Any]], prepared: dict[str, list[str]], repeats: int
) -> Rounds:
    """``measure(lines)`` for each kind in turn, ``repeats`` times."""
    rounds = []
    for r in range(repeats):
        measured = {}
        for kind in KINDS:
            size = len(prepared[kind]) // repeats
            part = prepared[kind][r * size : (r + 1) * size]
            measured[kind] = {**measure(part), "prepared": len(part)}
        rounds.append(measured)
    return rounds


def median_run(rounds: Rounds, kind: str) -> dict[str, Any]:
    """The round whose ``kind`` rate is the median."""
    ordered = sorted((r[kind] for r in rounds), key=lambda m: m["per_second"])
    return ordered[len(ordered) // 2]


def ratio(rounds: Rounds, kind: str) -> tuple[float, float, float]:
    """The median, lowest and highest of ``kind``/redemptions over the rounds."""
    found = sorted(r[kind]["per_second"] / r["redeem"]["per_second"] for r in rounds)
    return found[len(found) // 2], found[0], found[-1]
