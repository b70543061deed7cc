"""``[[faults]]``: what goes wrong during an e2e run, and when (hours from the start).

The model mode ignores them (it models links, not servers); both e2e modes apply them:

=================  =================================================================
``kind``           keys
=================  =================================================================
``hub_down``       ``start_hours``, ``end_hours``: the hub answers nothing
``store_restart``  ``start_hours``, ``end_hours``, ``store`` (index): the store service is
                   killed at the start (its outbox stays on disk) and started again at the end;
                   the storefront retries the webhooks it could not deliver meanwhile
``redis_down``     ``start_hours``, ``end_hours``: the hub's Redis is unreachable (refused
                   by name when the hub runs without Redis)
``link_profile``   ``start_hours``, ``party`` (store, customer, provider), ``profile``: that
                   party class's links switch profile (e.g. ``rural_edge``) from then on
=================  =================================================================
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from simulator.scenario_sections import Section

FaultKind = Literal["hub_down", "store_restart", "redis_down", "link_profile"]


class Fault(Section):
    kind: FaultKind
    start_hours: float = Field(ge=0)
    end_hours: float | None = Field(default=None, gt=0)
    store: int = Field(default=0, ge=0)
    party: Literal["store", "customer", "provider"] = "store"
    profile: str | None = None

    @model_validator(mode="after")
    def _keys(self) -> Fault:
        windowed = self.kind != "link_profile"
        if windowed and self.end_hours is None:
            raise ValueError(f"{self.kind} needs end_hours")
        if windowed and self.end_hours is not None and self.end_hours <= self.start_hours:
            raise ValueError("end_hours must be after start_hours")
        if self.kind == "link_profile" and not self.profile:
            raise ValueError("link_profile needs profile (a link profile name)")
        return self

    def active(self, hours: float) -> bool:
        """Whether a windowed fault is in force at ``hours``."""
        end = self.end_hours if self.end_hours is not None else float("inf")
        return self.start_hours <= hours < end
