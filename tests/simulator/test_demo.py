"""``ascc demo`` end to end: real center and store processes, checked through its JSON report."""

from __future__ import annotations

import json
import os
import signal
import socket
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from simulator.demo import STEPS
from simulator.services import ASCC, spawn

from .conftest import DEMO_SECONDS, run_demo

pytestmark = pytest.mark.slow
Run = tuple[Path, int, dict[str, Any]]


def step(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in report["steps"] if s["name"] == name)


def test_every_step_holds_and_the_exit_code_says_so(demo_run: Run) -> None:
    _, code, report = demo_run
    assert [s["name"] for s in report["steps"]] == [name for name, _ in STEPS]
    assert [s["name"] for s in report["steps"] if not s["ok"]] == []
    assert report["ok"] is True
    assert code == 0


def test_the_walked_voucher_ends_completed_and_is_redeemed_once(demo_run: Run) -> None:
    _, _, report = demo_run
    walked = step(report, "activated")["data"]["id"]
    final = step(report, "final state and audit history")["data"]
    assert final["state"] == "completed"
    assert [e["to"] for e in final["history"]][-3:] == ["assigned", "in_service", "completed"]
    assert step(report, "second redeem refused")["data"]["status"] == 409
    record = next(v for v in report["vouchers"] if v["voucher_id"] == walked)
    assert record["state"] == "rewarded"
    assert record["provider_id"] == step(report, "assigned")["data"]["provider_id"]


def test_the_walk_goes_on_to_the_reward(demo_run: Run) -> None:
    _, _, report = demo_run
    assert step(report, "assessed, incentive issued")["data"]["amount"] == "15.00"
    assert step(report, "rewarded")["data"]["state"] == "rewarded"
    assert step(report, "rewarded")["data"]["receivable"] == "15.00"
    assert step(report, "rewarded")["data"]["record"]["reviews"] == 1


def test_the_duplicate_delivery_makes_no_extra_voucher(demo_run: Run) -> None:
    _, _, report = demo_run
    assert step(report, "Shopify order paid, delivered twice")["data"]["duplicate"] == "duplicate"
    shopify = [v for v in report["vouchers"] if v["store"] == "shopify"]
    ids = Counter(v["voucher_id"] for v in shopify)
    assert len(shopify) == 9  # TV: 3 programs; 2 soundbars: 2 each; 2 cables: support each
    assert max(ids.values()) == 1
    states = Counter(v["state"] for v in shopify)
    assert states["voided"] == 2  # one soundbar refunded: its repair and support vouchers


def test_every_voucher_is_one_line_of_one_order_once(demo_run: Run) -> None:
    _, _, report = demo_run
    keys = Counter(
        (v["store"], v["order_id"], v["line_id"], v["unit"], v["program"])
        for v in report["vouchers"]
    )
    assert len(keys) == len(report["vouchers"]) == 12
    assert Counter(v["store"] for v in report["vouchers"]) == {"shopify": 9, "woocommerce": 3}


def test_services_are_stopped_and_files_kept(demo_run: Run) -> None:
    folder, _, report = demo_run
    assert report["folder"] == str(folder.resolve())
    assert (folder / "center" / "center.sqlite").exists()
    lines = (folder / "shopify" / "ascc-deliveries.jsonl").read_text().splitlines()
    assert len(lines) == 9
    for url in report["services"].values():
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/healthz", timeout=2)


def test_no_holder_secret_in_the_report(demo_run: Run) -> None:
    folder, _, report = demo_run
    secrets = [
        json.loads(line)["voucher"]["holder_secret"]
        for line in (folder / "shopify" / "ascc-deliveries.jsonl").read_text().splitlines()
    ]
    text = json.dumps(report)
    assert not [secret for secret in secrets if secret in text]


def test_exit_1_naming_the_step_when_the_center_cannot_start(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_demo("--json", "--center-port", str(port))
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert report["ok"] is False
    assert [(s["name"], s["ok"]) for s in report["steps"]] == [("center started", False)]
    assert f"127.0.0.1:{port} is already in use" in report["steps"][0]["detail"]


def test_the_human_summary_marks_the_failed_step(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = run_demo("--center-port", str(taken.getsockname()[1]))
    assert done.returncode == 1
    assert done.stdout.startswith("✗ center started")
    assert "FAILED at 'center started'" in done.stdout


def test_a_folder_in_use_is_refused(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("mine")
    done = run_demo("--dir", str(tmp_path))
    assert done.returncode != 0
    assert "not empty" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["something"]


def test_ctrl_c_stops_every_service(tmp_path: Path) -> None:
    """SIGINT while the stores are being registered: the center that was running is stopped."""
    demo = spawn([ASCC, "demo", "--dir", str(tmp_path / "d")])
    assert demo.stdout is not None
    first = demo.stdout.readline()
    assert first.startswith("✓ center started"), first
    center = first.split()[3]
    os.kill(demo.pid, signal.SIGINT)
    assert demo.wait(DEMO_SECONDS) != 0
    demo.stdout.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{center}/healthz", timeout=2)
