"""The cross-check alone: the model's events replayed through the hub's transition table, and
every kind of difference named in the diff."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.e2e.bridge import Expected
from simulator.e2e.crosscheck import (
    compare_frames,
    cross_check,
    expected_incentive,
    expected_state,
)


@pytest.mark.parametrize(
    ("events", "state"),
    [
        ([], "issued"),
        (["activate"], "assigned"),
        (["activate", "serve"], "assessed"),
        (["void"], "voided"),
        (["activate", "void", "serve"], "voided"),  # the hub refuses to redeem a voided one
        (["activate", "serve", "void"], "assessed"),  # a served voucher is not voided
        (["serve"], "issued"),  # never activated: nothing to redeem
    ],
)
def test_the_expected_state_follows_the_hubs_rules(events: list[str], state: str) -> None:
    assert expected_state(events) == state


def record(order: str, state: str, unit: int = 0) -> dict[str, Any]:
    return {
        "order_id": order,
        "line_id": f"{order}000",
        "unit": unit,
        "program": "p",
        "state": state,
    }


def test_every_difference_is_named() -> None:
    expected = {
        ("1", "1000", 0, "p"): Expected(0, ["activate"]),
        ("2", "2000", 0, "p"): Expected(0, []),
        ("3", "3000", 0, "p"): Expected(0, ["void"]),
    }
    records = [
        record("1", "issued"),
        record("3", "voided"),
        record("3", "voided"),
        record("9", "issued"),
    ]
    delivered = {("1", "1000", 0, "p"), ("3", "3000", 0, "p")}
    check = cross_check(expected, records, delivered, delivered_twice=1)
    assert not check.ok
    counts = check.counts()
    assert (counts["lost"], counts["unexpected"], counts["mismatched"]) == (1, 1, 1)
    assert counts["duplicated"] == 2  # a record listed twice, a voucher delivered twice
    diff = check.diff()
    assert "lost (expected, not at the hub or never delivered): 1" in diff
    assert "order 2 line 2000 unit 0 p" in diff
    assert "order 1 line 1000 unit 0 p: model assigned, hub issued" in diff
    assert "unexpected (at the hub, not in the model): 1" in diff


def test_an_unbalanced_ledger_fails_the_check() -> None:
    check = cross_check({}, [], set(), 0)
    assert check.ok
    check.ledger = "unbalanced"
    assert not check.ok and "ledger: debits and credits differ" in check.diff()


@pytest.mark.parametrize(
    ("events", "state"),
    [
        ([], "none"),
        (["issue"], "issued"),
        (["issue", "release"], "released"),
        (["issue", "release", "redeem"], "redeemed"),
        (["issue", "lapse"], "lapsed"),
        (["issue", "lapse", "release"], "lapsed"),  # the hub refuses to release a lapsed one
        (["issue", "redeem"], "issued"),  # never released: the provider cannot redeem
    ],
)
def test_the_expected_incentive_follows_the_hubs_rules(events: list[str], state: str) -> None:
    assert expected_incentive(events) == state


def test_a_rewarded_voucher_is_expected_once_its_incentive_is_redeemed() -> None:
    assert expected_state(["activate", "serve", "reward"]) == "rewarded"
    assert expected_state(["activate", "reward"]) == "assigned"  # not assessed: no reward


def test_incentives_and_claims_that_differ_are_named() -> None:
    one, two = ("1", "1000", 0, "p"), ("2", "2000", 0, "p")
    expected = {
        one: Expected(0, ["activate", "serve"], ["issue", "release"], [1500]),
        two: Expected(0, ["activate", "serve"], [], []),
    }
    records = [
        record("1", "assessed") | {"voucher_id": "V1"},
        record("2", "assessed") | {"voucher_id": "V2"},
    ]
    incentives = {"V1": "issued", "V2": "issued"}  # not released; one the model never issued
    claims = {"V1": [("pending", 0)]}
    check = cross_check(expected, records, {one, two}, 0, incentives, claims)
    assert not check.ok
    counts = check.counts()
    assert counts["incentives_mismatched"] == 2 and counts["claims_mismatched"] == 1
    assert counts["incentives"] == {"issued": 2}
    assert counts["claims"] == {"paid_minor": 0, "pending": 1}
    diff = check.diff()
    assert "order 1 line 1000 unit 0 p: model released, hub issued" in diff
    assert "order 2 line 2000 unit 0 p: model none, hub issued" in diff
    assert "order 1 line 1000 unit 0 p: model [approved 1500], hub [pending 0]" in diff
    agreeing = {"V1": [("approved", 1500)]}
    assert not cross_check(expected, records, {one, two}, 0, None, agreeing).claims


def test_frames_stored_twice_out_of_order_or_missing_are_named() -> None:
    keys = [(str(n), f"{n}000", 0, "p") for n in (1, 2, 3, 4)]
    expected = {key: Expected(0, ["activate"], frames=["f0", "f1"]) for key in keys}
    records = [
        record(key[0], "assigned") | {"voucher_id": f"V{key[0]}", "provider_id": "prv"}
        for key in keys
    ]
    system = {"type": "system", "seq": 1}
    stored = {
        "V1": [system, {"type": "voucher", "client_msg_id": "f0"}, {"client_msg_id": "f1"}],
        "V2": [{"type": "voucher", "client_msg_id": "f0"}] * 2 + [{"client_msg_id": "f1"}],
        "V3": [{"type": "message", "client_msg_id": "f1"}, {"client_msg_id": "f0"}],
        "V4": [{"type": "voucher", "client_msg_id": "f0"}],
    }
    normalised = {v: [{"type": "message"} | f for f in frames] for v, frames in stored.items()}
    check = cross_check(expected, records, set(keys), 0)
    compare_frames(check, expected, records, normalised.__getitem__)
    assert not check.ok
    assert (
        check.counts()["frames"] == 2 + 3 + 2 + 1
    )  # system frames aside and check.counts()["frames_mismatched"] == 3
    diff = check.diff()
    assert "order 2 line 2000 unit 0 p: model f0 f1, hub f0 f0 f1" in diff
    assert "order 3 line 3000 unit 0 p: model f0 f1, hub f1 f0" in diff
    assert "order 4 line 4000 unit 0 p: model f0 f1, hub f0" in diff
    assert "order 1 " not in diff


def test_a_service_on_a_voided_voucher_is_expected_without_incentive_or_claim() -> None:
    key = ("1", "1000", 0, "p")
    # the model served (and rewarded) a voucher its refund had voided: the hub refuses to redeem
    expected = {key: Expected(0, ["activate", "void", "serve"], ["issue", "release"], [1500])}
    records = [record("1", "voided") | {"voucher_id": "V1"}]
    check = cross_check(expected, records, {key}, 0, {}, {})
    assert check.ok, check.diff()
    check = cross_check(expected, records, {key}, 0, {"V1": "issued"}, {"V1": [("approved", 0)]})
    assert check.counts()["incentives_mismatched"] == check.counts()["claims_mismatched"] == 1
