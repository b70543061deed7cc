"""simulator: ``ascc demo`` and the marketplace simulator.

For notebooks: ``from simulator import Scenario, run``. Both are imported on first use, so
importing this package (as ``ascc`` does for its plugins) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.runner import run
    from simulator.scenario import Scenario

__all__ = ["Scenario", "run"]


def __getattr__(name: str) -> Any:
    if name == "Scenario":
        from simulator.scenario import Scenario

        return Scenario
    if name == "run":
        from simulator.runner import run

        return run
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
