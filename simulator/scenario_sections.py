"""The sections of a scenario file, one pydantic model each (units are in the key names).

Every section refuses unknown keys; every rate, count and duration has its bound, so a negative
rate, ``capacity = 0`` or a probability above 1 is refused with the key's path. Cross-section
rules (a program's insurance policy exists, a profile name is known …) live in
:mod:`simulator.scenario`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ascc_plugin.money import Amount
from simulator.distributions import Distribution, constant
from simulator.link_profiles import LinkProfile

Probability = Field(ge=0, le=1)
Name = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunSection(Section):
    """``[run]``: how long, what is discarded, how often the time series is sampled."""

    horizon_days: float = Field(default=30.0, gt=0)
    warmup_days: float = Field(default=0.0, ge=0)
    sample_hours: float = Field(default=24.0, gt=0)
    id_key: str = Field(default="ascc-simulation", min_length=1)


class CatalogItem(Section):
    """One product family a store sells."""

    product_type: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    price: Distribution
    units: Distribution = constant(1)
    vendor: str | None = None
    tags: tuple[str, ...] = ()


class Store(Section):
    """``[[stores]]``: one storefront emitting orders (a Poisson stream with a daily profile)."""

    platform: Literal["shopify", "woocommerce"] = "shopify"
    shop: str = Field(default="sim.myshopify.com", min_length=1)
    issue_on: Literal["paid", "fulfilled"] = "paid"
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    orders_per_day: float = Field(gt=0)
    daily_profile: tuple[float, ...] | None = Field(default=None, min_length=24, max_length=24)
    lines: Distribution = constant(1)
    catalog: tuple[CatalogItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _profile(self) -> Store:
        if self.daily_profile is not None and (
            min(self.daily_profile) < 0 or sum(self.daily_profile) <= 0
        ):
            raise ValueError("daily_profile needs 24 non-negative weights, not all zero")
        return self


class Customers(Section):
    """``[customers]``: who buys, when they activate, how long they wait, what they release."""

    population: int = Field(default=100_000, gt=0)
    regions: dict[str, float] = Field(default_factory=lambda: {"any": 1.0})
    activation_delay_hours: Distribution = constant(0)
    claim_propensity: float = Field(default=1.0, ge=0, le=1)
    patience_hours: Distribution | None = None
    release_propensity: float = Field(default=0.9, ge=0, le=1)
    release_delay_hours: Distribution = constant(24)
    triggers: dict[str, Literal["failure", "purchase"]] = Field(default_factory=dict)
    identity_pool: int = Field(default=500, gt=0)

    @model_validator(mode="after")
    def _regions(self) -> Customers:
        if not self.regions or min(self.regions.values()) < 0 or sum(self.regions.values()) <= 0:
            raise ValueError("regions needs non-negative weights, not all zero")
        return self


class Product(Section):
    """``[[products]]``: when a product type fails (malfunction) or is damaged (accident)."""

    product_type: str = Field(min_length=1)
    time_to_failure_days: Distribution
    accident_rate_per_year: float = Field(default=0.0, ge=0)


class Provider(Section):
    """``[[providers]]``: a class of ``count`` providers of ``capacity`` technicians each."""

    name: str = Name
    count: int = Field(default=1, gt=0)
    categories: tuple[str, ...] = Field(min_length=1)
    region: str = "any"
    capacity: int = Field(default=1, gt=0)
    rating: float = Field(default=4.0, ge=1, le=5)
    service_hours: Distribution
    travel_hours: Distribution = constant(0)
    quality: float = 0.0


class Choice(Section):
    """``[choice]``: how a customer picks among the providers that serve the voucher.

    With ``area_km`` > 0, providers and customers get places in a square of that side, and the
    provider's travel takes the distance / ``speed_kmh`` on top of ``travel_hours``.
    """

    policy: Literal["rating_weighted", "shortest_queue", "nearest", "random"] = "rating_weighted"
    area_km: float = Field(default=0.0, ge=0)
    speed_kmh: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _places(self) -> Choice:
        if self.policy == "nearest" and self.area_km == 0:
            raise ValueError("policy 'nearest' needs area_km > 0 (providers need places)")
        return self


class Satisfaction(Section):
    """``[satisfaction]``: the score model (see :mod:`simulator.satisfaction`)."""

    expected_wait_hours: float = Field(default=24.0, gt=0)
    steepness: float = Field(default=3.0, gt=0)
    expected_service_hours: float = Field(default=2.0, gt=0)
    service_weight: float = Field(default=0.5, ge=0)
    noise_sd: float = Field(default=0.5, ge=0)
    inflation: float = 0.3


class Incentives(Section):
    """``[incentives]``: the hub's reward rules (hold, lapse, per-pair and per-program caps)."""

    hold_hours: float = Field(default=72.0, ge=0)
    lapse_days: float = Field(default=30.0, gt=0)
    pair_limit: int = Field(default=3, gt=0)
    pair_window_days: float = Field(default=30.0, gt=0)
    redeem_delay_hours: Distribution = constant(24)
    program_caps: dict[str, Amount] = Field(default_factory=dict)


class InsurancePolicy(Section):
    """``[insurance.NAME]``: premium per issued voucher, deductible and limit per voucher."""

    premium: Amount | None = None
    premium_rate: float | None = Field(default=None, ge=0, le=1)
    deductible: Amount = Decimal("0")
    limit: Amount
    claim_probability: float = Field(default=0.5, ge=0, le=1)
    claim_cost: Distribution

    @model_validator(mode="after")
    def _one_premium(self) -> InsurancePolicy:
        if (self.premium is None) == (self.premium_rate is None):
            raise ValueError("give exactly one of premium (an amount) or premium_rate")
        if self.premium is not None and self.premium < 0:
            raise ValueError("premium must not be negative")
        if self.deductible < 0 or self.limit <= 0:
            raise ValueError("deductible must be ≥ 0 and limit > 0")
        return self


class Refunds(Section):
    """``[refunds]``: orders cancelled or partly refunded after they were placed."""

    cancel_probability: float = Field(default=0.0, ge=0, le=1)
    refund_probability: float = Field(default=0.0, ge=0, le=1)
    delay_days: Distribution = constant(3)


class Channel(Section):
    """``[channel]``: frames exchanged between customer and provider before the service."""

    frames: int = Field(default=4, ge=0)


class MessageBytes(Section):
    event: int = Field(default=3000, gt=0)
    voucher: int = Field(default=1500, gt=0)
    frame: int = Field(default=400, gt=0)
    redeem: int = Field(default=600, gt=0)
    ack: int = Field(default=200, gt=0)


class Wireless(Section):
    """``[wireless]``: the profile of each party class's link, and how senders retry."""

    store: str = "wifi_good"
    customer: str = "lte_urban"
    provider: str = "lte_urban"
    cells: int = Field(default=8, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0)
    backoff_base_seconds: float = Field(default=1.0, gt=0)
    backoff_cap_seconds: float = Field(default=600.0, gt=0)
    retention_hours: float = Field(default=48.0, gt=0)
    message_bytes: MessageBytes = MessageBytes()
    profiles: dict[str, LinkProfile] = Field(default_factory=dict)


class Validation(Section):
    """``[validation]``: declares the scenario a reduction to a queueing model (checked)."""

    model: Literal["mmc"]
