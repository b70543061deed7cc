"""``--live``: the same scenario against real ``ascc center serve`` and ``ascc store serve``
processes over loopback, through the loss/delay proxy, in wall-clock time scaled by the speed.

Three simulated hours at 1,800× (six wall seconds) with a busier store and the hub down for half
an hour: every voucher the model issued is at the hub, delivered once, in the expected state.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ascc_plugin.cli import build_cli
from ascc_plugin.host import get_plugin_manager
from simulator.e2e.run import run_e2e
from simulator.scenario import Scenario

pytestmark = pytest.mark.slow


def busy_hours() -> Scenario:
    raw = Scenario.load("small").to_mapping()
    raw["run"].update(warmup_days=0, horizon_days=3 / 24)
    raw["stores"][0]["orders_per_day"] = 960
    raw["faults"] = [{"kind": "hub_down", "start_hours": 1.0, "end_hours": 1.5}]
    return Scenario.from_mapping(raw, "live.toml")


def test_real_processes_through_the_proxy_end_cross_checked(tmp_path: Path) -> None:
    result = run_e2e(busy_hours(), seed=2, live=1800, settle_days=0.5, folder=tmp_path)
    summary = result.summary
    assert result.ok, result.check.diff()
    assert summary["lost"] == 0 and summary["duplicated"] == 0
    assert summary["hub"]["vouchers"] == summary["cross_check"]["expected"] > 10
    assert (tmp_path / "store-0" / "deliveries.jsonl").exists()  # the real log channel
    assert summary["links"]["sent"] >= summary["model"]["orders"]  # all crossed the proxy


def test_live_without_the_e2e_mode_is_a_usage_error() -> None:
    cli = build_cli(get_plugin_manager())
    result = CliRunner().invoke(cli, ["simulate", "run", "--scenario", "small", "--live"])
    assert result.exit_code == 2 and "--mode e2e" in result.output
