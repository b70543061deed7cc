"""A peer agrees: the same queues in Ciw (another DES engine) give the same answers.

M/M/5 (λ = 4, μ = 1) and M/M/5+M (exponential patience, θ = 0.5/h — Erlang-A's model): mean
wait of served customers and abandonment rate, 12 replications each side with fixed seeds;
each side's mean lies inside the other's 95 % CI, and Erlang C / Erlang A lie inside both.
"""

from __future__ import annotations

import statistics

import pytest

from simulator.runner import run
from tests.simulator.conftest import erlang_a, mmc, mmc_wq, t_interval

ciw = pytest.importorskip("ciw")

LAM, MU, C, THETA = 4.0, 1.0, 5, 0.5
WARMUP_H, HORIZON_H = 48.0, 1200.0
REPLICATIONS = 12


def ciw_replication(seed: int, theta: float | None) -> tuple[float, float]:
    """(mean wait of served customers, abandonment rate) of one Ciw run."""
    options = {}
    if theta is not None:
        options["reneging_time_distributions"] = [ciw.dists.Exponential(rate=theta)]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAM)],
        service_distributions=[ciw.dists.Exponential(rate=MU)],
        number_of_servers=[C],
        **options,
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(WARMUP_H + HORIZON_H)
    records = [r for r in simulation.get_all_records() if r.arrival_date >= WARMUP_H]
    waits = [r.waiting_time for r in records if r.record_type == "service"]
    reneged = sum(r.record_type == "renege" for r in records)
    return statistics.fmean(waits), reneged / len(records)


def ours(theta: float | None) -> list[dict[str, float]]:
    customers = {"patience_hours": {"dist": "exponential", "mean": 1 / theta}} if theta else {}
    scenario = mmc(
        run={"horizon_days": HORIZON_H / 24, "warmup_days": WARMUP_H / 24}, customers=customers
    )
    return [
        r.metrics for r in run(scenario, seed=99, replications=REPLICATIONS, jobs=2).replications
    ]


def agree(a: list[float], b: list[float]) -> None:
    (mean_a, half_a), (mean_b, half_b) = t_interval(a), t_interval(b)
    assert abs(mean_a - mean_b) <= half_b, (mean_a, mean_b, half_b)
    assert abs(mean_b - mean_a) <= half_a, (mean_b, mean_a, half_a)


def inside(values: list[float], expected: float) -> None:
    mean, half = t_interval(values)
    assert abs(mean - expected) <= half, (mean, half, expected)


def test_mmc_agrees_with_ciw_and_erlang_c() -> None:
    theirs = [ciw_replication(2000 + seed, None) for seed in range(REPLICATIONS)]
    mine = ours(None)
    ciw_waits, my_waits = [t[0] for t in theirs], [m["wait_hours_mean"] for m in mine]
    agree(my_waits, ciw_waits)
    inside(my_waits, mmc_wq(LAM, MU, C))
    inside(ciw_waits, mmc_wq(LAM, MU, C))


def test_abandonment_agrees_with_ciw_and_erlang_a() -> None:
    theirs = [ciw_replication(100 + seed, THETA) for seed in range(REPLICATIONS)]
    mine = ours(THETA)
    agree([m["wait_hours_mean"] for m in mine], [t[0] for t in theirs])
    my_rates, ciw_rates = [m["abandonment_rate"] for m in mine], [t[1] for t in theirs]
    agree(my_rates, ciw_rates)
    reference = erlang_a(LAM, MU, C, THETA)["p_abandon"]
    inside(my_rates, reference)
    inside(ciw_rates, reference)
