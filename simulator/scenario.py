"""Scenario files: a marketplace to simulate, loaded from TOML and checked in one place.

``Scenario.load("small")`` reads a bundled scenario (``simulator/scenarios/small.toml``);
``Scenario.load("my.toml")`` a file. An invalid scenario raises :class:`ScenarioError` whose
message names the file, the key and the reason, one problem a line, in the style of
``ascc.toml``'s errors::

    small.toml: providers[0].capacity: Input should be greater than 0

The ``[[programs]]`` are the very programs of ``ascc.toml``, validated by
:class:`ascc_plugin.programs.Program`, so a store owner can simulate the programs they run.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, ValidationError

from ascc_plugin.programs import Program
from simulator.link_profiles import BUILTIN_PROFILES, LinkProfile
from simulator.scenario_checks import problems
from simulator.scenario_faults import Fault
from simulator.scenario_sections import (
    Channel,
    Choice,
    Customers,
    Incentives,
    InsurancePolicy,
    Product,
    Provider,
    Refunds,
    RunSection,
    Satisfaction,
    Section,
    Store,
    Validation,
    Wireless,
)

BUNDLED = "simulator.scenarios"


class ScenarioError(Exception):
    """A scenario is missing, unreadable or invalid; the message says where and why."""


class Scenario(Section):
    """A whole scenario file (see ``simulator/scenarios/small.toml`` for every key)."""

    name: str = "scenario"
    description: str = ""
    run: RunSection = RunSection()
    stores: tuple[Store, ...] = Field(min_length=1)
    programs: tuple[Program, ...] = Field(min_length=1)
    customers: Customers = Customers()
    products: tuple[Product, ...] = ()
    providers: tuple[Provider, ...] = Field(min_length=1)
    choice: Choice = Choice()
    satisfaction: Satisfaction = Satisfaction()
    incentives: Incentives = Incentives()
    insurance: dict[str, InsurancePolicy] = Field(default_factory=dict)
    refunds: Refunds = Refunds()
    channel: Channel = Channel()
    wireless: Wireless = Wireless()
    validation: Validation | None = None
    faults: tuple[Fault, ...] = ()
    _source: str = PrivateAttr(default="scenario")

    @property
    def source(self) -> str:
        """The file name errors are reported against."""
        return self._source

    @classmethod
    def load(cls, spec: str | Path) -> Scenario:
        """A bundled scenario by name (``small``) or a TOML file by path."""
        return load_scenario(spec)

    @classmethod
    def from_mapping(cls, raw: dict[str, Any], source: str = "scenario") -> Scenario:
        """Validate an already-parsed scenario; ``source`` names it in errors."""
        try:
            scenario = cls.model_validate(raw)
        except ValidationError as exc:
            raise ScenarioError(describe(exc, source)) from None
        found = problems(scenario)
        if found:
            raise ScenarioError("\n".join(f"{source}: {key}: {why}" for key, why in found))
        scenario._source = source
        return scenario

    def to_mapping(self) -> dict[str, Any]:
        """The scenario as plain TOML-able data (``from_mapping`` reads it back)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def profile(self, name: str) -> LinkProfile:
        """A link profile by name: the scenario's own first, then the built-ins."""
        return self.wireless.profiles.get(name) or BUILTIN_PROFILES[name]

    @property
    def horizon_hours(self) -> float:
        return self.run.horizon_days * 24

    @property
    def warmup_hours(self) -> float:
        return self.run.warmup_days * 24


def describe(exc: ValidationError, source: str) -> str:
    """One ``FILE: key.path: reason`` line per pydantic error."""
    lines = []
    for error in exc.errors():
        key = ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in error["loc"])
        key = key.replace(".[", "[") or "(top level)"
        lines.append(f"{source}: {key}: {error['msg']}")
    return "\n".join(lines)


def bundled_names() -> list[str]:
    """The scenarios shipped in ``simulator/scenarios``."""
    folder = resources.files(BUNDLED)
    return sorted(item.name[:-5] for item in folder.iterdir() if item.name.endswith(".toml"))


def load_scenario(spec: str | Path) -> Scenario:
    """Read and validate a scenario: a path to a TOML file, or a bundled name."""
    path = Path(spec)
    if path.suffix != ".toml" and not path.exists() and str(spec) in bundled_names():
        text = (resources.files(BUNDLED) / f"{spec}.toml").read_text(encoding="utf-8")
        return parse_scenario(text, f"{spec}.toml")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(bundled_names())
        raise ScenarioError(f"{spec}: no such file (bundled scenarios: {known})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{spec}: cannot be read ({exc})") from None
    return parse_scenario(text, str(spec))


def parse_scenario(text: str, source: str) -> Scenario:
    """Parse TOML text and validate it as a scenario named ``source`` in errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML ({exc})") from None
    return Scenario.from_mapping(raw, source)
