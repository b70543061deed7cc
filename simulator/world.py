"""The marketplace of one replication, compiled from its scenario for the hot path.

Pydantic sections become plain objects with ``__slots__``, distributions become sampler
functions, money becomes integer cents, and providers become ``simpy.Resource`` objects, so
the engine touches no pydantic model per event — except the canonical ``Order`` it builds per
order, because issuing is :func:`ascc_plugin.issuing.entitled_vouchers` itself.
"""

from __future__ import annotations

import random
from bisect import bisect
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

import simpy

from ascc_plugin.models import GspRef, Line, Order
from ascc_plugin.programs import Program
from simulator.counters import Occupancy
from simulator.distributions import Sampler
from simulator.scenario import Scenario
from simulator.scenario_sections import CatalogItem, InsurancePolicy, Provider, Store

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
"""Simulation time 0 (order ``placed_at`` = EPOCH + now hours)."""


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


class VoucherRec:
    """What the simulation remembers of one issued voucher while it is still in play."""

    __slots__ = (
        "coverage",
        "customer",
        "delivered",
        "id",
        "line",
        "premium",
        "price_cents",
        "program",
        "region",
        "served",
        "unit",
        "valid_until",
        "voided",
    )

    def __init__(
        self,
        voucher_id: str,
        program: ProgramModel,
        customer: int,
        region: int,
        price_cents: int,
        valid_until: float,
    ) -> None:
        self.id, self.program, self.customer, self.region = voucher_id, program, customer, region
        self.price_cents, self.valid_until = price_cents, valid_until
        self.premium = self.line = self.unit = 0
        self.coverage = program.policy.limit if program.policy else 0
        self.voided = self.served = self.delivered = False


class PolicyModel:
    """An insurance policy in cents."""

    def __init__(self, policy: InsurancePolicy) -> None:
        self.fixed = cents(policy.premium) if policy.premium is not None else None
        self.rate = policy.premium_rate or 0.0
        self.deductible, self.limit = cents(policy.deductible), cents(policy.limit)
        self.claim_probability = policy.claim_probability
        self.claim_cost = policy.claim_cost.sampler()

    def premium_for(self, price_cents: int) -> int:
        return self.fixed if self.fixed is not None else round(self.rate * price_cents)


class ProgramModel:
    """A program with its reward schedule in cents and its trigger."""

    def __init__(self, index: int, program: Program, scenario: Scenario) -> None:
        self.index, self.program, self.kind = index, program, program.kind
        self.rewards = [cents(program.reward_for(score)) for score in range(6)]
        self.trigger = scenario.customers.triggers.get(program.kind, "failure")
        name = program.insurance_policy
        self.policy = PolicyModel(scenario.insurance[name]) if name else None


class CatalogModel:
    def __init__(self, item: CatalogItem, product: int) -> None:
        self.product_type, self.product = item.product_type, product
        self.price, self.units = item.price.sampler(), item.units.sampler()
        self.vendor, self.tags = item.vendor, item.tags


class StoreModel:
    """A store: its order stream (hourly rates), its catalog, and how it builds orders."""

    def __init__(
        self, index: int, store: Store, products: dict[str, int], programs: list[Program]
    ) -> None:
        self.index, self.store, self.programs = index, store, programs
        self.gsp = GspRef(platform=store.platform, shop=store.shop)
        profile = store.daily_profile or (1.0,) * 24
        scale = store.orders_per_day / sum(profile)
        self.hourly_rates = [weight * scale for weight in profile]
        self.lines: Sampler = store.lines.sampler()
        self.catalog = [CatalogModel(item, products[item.product_type]) for item in store.catalog]
        self.weights = list(accumulate(item.weight for item in store.catalog))

    def next_arrival(self, now: float, rng: random.Random) -> float:
        """The next order time of the piecewise-constant (hourly) Poisson process."""
        work = rng.expovariate(1.0)
        while True:
            hour = int(now) + 1
            rate = self.hourly_rates[int(now) % 24]
            if rate * (hour - now) >= work:
                return now + work / rate
            work -= rate * (hour - now)
            now = hour

    def make_order(
        self, number: int, now: float, customer: int, rng: random.Random
    ) -> tuple[Order, list[tuple[int, int]]]:
        """The order, and per line (product index, unit price in cents)."""
        lines, info = [], []
        catalog, weights, total_cents = self.catalog, self.weights, 0
        for i in range(max(1, int(self.lines(rng)))):
            item = catalog[bisect(weights, rng.random() * weights[-1])]
            price = max(1, round(item.price(rng) * 100))
            quantity = max(1, int(item.units(rng)))
            total_cents += price * quantity
            lines.append(
                Line(
                    id=f"{number}-{i}",
                    quantity=quantity,
                    unit_price=Decimal(price).scaleb(-2),
                    product_type=item.product_type,
                    vendor=item.vendor,
                    tags=item.tags,
                )
            )
            info.append((item.product, price))
        order = Order(
            id=str(number),
            currency=self.store.currency,
            total=Decimal(total_cents).scaleb(-2),
            placed_at=EPOCH + timedelta(hours=now),
            paid=True,
            fulfilled=True,
            lines=tuple(lines),
        )
        return order, info


class ProviderUnit:
    """One provider: ``capacity`` technicians, a running rating, a place."""

    __slots__ = (
        "cls",
        "name",
        "quality",
        "rating_n",
        "rating_sum",
        "resource",
        "service",
        "travel",
        "uid",
        "x",
        "y",
    )

    def __init__(
        self,
        env: simpy.Environment,
        uid: int,
        cls: ProviderClass,
        number: int,
        rng: random.Random,
        area_km: float,
    ) -> None:
        spec = cls.spec
        self.uid, self.cls, self.name = uid, cls, f"{spec.name}-{number}"
        self.resource = simpy.Resource(env, capacity=spec.capacity)
        self.rating_sum, self.rating_n = spec.rating * 10, 10
        self.service, self.travel = spec.service_hours.sampler(), spec.travel_hours.sampler()
        self.quality = spec.quality
        self.x, self.y = rng.uniform(0, area_km), rng.uniform(0, area_km)

    def rating(self) -> float:
        return self.rating_sum / self.rating_n


class ProviderClass:
    def __init__(self, index: int, spec: Provider) -> None:
        self.index, self.spec, self.name = index, spec, spec.name
        self.occupancy = Occupancy()
        self.servers = spec.count * spec.capacity
        self.busy_hours = 0.0
        self.units: list[ProviderUnit] = []


def build_providers(
    env: simpy.Environment, scenario: Scenario, rng: random.Random
) -> list[ProviderClass]:
    classes = [ProviderClass(i, spec) for i, spec in enumerate(scenario.providers)]
    uid = 0
    for cls in classes:
        for number in range(cls.spec.count):
            cls.units.append(ProviderUnit(env, uid, cls, number, rng, scenario.choice.area_km))
            uid += 1
    return classes


def candidates(classes: list[ProviderClass], kind: str, region: str) -> list[ProviderUnit]:
    """Providers serving ``kind`` in ``region`` (or anywhere); all serving ``kind`` if none."""
    serving = [unit for cls in classes if kind in cls.spec.categories for unit in cls.units]
    local = [unit for unit in serving if unit.cls.spec.region in (region, "any")]
    return local or serving
