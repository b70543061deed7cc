"""``ascc center add-policy | ledger | report | lapse-incentives`` and the reward half of
``demo-seed`` and ``add-provider``, as a user runs them (real processes, a real SQLite file)."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ASCC = str(Path(sys.executable).parent / "ascc")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ASCC, "center", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("seeded") / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASCC_")}
    made = run(env, "demo-seed", "--dir", str(folder), "--json", "--providers", "8")
    assert made.returncode == 0, made.stderr
    return folder, {**env, "ASCC_CONFIG": str(folder / "ascc.toml")}


def test_demo_seed_earns_ratings_through_assessments(seeded: tuple[Path, dict[str, str]]) -> None:
    folder, _ = seeded
    with sqlite3.connect(folder / "center.sqlite") as db:
        earned = db.execute(
            "SELECT p.id, p.rating_total, p.reviews_count, p.completed_services, "
            "COALESCE(SUM(a.score), 0), COUNT(a.voucher_id) FROM providers p "
            "LEFT JOIN assessments a ON a.provider_id = p.id GROUP BY p.id"
        ).fetchall()
        rewarded = db.execute("SELECT COUNT(*) FROM vouchers WHERE state = 'assessed'").fetchone()
    assert sum(row[5] for row in earned) > 0
    for _, total, count, completed, scores, assessments in earned:
        assert (total, count) == (scores, assessments)  # every score is an assessment's
        assert completed >= count
    assert rewarded[0] == sum(row[5] for row in earned)


def test_add_policy_ledger_and_report(seeded: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    _, env = seeded
    policy = run(
        env, "add-policy", "--id", "gold", "--insurer", "Mutual", "--currency", "usd",
        "--premium-fixed", "2.50", "--coverage-limit", "300", "--deductible", "25",
    )  # fmt: skip
    assert policy.returncode == 0, policy.stderr
    assert json.loads(policy.stdout)["premium_fixed"] == "2.50"
    twice = run(env, "add-policy", "--id", "gold", "--insurer", "M", "--currency", "USD",
                "--premium-rate", "0.1", "--coverage-limit", "1")  # fmt: skip
    assert twice.returncode == 1 and "already registered" in twice.stderr
    both = ["--premium-rate", "0.1", "--premium-fixed", "1", "--coverage-limit", "1"]
    refused = run(env, "add-policy", "--id", "x", "--insurer", "M", "--currency", "EUR", *both)
    assert refused.returncode == 1 and "exactly one" in refused.stderr
    ledger = json.loads(run(env, "ledger").stdout)
    incentives = [a for a in ledger if a["account"].endswith(":incentives")]
    assert incentives and all(a["normal"] == "credit" for a in incentives)
    rows = list(csv.DictReader(io.StringIO(run(env, "ledger", "--format", "csv").stdout)))
    assert rows and {"account", "kind", "amount", "side"} <= rows[0].keys()
    issued = [r for r in rows if r["kind"] == "incentive.issued"]
    assert len(issued) == 2 * len([e for a in incentives for e in a["items"]])  # two legs each
    assert sum(Decimal(r["amount"]) for r in issued) == 0
    report = run(env, "report", "--json", "--to", "2100-01-01", "--from", "2000-01-01",
                 "--plot", str(tmp_path / "charts"))  # fmt: skip
    assert report.returncode == 0, report.stderr
    found = json.loads(report.stdout)
    assert found["satisfaction"]["count"] > 0 and found["incentives"]["issued"]["count"] > 0
    charts = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert charts == ["incentives.png", "insurance.png", "satisfaction.png", "service-times.png"]
    for chart in (tmp_path / "charts").iterdir():
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 5000
    text = run(env, "report").stdout
    assert "satisfaction:" in text and "CSAT" in text


def test_lapse_incentives_is_a_one_shot_command(seeded: tuple[Path, dict[str, str]]) -> None:
    _, env = seeded
    done = run(env, "lapse-incentives")
    assert done.returncode == 0 and json.loads(done.stdout) == {"lapsed": 0}  # none due yet


def test_add_provider_keeps_a_contact_email(seeded: tuple[Path, dict[str, str]]) -> None:
    folder, env = seeded
    made = run(env, "add-provider", "--name", "Mail", "--categories", "repair",
               "--email", " Desk@Fix.Example ")  # fmt: skip
    assert made.returncode == 0, made.stderr
    provider_id = json.loads(made.stdout)["provider_id"]
    with sqlite3.connect(folder / "center.sqlite") as db:
        (email,) = db.execute("SELECT email FROM providers WHERE id = ?", (provider_id,)).fetchone()
    assert email == "desk@fix.example"
