"""The human summary of ``ascc demo``: plain lines (no TTY tricks), the failed step named."""

from __future__ import annotations

from pathlib import Path

from simulator.demo import STEPS, Outcome, StepResult
from simulator.plugin import outcome_json, step_line, summary_lines


def test_a_held_walk_counts_every_step_and_its_vouchers(tmp_path: Path) -> None:
    steps = [StepResult(name, True, "fine") for name, _ in STEPS]
    outcome = Outcome(tmp_path, kept=True, steps=steps, vouchers=[{"voucher_id": "A"}] * 12)
    outcome.urls = {"center": "http://127.0.0.1:5000"}
    text = "\n".join(summary_lines(outcome))
    assert f"all {len(STEPS)} steps held; 12 vouchers at the center" in text
    assert f"files: {tmp_path}\n" in text + "\n"
    assert "\r" not in text and "\x1b" not in text


def test_a_failed_walk_names_the_step_and_shows_the_logs(tmp_path: Path) -> None:
    steps = [StepResult("center started", True, "up"), StepResult("assigned", False, "HTTP 404")]
    outcome = Outcome(tmp_path, kept=False, steps=steps, logs={"center": "boom"})
    lines = summary_lines(outcome)
    assert "FAILED at 'assigned': HTTP 404" in lines
    assert lines[-2:] == ["--- center log (last lines) ---", "boom"]
    assert step_line(steps[1]).startswith("✗ assigned")
    assert outcome_json(outcome)["ok"] is False
    assert outcome_json(outcome)["folder"] is None
