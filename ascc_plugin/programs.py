"""After-sales programs: what a store offers, and which order lines each one covers."""

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


class Match(BaseModel):
    """A line matches when every given key matches; an empty rule matches every line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: Values | None = None
    product_id: Values | None = None
    product_type: Values | None = None
    vendor: Values | None = None
    tag: Values | None = None
    min_unit_price: Price | None = None

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
    term_months: StrictInt = Field(gt=0, le=600)
    match: Match = Match()
    incentive: dict[int, Price] = Field(default_factory=dict, max_length=5)
    insurance_policy: str | None = Field(default=None, max_length=MAX_SLUG)

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
