"""``ascc center …`` as a user runs it: real processes, a real SQLite file, a real gunicorn."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from ascc_plugin.signatures import standard_headers
from simulator.services import Service, ascc, free_port
from tests.common.hub import Party, event_body

ASCC = str(Path(sys.executable).parent / "ascc")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return ascc("center", *args, env=env, timeout=60, inherit=False)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "ascc.toml"
    config.write_text(
        f'[hub]\ndatabase_url = "sqlite:///{tmp_path / "hub.sqlite"}"\n'
        'keys_dir = "keys"\npublic_url = "http://127.0.0.1"\n'
    )
    return {**os.environ, "ASCC_CONFIG": str(config), "ASCC_ADMIN_KEY": "adm_" + "k" * 40}


def test_init_db_add_parties_and_records(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "init-db").returncode == 0
    assert (tmp_path / "keys" / "jwks.json").exists()
    made = run(env, "add-gsp", "--name", "Shop", "--platform", "shopify", "--shop", "a.example")
    gsp = json.loads(made.stdout)
    assert gsp["api_key"].startswith("gsp_") and gsp["signing_secret"].startswith("whsec_")
    provider = json.loads(
        run(
            env,
            "add-provider",
            "--name",
            "Fix",
            "--categories",
            "repair,support",
            "--region",
            "Berlin",
        ).stdout
    )
    assert provider["api_key"].startswith("prv_") and provider["provider_id"].startswith("prv-")
    again = run(env, "add-gsp", "--name", "Shop", "--platform", "shopify", "--shop", "a.example")
    assert again.returncode != 0 and "already registered" in again.stderr
    assert "Traceback" not in again.stderr
    empty = run(env, "records", "--gsp", gsp["gsp_id"])
    assert json.loads(empty.stdout) == []
    assert run(env, "records").returncode == 2


def test_serve_runs_gunicorn_and_records_come_out_as_csv(env: dict[str, str]) -> None:
    run(env, "init-db")
    gsp = json.loads(
        run(env, "add-gsp", "--name", "S", "--platform", "shopify", "--shop", "b.example").stdout
    )
    port = free_port()
    args = ["center", "serve", "--port", str(port), "--workers", "2"]
    server = Service("center", args, port, Path(env["ASCC_CONFIG"]).with_name("hub.log"), env)
    server.start()
    try:
        party = Party(gsp["gsp_id"], gsp["api_key"], gsp["signing_secret"], "b.example")
        body = event_body(party, quantity=1)
        headers = {
            "ASCC-Domain": "b.example",
            **standard_headers(party.secret, "msg_1", int(time.time()), body),
        }
        answer = requests.post(
            f"{server.url}/api/v1/events", data=body, headers=headers, timeout=10
        )
        assert answer.status_code == 200 and len(answer.json()["vouchers"]) == 2
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text()
    out = run(env, "records", "--customer", "ada@example.com", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["program"] for r in rows} == {"repair-12m", "support-24m"}
    assert {r["customer_email"] for r in rows} == {"ada@example.com"}


def test_bad_settings_are_a_clear_error(tmp_path: Path) -> None:
    bad = {**os.environ, "ASCC_DATABASE_URL": "mysql://x@y/z", "ASCC_KEYS_DIR": str(tmp_path)}
    result = run(bad, "init-db")
    assert result.returncode == 1 and "unsupported database 'mysql'" in result.stderr
    weak = {
        **os.environ,
        "ASCC_ADMIN_KEY": "letmein",
        "ASCC_KEYS_DIR": str(tmp_path),
        "ASCC_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
    }
    refused = run(weak, "init-db").stderr
    assert "ASCC_ADMIN_KEY: hub.admin_key: Value error, must start with 'adm_'" in refused


def test_demo_seed_makes_a_marketplace(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASCC_")}
    result = run(env, "demo-seed", "--dir", str(tmp_path / "demo"), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert len(summary["providers"]) >= 5 and summary["vouchers"]
    assert summary["admin_key"].startswith("adm_")
    again = run(env, "demo-seed", "--dir", str(tmp_path / "demo"))
    assert again.returncode == 1 and "already holds a demo" in again.stderr


def test_commands_before_init_db_say_what_to_run(env: dict[str, str]) -> None:
    result = run(env, "add-gsp", "--name", "S", "--platform", "shopify", "--shop", "s.example")
    assert result.returncode == 1
    assert "no ASCC schema yet: run 'ascc center init-db' first" in result.stderr
    assert "Traceback" not in result.stderr
