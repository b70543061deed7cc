"""Test helpers of the simulator: reference queueing formulas, scenario builders.

The tests reach them through the ``helpers`` fixture, never by importing this module: the
``ciw`` distribution installs a top-level ``tests`` package that shadows this tree's, and the
module name pytest gives a conftest depends on the folders' ``__init__`` files.

Reference formulas the simulator is checked against:

Erlang C (M/M/c): a = λ/μ offered load, ρ = a/c < 1,
    C(c, a) = [aᶜ/c! · c/(c−a)] / [Σ_{k<c} aᵏ/k! + aᶜ/c! · c/(c−a)]   (probability of waiting)
    Wq = C(c, a) / (cμ − λ),  Lq = λ·Wq,  W = Wq + 1/μ,  L = λ·W.
For λ = 4, μ = 1, c = 5: C = 42.667/77 = 0.5541 and Wq = 0.5541 (research notes §2.1).

Erlang A (M/M/c+M, exponential patience with rate θ): the birth–death chain with
    birth λ in every state, death min(n, c)·μ + max(n − c, 0)·θ,
solved numerically (truncated where the tail is negligible). E[Lq] = Σ (n−c)⁺ πₙ;
P(abandon) = θ·E[Lq]/λ; mean time in queue of all arrivals E[Wq] = E[Lq]/λ (Little).
Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2005.
"""

from __future__ import annotations

import math
import statistics
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from simulator.scenario import Scenario

HERE = Path(__file__).parent


def erlang_c(lam: float, mu: float, c: int) -> float:
    """P(wait) of M/M/c, by the formula above."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def mmc_wq(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c."""
    return erlang_c(lam, mu, c) / (c * mu - lam)


def erlang_a(lam: float, mu: float, c: int, theta: float, states: int = 2000) -> dict[str, float]:
    """Mean wait in queue (all arrivals) and abandonment probability of M/M/c+M."""
    weights = [1.0]
    for n in range(1, states):
        death = min(n, c) * mu + max(n - c, 0) * theta
        weights.append(weights[-1] * lam / death)
    total = math.fsum(weights)
    lq = math.fsum(max(n - c, 0) * w for n, w in enumerate(weights)) / total
    return {"wq": lq / lam, "p_abandon": theta * lq / lam, "lq": lq}


def t_interval(values: list[float]) -> tuple[float, float]:
    """Mean and 95 % Student-t half-width across replications."""
    from simulator.report import t_quantile

    half = t_quantile(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return statistics.fmean(values), half


def mmc_raw(**changes: Any) -> dict[str, Any]:
    """The M/M/5 scenario (``mmc.toml``) as data, with top-level sections updated."""
    raw = tomllib.loads((HERE / "mmc.toml").read_text(encoding="utf-8"))
    for section, values in changes.items():
        raw.setdefault(section, {}).update(values)
    return raw


def mmc(**changes: Any) -> Scenario:
    return Scenario.from_mapping(mmc_raw(**changes), "mmc.toml")


def small(**run: Any) -> Scenario:
    """The bundled small scenario, with ``[run]`` keys changed (e.g. a shorter horizon)."""
    raw = Scenario.load("small").to_mapping()
    raw["run"].update(run)
    return Scenario.from_mapping(raw, "small.toml")


@pytest.fixture(scope="session")
def helpers() -> SimpleNamespace:
    """The formulas and scenario builders above, for tests and their module fixtures."""
    return SimpleNamespace(
        erlang_c=erlang_c,
        mmc_wq=mmc_wq,
        erlang_a=erlang_a,
        t_interval=t_interval,
        mmc_raw=mmc_raw,
        mmc=mmc,
        small=small,
    )
