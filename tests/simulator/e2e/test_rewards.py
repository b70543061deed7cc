"""The reward half and the channel in the e2e mode: incentives released and redeemed, claims
filed and decided, every case's frames sent, through the real hub, cross-checked against the
model.

A day of ``small`` with a short hold (so redeems fall inside the day), the installation program
insured too (installations are what a day serves) with a coverage limit under the typical claim
(so the coverage rule leaves some claims pending for the operator), and a hub outage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.e2e.run import run_e2e
from simulator.e2e.simulation import Simulation
from simulator.scenario import Scenario

OUTAGE = {"kind": "hub_down", "start_hours": 6.0, "end_hours": 9.0}


def rewarding_day() -> Scenario:
    raw = Scenario.load("small").to_mapping()
    raw["run"] |= {"warmup_days": 0, "horizon_days": 1.0}
    raw["incentives"] |= {"hold_hours": 2, "redeem_delay_hours": {"dist": "exponential", "mean": 1}}
    raw["customers"] |= {"release_delay_hours": {"dist": "exponential", "mean": 2}}
    raw["programs"][1]["insurance_policy"] = "device-care"
    raw["insurance"]["device-care"] |= {"limit": "150.00", "claim_probability": 1.0}
    raw["faults"] = [OUTAGE]
    return Scenario.from_mapping(raw, "rewards.toml")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return run_e2e(rewarding_day(), seed=7, folder=tmp_path_factory.mktemp("rewards"))


def test_incentives_and_claims_run_for_real_and_end_cross_checked(run: Any) -> None:
    summary = run.summary
    assert run.ok, run.check.diff()
    features = summary["features"]
    assert {"incentives", "insurance"} <= set(features["exercised"])
    assert "incentives" not in features["modelled"] and "insurance" not in features["modelled"]
    requested, check = summary["requested"], summary["cross_check"]
    assert requested["releases"] > 0 and requested["rewards"] > 0 and requested["claims"] > 0
    # every redeem the model made is an incentive redeemed and a voucher rewarded at the hub
    assert check["incentives"]["redeemed"] == requested["rewards"] == check["states"]["rewarded"]
    assert check["incentives_mismatched"] == 0 and check["claims_mismatched"] == 0
    assert check["claims"]["approved"] == requested["claims"]
    assert requested["decisions"] > 0  # claims over the coverage left, approved by the operator
    assert "channel" in features["exercised"]
    frames = 4 * requested["activations"]  # [channel] frames = 4 per case
    assert requested["frames"] == check["frames"] == frames > 0
    assert check["frames_mismatched"] == 0
    assert check["ledger"] == "balanced"
    assert summary["parties"]["refused"] == 0
    assert summary["links"]["hub_down"] > 0  # the outage was met and retried through


def test_an_incentive_the_operator_cancels_behind_the_models_back_is_named(
    tmp_path: Path,
) -> None:
    sim = Simulation(rewarding_day(), seed=7, folder=tmp_path)
    try:
        sim.advance(12)
        hub = sim.market.hub
        states = hub.incentive_states()
        open_ones = [v for v, state in sorted(states.items()) if state in ("issued", "released")]
        assert open_ones, states
        incentive = hub.mailbox.incentives[open_ones[0]]
        path = f"/api/v1/incentives/{incentive.id}/cancel"
        answer = hub.call("POST", path, hub.admin_key, {"reason": "dispute"})
        assert answer.status == 200, answer.body
    finally:
        result = sim.finish()
    assert not result.ok
    assert result.summary["cross_check"]["incentives_mismatched"] == 1
    diff = result.check.diff()
    assert "mismatched incentives: 1" in diff
    assert "hub cancelled" in diff


def test_a_frame_the_model_did_not_send_is_named_and_a_resent_one_stored_once(
    tmp_path: Path,
) -> None:
    sim = Simulation(rewarding_day(), seed=7, folder=tmp_path)
    try:
        sim.advance(12)
        hub = sim.market.hub
        assigned = [r for r in hub.records() if r["provider_id"] is not None]
        voucher_id = assigned[0]["voucher_id"]
        delivered = [v for w in sim.market.wallets for v in w.vouchers.values()]
        holder = next(v.holder_secret for v in delivered if v.id == voucher_id)
        frame = {"type": "message", "client_msg_id": "extra", "body": {"text": "hello?"}}
        first = hub.frame(voucher_id, holder, frame)
        again = hub.frame(voucher_id, holder, frame)
        assert first.status == again.status == 200, (first.body, again.body)
        assert again.body["seq"] == first.body["seq"] and again.body["duplicate"] is True
        stranger = hub.frame(voucher_id, "ascc_nobody", frame)
        assert stranger.status == 401
        assert [f.get("client_msg_id") for f in hub.frames(voucher_id)].count("extra") == 1
    finally:
        result = sim.finish()
    assert not result.ok
    assert result.summary["cross_check"]["frames_mismatched"] == 1
    diff = result.check.diff()
    assert "mismatched frames: 1" in diff and "extra" in diff
