"""A peer agrees: the same queues in Ciw (another DES engine) give the same answers.

M/M/5 (λ = 4, μ = 1) and M/M/5+M (exponential patience, θ = 0.5/h — Erlang-A's model): mean
wait of served customers and abandonment rate, 12 replications each side with fixed seeds;
each side's mean lies inside the other's 95 % CI, and Erlang C / Erlang A lie inside both.
"""

from __future__ import annotations

import statistics
from types import SimpleNamespace

import pytest

from simulator.runner import run

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


def ours(helpers: SimpleNamespace, theta: float | None) -> list[dict[str, float]]:
    customers = {"patience_hours": {"dist": "exponential", "mean": 1 / theta}} if theta else {}
    scenario = helpers.mmc(
        run={"horizon_days": HORIZON_H / 24, "warmup_days": WARMUP_H / 24}, customers=customers
    )
    return [
        r.metrics for r in run(scenario, seed=99, replications=REPLICATIONS, jobs=2).replications
    ]


def assert_agree(helpers: SimpleNamespace, a: list[float], b: list[float]) -> None:
    (mean_a, half_a), (mean_b, half_b) = helpers.t_interval(a), helpers.t_interval(b)
    assert abs(mean_a - mean_b) <= half_b, (mean_a, mean_b, half_b)
    assert abs(mean_b - mean_a) <= half_a, (mean_b, mean_a, half_a)


def assert_inside(helpers: SimpleNamespace, values: list[float], expected: float) -> None:
    mean, half = helpers.t_interval(values)
    assert abs(mean - expected) <= half, (mean, half, expected)


def test_mmc_agrees_with_ciw_and_erlang_c(helpers: SimpleNamespace) -> None:
    theirs = [ciw_replication(2000 + seed, None) for seed in range(REPLICATIONS)]
    mine = ours(helpers, None)
    ciw_waits, my_waits = [t[0] for t in theirs], [m["wait_hours_mean"] for m in mine]
    assert_agree(helpers, my_waits, ciw_waits)
    assert_inside(helpers, my_waits, helpers.mmc_wq(LAM, MU, C))
    assert_inside(helpers, ciw_waits, helpers.mmc_wq(LAM, MU, C))


def test_abandonment_agrees_with_ciw_and_erlang_a(helpers: SimpleNamespace) -> None:
    theirs = [ciw_replication(100 + seed, THETA) for seed in range(REPLICATIONS)]
    mine = ours(helpers, THETA)
    assert_agree(helpers, [m["wait_hours_mean"] for m in mine], [t[0] for t in theirs])
    my_rates, ciw_rates = [m["abandonment_rate"] for m in mine], [t[1] for t in theirs]
    assert_agree(helpers, my_rates, ciw_rates)
    reference = helpers.erlang_a(LAM, MU, C, THETA)["p_abandon"]
    assert_inside(helpers, my_rates, reference)
    assert_inside(helpers, ciw_rates, reference)
