"""After-sales programs: what a store offers, and which order lines each one covers.

A program's ``match`` rule decides line by line; :meth:`Match.explain` says why a line is not
covered (``ascc vouchers preview`` prints it), and a line matches exactly when it has no reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from ascc_plugin.models import MAX_ID, MAX_TEXT, Line
from ascc_plugin.money import Price

MAX_SLUG = 64  # program ids and kinds (the hub's program columns are this wide)
MAX_VALUES = 1000  # accepted values per match key
Slug = Field(pattern=rf"^[a-z0-9][a-z0-9_.-]{{0,{MAX_SLUG - 1}}}$")
Values = Annotated[
    tuple[Annotated[str, Field(max_length=max(MAX_ID, MAX_TEXT))], ...],
    Field(max_length=MAX_VALUES),
]
SYNC_HINT = "run `ascc store sync-products`"
CATALOG_KEYS = ("product_type", "tag", "collection", "category")
"""Match keys no storefront order line carries: only the store's product catalog fills them."""


class Match(BaseModel):
    """A line matches when every given key matches; an empty rule matches every line.

    ``sku``, ``product_id``, ``product_type`` and ``vendor`` accept a line whose value is one of
    the listed ones; ``tag``, ``collection`` and ``category`` a line with any listed value among
    its tags, collections or categories; ``min_unit_price`` a line whose unit price is at least it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: Values | None = None
    product_id: Values | None = None
    product_type: Values | None = None
    vendor: Values | None = None
    tag: Values | None = None
    collection: Values | None = None
    category: Values | None = None
    min_unit_price: Price | None = None

    def matches(self, line: Line) -> bool:
        """Whether ``line`` is covered: ``not explain(line)``, without writing the reasons
        (this runs for every line and program of every order)."""
        return (
            (self.sku is None or line.sku in self.sku)
            and (self.product_id is None or line.product_id in self.product_id)
            and (self.product_type is None or line.product_type in self.product_type)
            and (self.vendor is None or line.vendor in self.vendor)
            and (self.tag is None or not self._none_of(self.tag, line.tags))
            and (self.collection is None or not self._none_of(self.collection, line.collections))
            and (self.category is None or not self._none_of(self.category, line.categories))
            and (self.min_unit_price is None or line.unit_price >= self.min_unit_price)
        )

    @staticmethod
    def _none_of(accepted: tuple[str, ...], values: tuple[str, ...]) -> bool:
        return not any(value in accepted for value in values)

    def explain(self, line: Line) -> list[str]:
        """Why ``line`` is not covered, one reason per failing key (empty: it matches)."""
        single = (
            ("sku", self.sku, line.sku),
            ("product_id", self.product_id, line.product_id),
            ("product_type", self.product_type, line.product_type),
            ("vendor", self.vendor, line.vendor),
        )
        several = (
            ("tag", self.tag, line.tags),
            ("collection", self.collection, line.collections),
            ("category", self.category, line.categories),
        )
        reasons = [_one(key, accepted, value, line) for key, accepted, value in single]
        reasons += [_any(key, accepted, values, line) for key, accepted, values in several]
        if self.min_unit_price is not None and line.unit_price < self.min_unit_price:
            reasons.append(f"min_unit_price: {line.unit_price} is below {self.min_unit_price}")
        return [reason for reason in reasons if reason]

    def catalog_keys(self) -> list[str]:
        """The keys of this rule that only a product catalog can satisfy."""
        return [key for key in CATALOG_KEYS if getattr(self, key) is not None]


def _one(key: str, accepted: tuple[str, ...] | None, value: str | None, line: Line) -> str:
    if accepted is None or value in accepted:
        return ""
    if value is None:
        return f"{key} unknown: {_missing(key, line)}"
    return f"{key}: {value!r} is not one of {_listed(accepted)}"


def _any(key: str, accepted: tuple[str, ...] | None, values: tuple[str, ...], line: Line) -> str:
    if accepted is None or set(accepted) & set(values):
        return ""
    if not values:
        return f"{key} unknown: {_missing(key, line)}"
    return f"{key}: none of {_listed(values)} is one of {_listed(accepted)}"


def _missing(key: str, line: Line) -> str:
    """Why a line has no value for ``key``: what the store owner can do about it."""
    if key in ("sku", "product_id"):
        return f"the order line has no {key}"
    if line.product_id is None:
        return "the order line names no product"
    if line.catalog:
        return f"product {line.product_id} has none in the catalog"
    return f"product {line.product_id} is not in the catalog; {SYNC_HINT}"


def _listed(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(repr(value) for value in values) + "]"


class Program(BaseModel):
    """One ``[[programs]]`` entry of ``ascc.toml`` (DESIGN §7)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Slug
    kind: str = Slug
    term_months: StrictInt = Field(gt=0, le=600)
    match: Match = Match()
    incentive: dict[int, Price] = Field(default_factory=dict, max_length=5)
    insurance_policy: str | None = Field(default=None, max_length=MAX_SLUG)
    incentive_cap: int | None = Field(default=None, ge=0, le=10_000_000)
    """At most this many incentives per 30 days under this program (``None``: no cap)."""

    @field_validator("incentive")
    @classmethod
    def _scores_and_amounts(cls, value: dict[int, Decimal]) -> dict[int, Decimal]:
        for score, amount in value.items():
            if not 1 <= score <= 5:
                raise ValueError(f"satisfaction score {score} is outside 1–5")
            if amount < 0:
                raise ValueError(f"the reward for score {score} is negative ({amount})")
        return value

    def matches(self, line: Line) -> bool:
        return self.match.matches(line)

    def reward_for(self, score: int) -> Decimal:
        """The incentive for a satisfaction ``score``: the schedule's value, else zero."""
        return self.incentive.get(score, Decimal("0"))
