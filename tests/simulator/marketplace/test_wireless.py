"""Links: outages interrupt transfers, senders retry with ascc's Backoff, receivers dedupe."""

from __future__ import annotations

import random
from types import SimpleNamespace

import simpy

from ascc_plugin.backoff import Backoff
from simulator.engine import Replication
from simulator.link_profiles import BUILTIN_PROFILES, LinkProfile
from simulator.metrics import replication_metrics
from simulator.scenario import Scenario
from simulator.wireless import Cell, LinkStats, Network, Receiver, outages


def test_builtin_profiles_are_the_research_notes_defaults() -> None:
    assert set(BUILTIN_PROFILES) == {
        "wifi_good",
        "lte_urban",
        "lte_slow",
        "nr_5g",
        "rural_edge",
        "ideal",
    }
    rural = BUILTIN_PROFILES["rural_edge"]
    assert round(rural.loss_rate(), 3) == 0.040  # the notes: ≈4.0 %
    assert round(rural.offline_share(), 3) == 0.032
    assert BUILTIN_PROFILES["lte_slow"].loss_rate() == 0


def test_an_outage_interrupts_a_transfer_in_flight_and_the_sender_retries() -> None:
    env = simpy.Environment()
    profile = LinkProfile(latency_ms=60_000, jitter_ms=0, mean_up_s=10, mean_down_s=5)
    stats = LinkStats()
    cell = Cell(env, profile, random.Random(1), stats)
    env.process(outages(env, cell, random.Random(2), profile))
    network = Network(env, 120.0, Backoff(1.0, 30.0), random.Random(3))
    receiver = Receiver(48.0)
    env.process(network.transmit(cell, True, receiver, 100, 100))
    env.run(until=10.0)
    assert stats.lost >= 1 and stats.retried >= 1  # a minute on the air never survives
    assert stats.delivered == 0 and not cell.inflight


def test_a_receiver_accepts_a_key_once_within_its_retention() -> None:
    receiver = Receiver(retention_hours=1.0)
    assert receiver.accept(7, 0.0)
    assert not receiver.accept(7, 0.5)
    assert not receiver.accept(7, 1.5)  # rotated once: still remembered
    assert receiver.accept(7, 5.0)  # forgotten after two rotations


def test_retries_use_ascc_backoff_and_duplicates_are_counted_not_applied(
    helpers: SimpleNamespace,
) -> None:
    raw = helpers.small(horizon_days=10, warmup_days=0).to_mapping()
    raw["wireless"].update(customer="rural_edge", provider="rural_edge", store="rural_edge")
    rep = Replication(Scenario.from_mapping(raw, "rural.toml"), 4, 0)
    assert type(rep.net.backoff) is Backoff
    rep.run()
    m = replication_metrics(rep)
    assert m["lost"] > 0 and m["wireless.retried"] > 0 and m["duplicated"] > 0
    assert m["vouchers_delivered"] + m["vouchers_in_flight"] == m["vouchers"]
    assert m["invariant_violations"] == 0


def test_a_too_short_key_retention_is_reported_as_a_violation(
    helpers: SimpleNamespace,
) -> None:
    raw = helpers.small(horizon_days=10, warmup_days=0).to_mapping()
    raw["wireless"].update(customer="rural_edge", retention_hours=1e-9)
    rep = Replication(Scenario.from_mapping(raw, "forgetful.toml"), 4, 0)
    rep.run()
    m = replication_metrics(rep)
    assert m["wireless.forgotten"] > 0
    assert m["invariant_violations"] > 0
