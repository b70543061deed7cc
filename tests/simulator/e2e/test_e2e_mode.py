"""The e2e mode in process: the model's marketplace through the real store service and hub.

A day of ``small`` (≈120 orders, urban LTE customers) with a hub outage: every voucher the model
issued is at the hub exactly once in the state the model's events lead to, nothing lost or
duplicated, on SQLite and on PostgreSQL; the same seed gives the same summary; the model's counts
are those of model mode; bad scenarios are refused before anything runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ascc_plugin.cli import build_cli
from ascc_plugin.host import get_plugin_manager
from simulator.e2e.run import run_e2e
from simulator.runner import run_replication
from simulator.scenario import Scenario, ScenarioError
from tests.common.postgres import fresh_database, require_postgres

OUTAGE = {"kind": "hub_down", "start_hours": 6.0, "end_hours": 9.0}


def day_of_small(hours: float = 24.0, **more: Any) -> Scenario:
    """``small`` without warm-up for ``hours``, with the hub down from 06:00 to 09:00."""
    raw = Scenario.load("small").to_mapping()
    raw["run"] |= {"warmup_days": 0, "horizon_days": hours / 24}
    raw["faults"] = [OUTAGE]
    return Scenario.from_mapping(raw | more, "day.toml")


def without_timing(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in summary.items() if key != "timing"}


@pytest.fixture(scope="module")
def sqlite_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return run_e2e(day_of_small(), seed=7, folder=tmp_path_factory.mktemp("e2e"))


def test_a_day_with_a_hub_outage_ends_cross_checked(sqlite_run: Any) -> None:
    summary = sqlite_run.summary
    assert sqlite_run.ok, sqlite_run.check.diff()
    assert summary["lost"] == 0 and summary["duplicated"] == 0
    assert summary["model"]["orders"] > 80
    assert summary["hub"]["vouchers"] == summary["cross_check"]["expected"] > 100
    assert summary["links"]["hub_down"] > 0  # the outage was met, and retried through
    assert summary["parties"]["steps"] > 0 and summary["parties"]["refused"] == 0
    assert summary["cross_check"]["states"].get("assessed", 0) > 0


def test_the_model_decides_as_in_model_mode(sqlite_run: Any) -> None:
    model = run_replication(day_of_small(), 7, 0).metrics
    for key, value in sqlite_run.summary["model"].items():
        assert model[key] == value, key


def test_the_same_seed_gives_the_same_summary(sqlite_run: Any, tmp_path: Path) -> None:
    again = run_e2e(day_of_small(), seed=7, folder=tmp_path)
    assert without_timing(again.summary) == without_timing(sqlite_run.summary)


def test_postgresql_answers_as_sqlite(sqlite_run: Any, tmp_path: Path) -> None:
    require_postgres()
    with fresh_database("ascc_e2e") as url:
        on_postgres = run_e2e(day_of_small(), seed=7, database_url=url, folder=tmp_path)
    assert on_postgres.ok, on_postgres.check.diff()
    assert without_timing(on_postgres.summary) == without_timing(sqlite_run.summary)


def test_a_fault_the_hub_cannot_have_is_refused_by_name(tmp_path: Path) -> None:
    redis = {"kind": "redis_down", "start_hours": 1.0, "end_hours": 2.0}
    scenario = day_of_small(faults=[redis])
    with pytest.raises(ScenarioError, match=r"the hub lacks 'redis', asked by faults\[0\]"):
        run_e2e(scenario, seed=1, folder=tmp_path)
    assert not (tmp_path / "store-0").exists()  # refused before any store started


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"kind": "hub_down", "start_hours": 5.0, "end_hours": 2.0}, "end_hours must be after"),
        ({"kind": "hub_down", "start_hours": 5.0}, "hub_down needs end_hours"),
        ({"kind": "link_profile", "start_hours": 1.0}, "needs profile"),
        (
            {"kind": "link_profile", "start_hours": 1.0, "profile": "carrier_pigeon"},
            "faults[0].profile: unknown profile 'carrier_pigeon'",
        ),
        ({"kind": "store_restart", "start_hours": 1, "end_hours": 2, "store": 3}, "no store 3"),
        ({"kind": "meteor", "start_hours": 1.0}, "faults[0].kind"),
    ],
)
def test_bad_faults_are_refused_with_their_key(fault: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        day_of_small(faults=[fault])
    assert message in str(refused.value)


def test_the_command_writes_the_summary_and_fails_on_usage(tmp_path: Path) -> None:
    path = tmp_path / "short.toml"
    raw = day_of_small(hours=4).to_mapping()
    import tomli_w

    path.write_text(tomli_w.dumps(raw))
    cli = build_cli(get_plugin_manager())
    out = tmp_path / "out"
    args = ["simulate", "run", "--mode", "e2e", "--scenario", str(path), "--out", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "cross-check: ok" in result.output
    assert json.loads((out / "summary.json").read_text())["mode"] == "e2e"
    refused = CliRunner().invoke(cli, [*args, "--replications", "2"])
    assert refused.exit_code == 2 and "one replication" in refused.output


def test_a_store_killed_and_restarted_and_rural_links_lose_nothing(tmp_path: Path) -> None:
    faults = [
        {"kind": "store_restart", "store": 0, "start_hours": 10.0, "end_hours": 13.0},
        {"kind": "link_profile", "party": "customer", "profile": "rural_edge", "start_hours": 1},
        {"kind": "link_profile", "party": "store", "profile": "rural_edge", "start_hours": 1},
    ]
    result = run_e2e(day_of_small(faults=faults), seed=3, folder=tmp_path)
    assert result.ok, result.check.diff()
    assert result.summary["lost"] == 0 and result.summary["duplicated"] == 0
    assert len(list((tmp_path / "store-0").glob("restart-*"))) == 1  # it was rebuilt once
    assert result.summary["links"]["lost"] > 0  # rural links lost attempts, retried through


def woocommerce_store(refunds: float) -> Scenario:
    raw = day_of_small(hours=12).to_mapping()
    raw["stores"][0].update(platform="woocommerce", shop="shop.example.com")
    raw["refunds"].update(cancel_probability=0.2, refund_probability=refunds)
    raw["refunds"]["delay_days"] = {"dist": "constant", "value": 0.1}
    return Scenario.from_mapping(raw, "woo.toml")


def test_a_woocommerce_store_with_cancellations_ends_cross_checked(tmp_path: Path) -> None:
    result = run_e2e(woocommerce_store(0.0), seed=4, folder=tmp_path)
    assert result.ok, result.check.diff()
    assert result.summary["cross_check"]["states"].get("voided", 0) > 0


def test_woocommerce_refunds_of_one_unit_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"stores\[0\]: WooCommerce's order webhooks"):
        run_e2e(woocommerce_store(0.1), seed=4, folder=tmp_path)
