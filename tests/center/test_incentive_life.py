"""The incentive's life reaches the parties: ``incentive.issued``, ``incentive.released`` and
``incentive.redeemed`` — audit notes on the service voucher — go to the store's and the serving
provider's webhook endpoints, signed, in order, beside the voucher's own ``voucher.assessed``
and ``voucher.rewarded`` (a subscriber of voucher events only gets none of them), and into the
case's conversation as ``system`` frames."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from center.worker.runner import Worker
from tests.common.hub import LiveHub, Party
from tests.common.ops import OPS, subscribe
from tests.common.rewards import MovableClock, assess, completed, rewards_hub
from tests.common.subscriber import Subscriber

INCENTIVE_TYPES = ["incentive.issued", "incentive.released", "incentive.redeemed"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    folder: Path = tmp_path_factory.mktemp(f"incentive-events-{request.param}")
    url = (
        f"sqlite:///{folder / 'center.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    with rewards_hub(folder, url, request.param, incentive_hold_hours=0, **OPS) as live:
        yield live


def test_subscribers_hear_the_incentive_life(
    hub: LiveHub, worker_for: Callable[..., Worker], subscriber: Subscriber
) -> None:
    gsp, provider = hub.new_gsp(), hub.new_provider()
    store_side, provider_side = subscriber, Subscriber().up()
    states_only = Subscriber().up()
    try:
        subscribe(hub, gsp, store_side, [*INCENTIVE_TYPES, "voucher.assessed", "voucher.rewarded"])
        subscribe(hub, provider, provider_side, INCENTIVE_TYPES)
        subscribe(hub, gsp, states_only, ["voucher.assessed"])
        for receiver in (store_side, provider_side, states_only):
            receiver.strict_time = False  # signed at the hub's moved clock
        voucher = completed(hub, gsp, provider)
        incentive = assess(hub, voucher, 5).json()["incentive"]
        path = f"/api/v1/incentives/{incentive['id']}"
        holder = voucher["holder_secret"]
        released = hub.call("POST", path + "/release", holder, json={"provider_id": provider.id})
        assert released.status_code == 200, released.text
        redeemed = hub.call(
            "POST", path + "/redeem", provider.key, json={"token": incentive["token"]}
        )
        assert redeemed.status_code == 200, redeemed.text
        clock: MovableClock = hub.clock  # type: ignore[attr-defined]
        worker = worker_for(hub.database, clock=clock)
        while worker.tick():
            pass
        assert store_side.wait_for(5) and provider_side.wait_for(3) and states_only.wait_for(1)
        mine = [d for d in store_side.got if d.body["data"]["voucher_id"] == voucher["id"]]
        assert [d.body["type"] for d in mine] == [  # the audit trail's order
            "voucher.assessed",
            "incentive.issued",
            "incentive.released",
            "incentive.redeemed",
            "voucher.rewarded",
        ]
        assert all(d.verified for d in mine)
        assert [d.body["type"] for d in provider_side.got] == INCENTIVE_TYPES
        assert all(incentive["id"] in (d.body["data"]["detail"] or "") for d in provider_side.got)
        assert [d.body["type"] for d in states_only.got] == ["voucher.assessed"]
    finally:
        provider_side.down()
        states_only.down()


def rewarded(hub: LiveHub) -> tuple[dict[str, Any], dict[str, Any], Party]:
    """A voucher walked to ``rewarded``: (voucher, its incentive, the provider)."""
    gsp, provider = hub.new_gsp(), hub.new_provider()
    voucher = completed(hub, gsp, provider)
    incentive = assess(hub, voucher, 5).json()["incentive"]
    path = f"/api/v1/incentives/{incentive['id']}"
    release = {"provider_id": provider.id}
    assert hub.call("POST", path + "/release", voucher["holder_secret"], json=release).ok
    assert hub.call("POST", path + "/redeem", provider.key, json={"token": incentive["token"]}).ok
    return voucher, incentive, provider


def test_the_conversation_shows_the_incentive_life(hub: LiveHub) -> None:
    voucher, incentive, provider = rewarded(hub)
    frames = hub.call("GET", f"/api/v1/cases/{voucher['id']}/frames", voucher["holder_secret"])
    assert frames.status_code == 200, frames.text
    system = [f["body"] for f in frames.json()["items"] if f["type"] == "system"]
    assert [body["event"] for body in system] == [
        "assigned",
        "redeemed",
        "completed",
        "assessed",
        "incentive issued",
        "incentive released",
        "incentive redeemed",
        "rewarded",
    ]
    incentive_frames = [body for body in system if body["event"].startswith("incentive")]
    assert [body["incentive_state"] for body in incentive_frames] == [
        "issued",
        "released",
        "redeemed",
    ]
    assert all(incentive["id"] in body["detail"] for body in incentive_frames)
    assert {body["provider_id"] for body in system} == {provider.id}
