"""Same seed → the same summary.json bytes: twice, serial vs parallel, local vs Dask."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from simulator.runner import run
from simulator.scenario import Scenario
from simulator.sweep import sweep


@pytest.fixture(scope="module")
def scenario(helpers: SimpleNamespace) -> Scenario:
    return helpers.small(horizon_days=4, warmup_days=1)


def summary_bytes(scenario: Scenario, folder: Path, **options: Any) -> bytes:
    run(scenario, seed=11, replications=2, out=folder, plots=False, **options)
    return (folder / "summary.json").read_bytes()


def test_same_seed_same_bytes_and_serial_equals_parallel(
    scenario: Scenario, tmp_path: Path
) -> None:
    first = summary_bytes(scenario, tmp_path / "a", jobs=1)
    again = summary_bytes(scenario, tmp_path / "b", jobs=1)
    parallel = summary_bytes(scenario, tmp_path / "c", jobs=2)
    assert first == again == parallel
    assert b'"complete": true' in first
    assert (tmp_path / "a" / "timeseries.csv").read_bytes() == (
        tmp_path / "c" / "timeseries.csv"
    ).read_bytes()


def test_another_seed_gives_another_summary(scenario: Scenario, tmp_path: Path) -> None:
    one = run(scenario, seed=1, replications=1, plots=False).summary["metrics"]
    two = run(scenario, seed=2, replications=1, plots=False).summary["metrics"]
    assert one["orders"]["mean"] != two["orders"]["mean"]


def test_a_dask_local_cluster_gives_the_local_result(scenario: Scenario, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    local = summary_bytes(scenario, tmp_path / "local", jobs=1)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        remote = summary_bytes(scenario, tmp_path / "dask", scheduler=address)
        grid = [("providers", [1, 2])]
        on_dask = sweep(scenario, grid, seed=3, scheduler=address, plots=False).points
    assert remote == local
    assert on_dask == sweep(scenario, grid, seed=3, jobs=1, plots=False).points


def test_without_dask_the_scheduler_option_says_how_to_install_it(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulator.executors import ExecutorError

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(ExecutorError, match=r"pip install 'ascc\[sweep\]'"):
        run(scenario, replications=1, scheduler="tcp://127.0.0.1:1", plots=False)
