"""``ascc store outbox`` (``center`` mode): listing, flushing while the center is down and up,
parked entries."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner, Result

from ascc_plugin.cli import build_cli
from ascc_plugin.host import configure, get_plugin_manager, process_event
from ascc_plugin.models import OrderEvent
from ascc_plugin.settings import load_settings
from simulator.services import ascc as ascc_process
from tests.common.receiver import Receiver
from tests.common.settings import center_store_config

FAST_RETRY = {"retry_base_seconds": 0.001, "retry_cap_seconds": 0.001}


def ascc(*args: str) -> Result:
    pm = get_plugin_manager()
    return CliRunner().invoke(build_cli(pm), list(args), obj=pm)


def queue_events(config_path: Path, event: OrderEvent, n: int) -> None:
    """What the store service does while the center is away: events land in the outbox."""
    pm = get_plugin_manager(entrypoints=False)
    handler = configure(pm, load_settings(config_path))
    for i in range(n):
        order = event.order.model_copy(update={"id": f"50{i:02d}"})
        process_event(pm, event.model_copy(update={"event_id": f"e{i}", "order": order}))
    handler.close()  # type: ignore[attr-defined]


def as_json(result: Result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_empty_outbox_is_reported(tmp_path: Path, dead_url: str) -> None:
    path = center_store_config(tmp_path, dead_url, "")  # listing needs no secret
    result = ascc("store", "outbox", "--config", str(path))
    assert result.exit_code == 0
    assert "0 pending, 0 parked, 0 sent" in result.stdout
    assert as_json(ascc("store", "outbox", "--config", str(path), "--json"))["entries"] == []


def test_flush_while_the_center_is_down_reports_and_returns(
    tmp_path: Path, dead_url: str, secret: str, sample_event: OrderEvent
) -> None:
    path = center_store_config(tmp_path, dead_url, secret)
    queue_events(path, sample_event, 3)
    summary = as_json(ascc("store", "outbox", "--flush", "--json", "--config", str(path)))
    assert summary["flushed"]["retried"] == 3 and summary["flushed"]["sent"] == 0
    assert summary["counts"] == {"pending": 3, "sent": 0, "parked": 0}
    assert [e["order"] for e in summary["entries"]] == ["5000", "5001", "5002"]
    assert all(e["attempts"] == 1 for e in summary["entries"])
    assert all(e["last_error"].startswith("cannot reach the center") for e in summary["entries"])
    table = ascc("store", "outbox", "--config", str(path)).stdout
    assert "3 pending" in table and "WEBHOOK ID" in table and "order.paid" in table


def test_flush_once_the_center_is_back_sends_and_delivers(
    tmp_path: Path,
    dead_url: str,
    receiver: Receiver,
    secret: str,
    sample_event: OrderEvent,
) -> None:
    queue_events(center_store_config(tmp_path, dead_url, secret, FAST_RETRY), sample_event, 3)
    assert (
        ascc("store", "outbox", "--flush", "--config", str(tmp_path / "ascc.toml")).exit_code == 0
    )
    path = center_store_config(tmp_path, receiver.url, secret, FAST_RETRY)
    result = ascc("store", "outbox", "--flush", "--config", str(path))
    assert result.exit_code == 0, result.output
    assert "flush: 3 sent, 0 to retry later, 0 parked" in result.stdout
    assert "0 pending, 0 parked, 3 sent" in result.stdout
    assert len(receiver.seen) == 3 and all(seen.verified for seen in receiver.seen)
    deliveries = (tmp_path / "deliveries.jsonl").read_text().splitlines()
    assert len(deliveries) == 3 * 7


def test_parked_entries_are_listed_and_can_be_retried(
    tmp_path: Path, receiver: Receiver, secret: str, sample_event: OrderEvent
) -> None:
    path = center_store_config(tmp_path, receiver.url, secret)
    queue_events(path, sample_event, 1)
    receiver.plan = [422]
    parked = as_json(ascc("store", "outbox", "--flush", "--json", "--config", str(path)))
    assert parked["flushed"]["parked"] == 1
    (entry,) = parked["entries"]
    assert entry["state"] == "parked" and entry["last_error"] == "HTTP 422: planned failure 422"
    assert entry["next_attempt_at"] is None
    again = as_json(
        ascc("store", "outbox", "--retry-parked", "--flush", "--json", "--config", str(path))
    )
    assert again["retried_parked"] == 1 and again["flushed"]["sent"] == 1
    assert again["counts"] == {"pending": 0, "sent": 1, "parked": 0}


def test_a_bad_configuration_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "ascc.toml").write_text('[center]\ntimeout_seconds = "soon"\n')
    result = ascc("store", "outbox", "--config", str(tmp_path / "ascc.toml"))
    assert result.exit_code == 1
    assert "center.timeout_seconds" in result.stderr and "Traceback" not in result.output


def test_flush_without_a_signing_secret_says_so(tmp_path: Path, dead_url: str) -> None:
    path = center_store_config(tmp_path, dead_url, "")
    result = ascc("store", "outbox", "--flush", "--config", str(path))
    assert result.exit_code == 1
    assert "center.signing_secret: required" in result.stderr


def test_the_console_script_returns_promptly_while_the_center_is_down(
    tmp_path: Path, dead_url: str, secret: str, sample_event: OrderEvent
) -> None:
    path = center_store_config(tmp_path, dead_url, secret)
    queue_events(path, sample_event, 2)
    started = time.monotonic()
    done = ascc_process("store", "outbox", "--flush", "--config", str(path), timeout=60)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 30
    assert "flush: 0 sent, 2 to retry later, 0 parked" in done.stdout
    assert "cannot reach the center" in done.stdout
