"""Rules that span several sections of a scenario, each reported as (key path, reason).

Names must resolve (insurance policies, link profiles, product types, program caps, triggers),
every program kind needs a provider that serves it, and a scenario that declares itself an
M/M/c reduction (``[validation] model = "mmc"``) must be one, with a load ρ = λ/(cμ) below 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from simulator.distributions import Constant, Exponential
from simulator.link_profiles import BUILTIN_PROFILES

if TYPE_CHECKING:
    from simulator.scenario import Scenario

Problem = tuple[str, str]


def problems(scenario: Scenario) -> list[Problem]:
    """Every cross-section problem of ``scenario`` (empty when it is consistent)."""
    checks = (_programs, _products, _providers, _profiles, _validation, _faults)
    return [problem for check in checks for problem in check(scenario)]


def _programs(scenario: Scenario) -> Iterator[Problem]:
    seen: set[str] = set()
    kinds = {program.kind for program in scenario.programs}
    served = {category for provider in scenario.providers for category in provider.categories}
    for i, program in enumerate(scenario.programs):
        if program.id in seen:
            yield f"programs[{i}].id", f"program id {program.id!r} is defined twice"
        seen.add(program.id)
        policy = program.insurance_policy
        if policy is not None and policy not in scenario.insurance:
            yield f"programs[{i}].insurance_policy", f"no [insurance.{policy}] table"
        if program.kind not in served:
            yield f"programs[{i}].kind", f"no provider serves {program.kind!r} (categories)"
    for program_id in scenario.incentives.program_caps:
        if program_id not in seen:
            yield f"incentives.program_caps.{program_id}", f"no program {program_id!r}"
    for kind in scenario.customers.triggers:
        if kind not in kinds:
            yield f"customers.triggers.{kind}", f"no program of kind {kind!r}"


def _products(scenario: Scenario) -> Iterator[Problem]:
    known: set[str] = set()
    for i, product in enumerate(scenario.products):
        if product.product_type in known:
            yield f"products[{i}].product_type", f"{product.product_type!r} is defined twice"
        known.add(product.product_type)
    for s, store in enumerate(scenario.stores):
        for c, item in enumerate(store.catalog):
            if item.product_type not in known:
                why = f"no [[products]] entry for {item.product_type!r}"
                yield f"stores[{s}].catalog[{c}].product_type", why


def _providers(scenario: Scenario) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, provider in enumerate(scenario.providers):
        if provider.name in seen:
            yield f"providers[{i}].name", f"provider class {provider.name!r} is defined twice"
        seen.add(provider.name)


def _profiles(scenario: Scenario) -> Iterator[Problem]:
    wireless = scenario.wireless
    known = set(BUILTIN_PROFILES) | set(wireless.profiles)
    for party in ("store", "customer", "provider"):
        name = getattr(wireless, party)
        if name not in known:
            yield (
                f"wireless.{party}",
                f"unknown profile {name!r} (known: {', '.join(sorted(known))})",
            )
    if wireless.backoff_cap_seconds < wireless.backoff_base_seconds:
        yield "wireless.backoff_cap_seconds", "is below backoff_base_seconds"


def _validation(scenario: Scenario) -> Iterator[Problem]:
    if scenario.validation is None:
        return
    yield from _reduces_to_mmc(scenario)
    store, provider = scenario.stores[0], scenario.providers[0]
    servers = provider.count * provider.capacity
    rho = store.orders_per_day / 24 * provider.service_hours.mean() / servers
    if scenario.customers.patience_hours is None and rho >= 1:
        why = f"ρ = λ/(cμ) = {rho:.3f} ≥ 1: an M/M/c queue without abandonment has no steady state"
        yield "providers[0].capacity", why


def _reduces_to_mmc(scenario: Scenario) -> Iterator[Problem]:
    """The conditions under which the marketplace is exactly an M/M/c queue."""
    if len(scenario.stores) != 1 or scenario.stores[0].daily_profile is not None:
        yield "stores", "an M/M/c scenario has one store and no daily_profile (Poisson arrivals)"
    if len(scenario.providers) != 1:
        yield "providers", "an M/M/c scenario has one provider class"
    elif not isinstance(scenario.providers[0].service_hours, Exponential):
        yield "providers[0].service_hours", "an M/M/c scenario has exponential service times"
    if scenario.channel.frames or scenario.customers.claim_propensity != 1:
        yield "channel.frames", "an M/M/c scenario sends no frames and every customer claims"
    patience = scenario.customers.patience_hours
    if patience is not None and not isinstance(patience, Exponential):
        yield "customers.patience_hours", "abandonment in an M/M/c+M scenario is exponential"
    if not isinstance(scenario.customers.activation_delay_hours, Constant):
        yield "customers.activation_delay_hours", "an M/M/c scenario activates at once"


def _faults(scenario: Scenario) -> Iterator[Problem]:
    known = set(BUILTIN_PROFILES) | set(scenario.wireless.profiles)
    for i, fault in enumerate(scenario.faults):
        if fault.kind == "store_restart" and fault.store >= len(scenario.stores):
            yield f"faults[{i}].store", f"no store {fault.store} (stores: {len(scenario.stores)})"
        if fault.profile is not None and fault.profile not in known:
            yield f"faults[{i}].profile", f"unknown profile {fault.profile!r}"
