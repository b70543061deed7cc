"""After commit, the reward hooks get typed models: assessment submitted, incentive issued,
incentive redeemed, claim decided — and a failing plugin stops neither the others nor the
request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ascc_plugin import hookimpl
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.rewards import Assessment, ClaimDecision, Incentive
from tests.common.rewards import assess, completed, rewards_hub


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    @hookimpl
    def ascc_assessment_submitted(self, assessment: Assessment) -> None:
        self.seen.append(("assessment", assessment))

    @hookimpl
    def ascc_incentive_issued(self, incentive: Incentive) -> None:
        self.seen.append(("issued", incentive))

    @hookimpl
    def ascc_incentive_redeemed(self, incentive: Incentive) -> None:
        self.seen.append(("redeemed", incentive))

    @hookimpl
    def ascc_claim_decided(self, claim: ClaimDecision) -> None:
        self.seen.append(("claim", claim))


class Broken:
    @hookimpl
    def ascc_assessment_submitted(self, assessment: Assessment) -> None:
        raise RuntimeError("a failing plugin must not stop the others")


def test_reward_hooks_receive_typed_models_after_commit(tmp_path: Path) -> None:
    recorder = Recorder()
    with rewards_hub(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite'}", "sqlite",
                     incentive_hold_hours=0) as hub:  # fmt: skip
        pm = get_plugin_manager(entrypoints=False)
        pm.register(Broken())
        pm.register(recorder)
        current = hub.app.extensions["ascc_hub"]
        current.pm = pm
        gsp, provider = hub.new_gsp(), hub.new_provider()
        voucher = completed(hub, gsp, provider)
        answer = assess(hub, voucher, 5, comment="fine")
        assert answer.status_code == 200
        incentive = answer.json()["incentive"]
        path = f"/api/v1/incentives/{incentive['id']}"
        hub.call(
            "POST", path + "/release", voucher["holder_secret"], json={"provider_id": provider.id}
        )
        hub.call("POST", path + "/redeem", provider.key, json={"token": incentive["token"]})
        claim = hub.call(
            "POST", f"/api/v1/vouchers/{voucher['id']}/claims", provider.key,
            json={"amount": "500.00", "description": "x"},
        ).json()  # fmt: skip
        hub.call("POST", f"/api/v1/claims/{claim['id']}/decision", hub.admin_key,
                 json={"approve": False, "note": "no receipt"})  # fmt: skip
    kinds = [kind for kind, _ in recorder.seen]
    assert kinds == ["assessment", "issued", "redeemed", "claim", "claim"]
    assessment, issued, redeemed = (model for _, model in recorder.seen[:3])
    assert isinstance(assessment, Assessment) and (assessment.score, assessment.comment) == (
        5,
        "fine",
    )
    assert isinstance(issued, Incentive) and issued.token and issued.state == "issued"
    assert (
        isinstance(redeemed, Incentive) and redeemed.state == "redeemed" and redeemed.token is None
    )
    assert [model.status for _, model in recorder.seen[3:]] == ["pending", "rejected"]
