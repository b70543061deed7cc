"""``ascc simulate run|sweep`` through click's CliRunner, and once as a real process."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from ascc_plugin.cli import build_cli
from ascc_plugin.host import get_plugin_manager
from simulator.runner import run
from simulator.services import ASCC, poll_until

SMALL = (Path(__file__).parents[3] / "simulator" / "scenarios" / "small.toml").read_text()


@pytest.fixture
def short(tmp_path: Path) -> Path:
    """small.toml with a 3-day horizon and a 1-day warm-up."""
    path = tmp_path / "short.toml"
    text = SMALL.replace("horizon_days = 60", "horizon_days = 3")
    path.write_text(text.replace("warmup_days = 5", "warmup_days = 1"))
    return path


def invoke(*args: str) -> Any:
    cli = build_cli(get_plugin_manager())
    return CliRunner().invoke(cli, ["simulate", *args], catch_exceptions=False)


def test_run_writes_summary_timeseries_plots_and_a_table(short: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", "--scenario", str(short), "--replications", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "every entitled voucher delivered exactly once: held" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is True
    assert summary["replications_done"] == 2
    orders = summary["metrics"]["orders"]
    assert orders["ci_low"] <= orders["mean"] <= orders["ci_high"]
    for key in (
        "wait_hours_p50",
        "wait_hours_p90",
        "wait_hours_p99",
        "csat_mean",
        "loss_ratio",
        "utilisation.repair-shop",
        "lost",
        "duplicated",
        "premiums_earned",
    ):
        assert key in summary["metrics"]
    with (out / "timeseries.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert {row["replication"] for row in rows} == {"0", "1"}
    for plot in ("queue_lengths", "wait_distribution", "csat_over_time", "delivery_latency"):
        assert (out / f"{plot}.png").read_bytes().startswith(b"\x89PNG")


def test_run_accepts_a_bundled_name_and_writes_records(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        "run", "--scenario", "rural_wireless", "--quiet", "--records", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"outputs: {out}"
    with (out / "records" / "services-000.csv").open() as file:
        records = list(csv.DictReader(file))
    assert records and all("@" in row["customer_email"] for row in records)


def test_bad_input_is_a_message_not_a_traceback(short: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(short.read_text().replace("capacity = 2", "capacity = 0"))
    result = invoke("run", "--scenario", str(bad), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert f"{bad}: providers[0].capacity: Input should be greater than 0" in result.output
    assert "Traceback" not in result.output
    missing = invoke("run", "--scenario", "nowhere")
    assert missing.exit_code == 1 and "nowhere: no such file" in missing.output
    sweep = invoke("sweep", "--scenario", str(short), "--param", "providers")
    assert sweep.exit_code == 2 and "expected KEY=VALUE" in sweep.output
    value = invoke("sweep", "--scenario", str(short), "--param", "capacity=0,1")
    assert value.exit_code == 1 and "providers[0].capacity: Input should be greater" in value.output


def test_sweep_writes_one_row_per_run_and_plots(short: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    result = invoke(
        "sweep",
        "--scenario",
        str(short),
        "--param",
        "providers=1,2",
        "--param",
        "wireless=lte_urban,rural_edge",
        "--replications",
        "2",
        "--out",
        str(out),
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    with (out / "runs.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 2 * 2 * 2
    assert {(r["providers"], r["wireless"]) for r in rows} == {
        ("1", "lte_urban"),
        ("1", "rural_edge"),
        ("2", "lte_urban"),
        ("2", "rural_edge"),
    }
    assert (out / "sweep_wait_hours_mean.png").exists()
    points = json.loads((out / "points.json").read_text())
    rural = [p for p in points if p["params"]["wireless"] == "rural_edge"]
    assert all(p["metrics"]["lost"]["mean"] > 0 for p in rural)


def test_ctrl_c_leaves_partial_outputs_marked_partial(
    tmp_path: Path, helpers: SimpleNamespace
) -> None:
    calls = []

    def interrupt_in_the_second_replication(share: float) -> None:
        calls.append(share)
        if len(calls) == 25:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run(
            helpers.small(horizon_days=3, warmup_days=0),
            replications=3,
            out=out,
            on_progress=interrupt_in_the_second_replication,
        )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is False
    assert summary["replications_done"] == 1
    assert "orders" in summary["metrics"]


def test_the_cli_exits_130_on_ctrl_c(short: Path, tmp_path: Path, monkeypatch: Any) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("simulator.runner.run", interrupted)
    result = CliRunner().invoke(
        build_cli(get_plugin_manager()), ["simulate", "run", "--scenario", str(short)]
    )
    assert result.exit_code == 130
    assert "interrupted: partial outputs" in result.output


def test_a_real_ascc_simulate_run_and_sigint(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [
        ASCC,
        "simulate",
        "run",
        "--scenario",
        "small",
        "--replications",
        "40",
        "--seed",
        "5",
        "--out",
        str(out),
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        series = out / "timeseries.csv"
        poll_until(
            lambda: series.stat().st_size or None if series.exists() else None,
            "the first replication's time series",
            seconds=60,
        )
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is False
    assert 1 <= summary["replications_done"] < 40
