"""The operator's commands through the real ``ascc`` command line: ``hub-delivery``,
``worker --once`` (the hub's own delivery through the ``log`` channel), ``backup`` and
``restore`` (the restored database answers ``records`` alike)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ascc_plugin.cli import build_cli
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.settings import load_settings, write_settings_file
from ascc_plugin.signatures import standard_headers
from center import create_app
from center.infra.db import get_database
from center.settings import HubSettings
from tests.common.hub import Party, event_body


def ascc(*args: str) -> Any:
    result = CliRunner().invoke(build_cli(get_plugin_manager()), list(args))
    assert result.exit_code == 0, result.output
    return result.output


def config(folder: Path, database: str) -> Path:
    return write_settings_file(
        folder / "ascc.toml",
        {
            "hub": {
                "database_url": f"sqlite:///{folder / database}",
                "keys_dir": str(folder / "keys"),
                "delivery_channels": ["log"],
            },
            "delivery": {"log_file": str(folder / "deliveries.jsonl")},
        },
    )


def issue(settings_file: Path, gsp: Party) -> list[dict[str, Any]]:
    app = create_app(load_settings(settings_file).section(HubSettings))
    body = event_body(gsp, quantity=2, price="10.00")
    headers = {
        "ASCC-Domain": gsp.shop,
        **standard_headers(gsp.secret, "msg_1", int(time.time()), body),
    }
    answer = app.test_client().post("/api/v1/events", data=body, headers=headers)
    get_database(app).dispose()
    assert answer.status_code == 200, answer.text
    vouchers: list[dict[str, Any]] = answer.json["vouchers"]  # type: ignore[index]
    return vouchers


def test_the_hub_delivers_for_a_store_that_asked_then_backs_up_and_restores(tmp_path: Path) -> None:
    settings = str(config(tmp_path, "hub.sqlite"))
    ascc("center", "--config", settings, "init-db")
    made = json.loads(
        ascc(
            "center",
            "--config",
            settings,
            "add-gsp",
            "--name",
            "S",
            "--platform",
            "shopify",
            "--shop",
            "cli.example",
        )
    )
    switched = ascc("center", "--config", settings, "hub-delivery", "--gsp", made["gsp_id"], "--on")
    assert json.loads(switched) == {"gsp_id": made["gsp_id"], "hub_delivery": True}
    gsp = Party(made["gsp_id"], made["api_key"], made["signing_secret"], "cli.example")
    vouchers = issue(Path(settings), gsp)
    assert "2 done" in ascc("center", "--config", settings, "worker", "--once")
    lines = [json.loads(x) for x in (tmp_path / "deliveries.jsonl").read_text().splitlines()]
    assert {x["voucher"]["holder_secret"] for x in lines} == {v["holder_secret"] for v in vouchers}

    ascc("center", "--config", settings, "backup", "--out", str(tmp_path / "hub.backup"))
    copy = tmp_path / "copy"
    copy.mkdir()
    restored = str(config(copy, "restored.sqlite"))
    ascc("center", "--config", restored, "restore", "--from", str(tmp_path / "hub.backup"))
    original = ascc("center", "--config", settings, "records", "--gsp", gsp.id)
    assert ascc("center", "--config", restored, "records", "--gsp", gsp.id) == original
    assert len(json.loads(original)) == 2
