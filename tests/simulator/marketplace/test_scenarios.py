"""Scenario files: the bundled ones load; bad ones are refused with file, key and reason."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from simulator.scenario import Scenario, ScenarioError, bundled_names

SMALL = (Path(__file__).parents[3] / "simulator" / "scenarios" / "small.toml").read_text()


def refused(text: str, name: str = "small.toml") -> str:
    with pytest.raises(ScenarioError) as caught:
        from simulator.scenario import parse_scenario

        parse_scenario(text, name)
    return str(caught.value)


def test_bundled_scenarios_load() -> None:
    assert {"small", "black_friday", "rural_wireless"} <= set(bundled_names())
    for name in bundled_names():
        scenario = Scenario.load(name)
        assert scenario.source == f"{name}.toml"
        assert scenario.name == name


def test_programs_are_ascc_programs() -> None:
    from ascc_plugin.programs import Program

    program = Scenario.load("small").programs[0]
    assert isinstance(program, Program)
    assert program.reward_for(5) == program.incentive[5]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "capacity = 2",
            "capacity = 0",
            "small.toml: providers[0].capacity: Input should be greater than 0",
        ),
        (
            "orders_per_day = 120",
            "orders_per_day = -5",
            "small.toml: stores[0].orders_per_day: Input should be greater than 0",
        ),
        (
            "claim_propensity = 0.8",
            "claim_propensity = 1.5",
            "small.toml: customers.claim_propensity: Input should be less than or equal to 1",
        ),
        (
            "cells = 8",
            "cells = 8\ncolour = 'blue'",
            "small.toml: wireless.colour: Extra inputs are not permitted",
        ),
        (
            'customer = "lte_urban"',
            'customer = "carrier_pigeon"',
            "small.toml: wireless.customer: unknown profile 'carrier_pigeon'",
        ),
        (
            'insurance_policy = "device-care"',
            'insurance_policy = "nope"',
            "small.toml: programs[0].insurance_policy: no [insurance.nope] table",
        ),
        (
            "term_months = 12",
            "term_months = 0",
            "small.toml: programs[0].term_months: Input should be greater than 0",
        ),
        (
            '{ dist = "lognormal", mean = 3, sd = 2 }',
            '{ dist = "normal", mean = 3 }',
            "small.toml: providers[0].service_hours: Input tag 'normal' found using 'dist'",
        ),
        (
            'product_type = "Phones"\nweight',
            'product_type = "Tablets"\nweight',
            "small.toml: stores[0].catalog[1].product_type: no [[products]] entry for 'Tablets'",
        ),
    ],
)
def test_bad_values_are_refused_with_file_key_and_reason(old: str, new: str, message: str) -> None:
    assert old in SMALL
    assert message in refused(SMALL.replace(old, new, 1))


def test_every_problem_is_listed_one_a_line() -> None:
    text = SMALL.replace("capacity = 2", "capacity = 0").replace("count = 3", "count = -1")
    lines = refused(text).splitlines()
    assert "small.toml: providers[0].count: Input should be greater than 0" in lines
    assert "small.toml: providers[0].capacity: Input should be greater than 0" in lines


def test_not_toml_and_missing_files() -> None:
    assert refused("[run\n").startswith("small.toml: not valid TOML")
    with pytest.raises(ScenarioError, match=r"nowhere\.toml: no such file"):
        Scenario.load("nowhere.toml")


def test_an_mmc_scenario_at_or_over_capacity_is_refused(helpers: SimpleNamespace) -> None:
    raw = helpers.mmc_raw()
    raw["providers"][0]["capacity"] = 4  # λ/(cμ) = 4/4 = 1
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_mapping(raw, "mmc.toml")
    assert "mmc.toml: providers[0].capacity: ρ = λ/(cμ) = 1.000 ≥ 1" in str(caught.value)


def test_an_mmc_scenario_must_reduce_to_mmc(helpers: SimpleNamespace) -> None:
    raw = helpers.mmc_raw()
    raw["providers"][0]["service_hours"] = {"dist": "constant", "value": 1.0}
    with pytest.raises(ScenarioError, match=r"providers\[0\]\.service_hours: an M/M/c scenario"):
        Scenario.from_mapping(raw, "mmc.toml")


def test_a_scenario_round_trips_through_its_mapping() -> None:
    scenario = Scenario.load("black_friday")
    again = Scenario.from_mapping(scenario.to_mapping(), "again.toml")
    assert again.to_mapping() == scenario.to_mapping()
