"""The simulated marketplace as a pytest fixture, for any project's test suite.

Installed with ``ascc`` (entry point ``pytest11``: ``ascc = simulator.pytest_plugin``), so a
store owner or a plugin author only writes tests::

    @pytest.mark.ascc_scenario("small", seed=7, hours=12)
    def test_my_channel_gets_every_voucher(ascc_marketplace):
        ascc_marketplace.advance(12)
        summary = ascc_marketplace.finish()
        assert summary["lost"] == 0

The marker ``ascc_scenario(scenario="small", *, seed=1, mode="e2e", hours=None,
channels=(), database_url=None)`` chooses the marketplace: a bundled scenario name or a TOML
path; ``hours`` shortens the scenario (no warm-up, that many hours); ``channels`` adds delivery
channels (a plugin's, by name) to every simulated store. Third-party ``ascc`` plugins installed in
the environment (entry points) are loaded into the simulated stores as in production; one that
fails to load fails the test with the plugin's name and the reason. Only ``mode="e2e"`` (in
process, virtual time) is offered by the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

MARKER = "ascc_scenario"
DEFAULTS: dict[str, Any] = {
    "seed": 1,
    "mode": "e2e",
    "hours": None,
    "channels": (),
    "database_url": None,
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario='small', *, seed=1, mode='e2e', hours=None, channels=(), "
        "database_url=None): the simulated marketplace the ascc_marketplace fixture starts",
    )


class Marketplace:
    """A running simulated marketplace: handles to its parts and helpers to drive it.

    ``hub`` (:class:`simulator.e2e.hub.SimHub`: ``records()``, ``call()``), ``stores`` (the
    store services: ``client``, ``center.outbox``), ``providers`` (model unit → hub party),
    ``customers`` (the vouchers delivered to customers, by what they cover).
    """

    def __init__(self, simulation: Any) -> None:
        self.simulation = simulation
        market = simulation.market
        self.hub, self.stores, self.providers = market.hub, market.stores, market.providers

    @property
    def customers(self) -> dict[Any, Any]:
        return {
            k: v for wallet in self.simulation.market.wallets for k, v in wallet.vouchers.items()
        }

    @property
    def now(self) -> float:
        """Virtual time in hours."""
        return float(self.simulation.now)

    def advance(self, hours: float) -> float:
        """Run ``hours`` of virtual time on (up to the scenario's end); the new time."""
        return float(self.simulation.advance(hours))

    def place_order(self, store: int = 0) -> str:
        """Place an order now at store ``store``; its id (the webhook leaves on ``advance``)."""
        return str(self.simulation.place_order(store))

    def finish(self) -> dict[str, Any]:
        """Settle, cross-check and return the run's summary (``summary["cross_check"]``)."""
        result = self.simulation.finish()
        summary: dict[str, Any] = result.summary
        return summary

    def diff(self) -> str:
        """The cross-check's readable difference (after :meth:`finish`)."""
        return str(self.simulation.finish().check.diff())


def marketplace_options(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    marker = request.node.get_closest_marker(MARKER)
    args = marker.args if marker else ()
    kwargs = dict(marker.kwargs) if marker else {}
    unknown = sorted(set(kwargs) - set(DEFAULTS))
    if unknown:
        pytest.fail(f"{MARKER}: unknown option(s) {', '.join(unknown)}", pytrace=False)
    scenario = str(args[0]) if args else str(kwargs.pop("scenario", "small"))
    return scenario, DEFAULTS | kwargs


def load_scenario(spec: str, hours: float | None) -> Any:
    from simulator.scenario import Scenario

    scenario = Scenario.load(spec)
    if hours is None:
        return scenario
    raw = scenario.to_mapping()
    raw["run"] = raw.get("run", {}) | {"warmup_days": 0, "horizon_days": hours / 24}
    return Scenario.from_mapping(raw, scenario.source)


@pytest.fixture
def ascc_marketplace(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Marketplace]:
    """A running simulated marketplace (see :class:`Marketplace` and the ``ascc_scenario``
    marker); closed at the end of the test."""
    from ascc_plugin.registry import PluginError
    from ascc_plugin.settings import SettingsError
    from simulator.e2e.simulation import Simulation
    from simulator.scenario import ScenarioError

    spec, options = marketplace_options(request)
    if options["mode"] != "e2e":
        pytest.fail(f"{MARKER}: mode {options['mode']!r}: the fixture offers 'e2e'", pytrace=False)
    try:
        scenario = load_scenario(spec, options["hours"])
        simulation = Simulation(
            scenario,
            seed=int(options["seed"]),
            folder=tmp_path / "ascc-marketplace",
            database_url=options["database_url"],
            channels=tuple(options["channels"]),
        )
    except (ScenarioError, PluginError, SettingsError) as exc:
        pytest.fail(f"ascc_marketplace: {exc}", pytrace=False)
    try:
        yield Marketplace(simulation)
    finally:
        simulation.close()
