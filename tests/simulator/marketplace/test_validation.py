"""The model against queueing theory and the link model against its formulas (seeded).

M/M/5 with λ = 4/h, μ = 1/h (``mmc.toml``): 20 replications' mean wait is inside its own
95 % CI around Erlang C's Wq = 0.5541 h, and Little's law L = λW holds within 1 %. A
Gilbert–Elliott link (p = 0.01, r = 0.3, h = 0, k = 1) loses π_B = 3.226 % of packets; a link
without loss or outages loses and duplicates nothing and delivers with the latency model's
distribution.
"""

from __future__ import annotations

import math
import random
import statistics
from types import SimpleNamespace

import pytest
import simpy

from ascc_plugin.backoff import Backoff
from simulator.link_profiles import LinkProfile
from simulator.runner import run
from simulator.wireless import Cell, LinkStats, Network, Receiver

REPLICATIONS = 20


@pytest.fixture(scope="module")
def mmc_run(helpers: SimpleNamespace) -> list[dict[str, float]]:
    scenario = helpers.mmc(run={"horizon_days": 60, "warmup_days": 2})
    result = run(scenario, seed=2024, replications=REPLICATIONS, jobs=2, plots=False)
    return [r.metrics for r in result.replications]


def test_mmc_mean_wait_matches_erlang_c(
    mmc_run: list[dict[str, float]], helpers: SimpleNamespace
) -> None:
    mean, half = helpers.t_interval([m["wait_hours_mean"] for m in mmc_run])
    expected = helpers.mmc_wq(4.0, 1.0, 5)
    assert expected == pytest.approx(0.5541, abs=1e-4)
    assert abs(mean - expected) <= half, (mean, half, expected)
    assert half < 0.06  # the check has teeth: the interval is narrow


def test_littles_law_holds_within_one_percent(mmc_run: list[dict[str, float]]) -> None:
    for m in mmc_run:
        little = m["arrivals_per_hour"] * m["sojourn_hours_mean"]
        assert m["in_system_mean"] == pytest.approx(little, rel=0.01)
    arrival_rate = statistics.fmean(m["arrivals_per_hour"] for m in mmc_run)
    assert arrival_rate == pytest.approx(4.0, rel=0.01)


def _link(profile: LinkProfile, seed: int) -> tuple[simpy.Environment, Network, Cell, LinkStats]:
    env = simpy.Environment()
    stats = LinkStats()
    cell = Cell(env, profile, random.Random(seed), stats)
    network = Network(env, 10.0, Backoff(1.0, 60.0), random.Random(seed + 1))
    return env, network, cell, stats


def _send(env: simpy.Environment, network: Network, cell: Cell, count: int) -> Receiver:
    receiver = Receiver(48.0)

    def sender(env: simpy.Environment) -> object:
        for _ in range(count):
            yield env.timeout(0.001)
            yield from network.transmit(cell, True, receiver, 1000, 200)

    env.process(sender(env))
    env.run()
    return receiver


def test_gilbert_elliott_loss_rate_matches_the_formula(helpers: SimpleNamespace) -> None:
    profile = LinkProfile(latency_ms=0, jitter_ms=0, p=0.01, r=0.3, loss_bad=1.0, loss_good=0.0)
    expected = 0.01 / (0.01 + 0.3)
    assert profile.loss_rate() == pytest.approx(0.03226, abs=1e-5)
    rates = []
    for seed in range(10):
        env, network, cell, stats = _link(profile, seed)
        _send(env, network, cell, 20_000)
        rates.append(cell.dropped / cell.packets)
        assert stats.delivered == 20_000
        assert stats.lost / stats.sent > expected  # retries follow losses on a per-packet chain
    mean, half = helpers.t_interval(rates)
    assert abs(mean - expected) <= half, (mean, half, expected)


def test_no_loss_no_outage_means_no_retry_and_the_models_latency() -> None:
    profile = LinkProfile(latency_ms=40, jitter_ms=20, up_mbps=8, down_mbps=20)
    env, network, cell, stats = _link(profile, 7)
    _send(env, network, cell, 20_000)
    assert (stats.lost, stats.duplicated, stats.retried) == (0, 0, 0)
    assert stats.delivered == stats.sent == 20_000
    wire_ms = 1000 * 8 / 8e6 * 1000  # 1,000 bytes up at 8 Mbps
    latency = stats.latency_ms
    assert latency.mean() == pytest.approx(40 + wire_ms, rel=0.01)
    sigma = math.sqrt(math.log1p((20 / 40) ** 2))
    median = 40 * math.exp(-(sigma**2) / 2) + wire_ms
    assert latency.quantile(0.5) == pytest.approx(median, rel=0.02)
    p99 = 40 * math.exp(-(sigma**2) / 2 + 2.3263 * sigma) + wire_ms
    assert latency.quantile(0.99) == pytest.approx(p99, rel=0.05)


def test_a_whole_run_on_lossless_links_loses_and_duplicates_nothing(
    helpers: SimpleNamespace,
) -> None:
    scenario = helpers.mmc(
        run={"horizon_days": 5, "warmup_days": 0},
        wireless={"store": "lte_slow", "customer": "lte_slow", "provider": "lte_slow"},
    )
    summary = run(scenario, seed=3, replications=2, plots=False).summary
    metrics = summary["metrics"]
    assert metrics["lost"]["mean"] == metrics["duplicated"]["mean"] == 0
    assert metrics["wireless.lte_slow.retried"]["mean"] == 0
    assert metrics["wireless.lte_slow.latency_ms_mean"]["mean"] == pytest.approx(75 + 16, rel=0.05)
    assert summary["invariant"]["every_entitled_voucher_delivered_once"]
