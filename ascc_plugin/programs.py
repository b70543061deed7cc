"""After-sales programs: what a store offers, and which order lines each one covers."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ascc_plugin.models import Line
from ascc_plugin.money import Amount

Slug = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class Match(BaseModel):
    """A line matches when every given key matches; an empty rule matches every line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: tuple[str, ...] | None = None
    product_id: tuple[str, ...] | None = None
    product_type: tuple[str, ...] | None = None
    vendor: tuple[str, ...] | None = None
    tag: tuple[str, ...] | None = None
    min_unit_price: Amount | None = None

    def matches(self, line: Line) -> bool:
        fields = (
            (self.sku, line.sku),
            (self.product_id, line.product_id),
            (self.product_type, line.product_type),
            (self.vendor, line.vendor),
        )
        if any(accepted is not None and value not in accepted for accepted, value in fields):
            return False
        if self.tag is not None and not set(self.tag) & set(line.tags):
            return False
        return self.min_unit_price is None or line.unit_price >= self.min_unit_price


class Program(BaseModel):
    """One ``[[programs]]`` entry of ``ascc.toml`` (DESIGN §7)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Slug
    kind: str = Slug
    term_months: int = Field(gt=0, le=600)
    match: Match = Match()
    incentive: dict[int, Amount] = Field(default_factory=dict)
    insurance_policy: str | None = None
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
