"""The model's rules: ascc's own issuing, the reward and insurance rules, lazy identities."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from ascc_plugin import issuing
from ascc_plugin.identity import voucher_id
from simulator import engine
from simulator.engine import Replication, issue
from simulator.ledger import Ledger
from simulator.metrics import replication_metrics
from simulator.runner import run
from simulator.scenario import Scenario


def small(**run: Any) -> Scenario:
    """The bundled small scenario with ``[run]`` keys changed."""
    raw = Scenario.load("small").to_mapping()
    raw["run"].update(run)
    return Scenario.from_mapping(raw, "small.toml")


def finished(scenario: Scenario, seed: int = 1) -> tuple[Replication, dict[str, float]]:
    rep = Replication(scenario, seed, 0)
    rep.run()
    return rep, replication_metrics(rep)


def changed(**sections: dict[str, Any]) -> Scenario:
    raw = small(horizon_days=10, warmup_days=0).to_mapping()
    for section, values in sections.items():
        raw.setdefault(section, {}).update(values)
    return Scenario.from_mapping(raw, "small.toml")


def test_vouchers_come_from_ascc_issuing_with_the_same_ids() -> None:
    assert engine.entitled_vouchers is issuing.entitled_vouchers
    rep = Replication(small(), 1, 0)
    store = rep.stores[0]
    order, info = store.make_order(42, 0.0, 7, rep.rng_orders)
    recs = issue(rep, store, order, info, 7, 0)
    expected = [
        voucher_id(
            b"ascc-simulation",
            "shopify",
            "gadgets.myshopify.com",
            "42",
            v.line_id,
            v.unit,
            v.program,
        )
        for v in issuing.entitled_vouchers(store.gsp, order, store.programs, "paid", rep.id_key)
    ]
    assert [rec.id for rec in recs] == expected and expected


def test_pair_limit_and_program_cap() -> None:
    rep = Replication(small(), 1, 0)
    ledger = Ledger(rep.counters, pair_limit=2, window_hours=720, caps=[1500])
    assert ledger.issue_incentive(0.0, 0, customer=1, provider=9, cents=500)
    assert ledger.issue_incentive(1.0, 0, customer=1, provider=9, cents=500)
    assert not ledger.issue_incentive(2.0, 0, customer=1, provider=9, cents=500)  # pair limit
    assert ledger.issue_incentive(2.0, 0, customer=2, provider=9, cents=500)
    assert not ledger.issue_incentive(3.0, 0, customer=3, provider=9, cents=1)  # program cap
    assert rep.counters.incentives_pair_capped == rep.counters.incentives_program_capped == 1
    ledger.caps = [None]
    assert ledger.issue_incentive(721.0, 0, customer=1, provider=9, cents=500)  # window passed


def test_a_claim_pays_within_deductible_and_remaining_coverage() -> None:
    rep = Replication(small(), 1, 0)
    ledger = Ledger(rep.counters, 3, 720, [None])
    assert ledger.claim(cost_cents=20_000, deductible=2_500, coverage_left=60_000) == 17_500
    assert ledger.claim(cost_cents=20_000, deductible=2_500, coverage_left=5_000) == 5_000
    assert ledger.claim(cost_cents=1_000, deductible=2_500, coverage_left=60_000) == 0
    assert rep.counters.claims == 3 and rep.counters.claims_paid_cents == 22_500


def test_incentives_not_released_lapse_and_nothing_is_redeemed() -> None:
    _, m = finished(changed(customers={"release_propensity": 0.0}, run={"horizon_days": 45}))
    assert m["incentives_issued"] > 0
    assert m["incentives_released"] == m["incentives_redeemed"] == 0
    assert m["incentives_lapsed"] > 0


def test_nothing_is_redeemed_before_the_hold() -> None:
    scenario = changed(
        run={"horizon_days": 2},
        customers={
            "release_propensity": 1.0,
            "release_delay_hours": {"dist": "constant", "value": 1},
        },
    )
    _, m = finished(scenario)
    assert m["incentives_released"] > 0 and m["incentives_redeemed"] == 0


def test_vouchers_voided_before_service_reverse_their_premium() -> None:
    scenario = changed(
        refunds={"cancel_probability": 1.0, "delay_days": {"dist": "constant", "value": 0.01}}
    )
    _, m = finished(scenario)
    assert m["vouchers_voided"] == m["vouchers"] > 0
    assert m["premiums_reversed"] == m["premiums_written"] > 0
    assert m["premiums_earned"] == 0 and m["loss_ratio"] == 0
    assert m["claims_on_voided"] > 0 and m["claims"] == 0


def test_loss_ratio_is_paid_claims_over_earned_premiums() -> None:
    _, m = finished(changed(run={"horizon_days": 30}))
    assert m["claims_paid"] > 0
    assert m["loss_ratio"] == m["claims_paid"] * 100 / (m["premiums_earned"] * 100)


def test_identities_are_made_only_for_records(tmp_path: Any) -> None:
    rep, _ = finished(changed(run={"horizon_days": 5}))
    assert rep.identities.generated == 0
    run(changed(run={"horizon_days": 5}), out=tmp_path, records=True, plots=False)
    lines = (tmp_path / "records" / "services-000.csv").read_text().splitlines()
    assert len(lines) > 1
    assert len({line.split(",")[5] for line in lines[1:]}) <= 500  # the pool's size


def test_importing_the_package_and_its_plugin_stays_light() -> None:
    code = (
        "import sys, simulator, simulator.plugin; "
        "heavy = ('simpy', 'matplotlib', 'faker', 'distributed', 'tqdm'); "
        "print(sorted(m for m in heavy if m in sys.modules)); "
        "from simulator import Scenario, run; "
        "print(run(Scenario.load('small'), replications=1, plots=False).summary['complete'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "True"]
