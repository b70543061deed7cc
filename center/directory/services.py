"""The public provider directory: search and sort registered providers (claim 22).

A customer reviews and chooses among providers by the kind of service (``category``, or the
``program`` of their voucher, which names a kind), the region, and each provider's record:
rating, number of reviews, completed services.

The rating is earned (assessments) and Bayesian: ``(C·m + Σscores) / (C + n)``, with ``m`` the
marketplace's mean score and ``C`` the prior weight (``rating_prior_weight``, default 5), so a
provider with two fives does not outrank one with two hundred scores averaging 4.8. It is
computed when read from the totals each assessment keeps up to date; ``mean_score`` is the
plain mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from center.infra.problems import InvalidInput
from center.infra.web import decode_cursor, encode_cursor
from center.parties.models import Provider, ProviderCategory
from center.parties.services import provider_json
from center.vouchers.models import GspProgram

SORTS = ("rating", "completed", "reviews", "name")


@dataclass(frozen=True)
class Prior:
    """The Bayesian prior: the marketplace's mean score ``mean`` (``None``: nobody rated yet)
    weighted as ``weight`` scores."""

    mean: float | None
    weight: int

    @classmethod
    def of(cls, session: Session, weight: int) -> Prior:
        total, count = session.execute(
            select(func.sum(Provider.rating_total), func.sum(Provider.reviews_count))
        ).one()
        return cls(int(total) / int(count) if count else None, weight)

    def rating(self, total: int, count: int) -> float | None:
        if self.mean is None or self.weight + count == 0:
            return None
        return round((self.weight * self.mean + total) / (self.weight + count), 3)

    def expression(self) -> Any:
        if self.mean is None:
            return literal(-1.0)
        smoothed = (self.weight * self.mean + Provider.rating_total * 1.0) / func.nullif(
            self.weight + Provider.reviews_count, 0
        )
        return func.coalesce(smoothed, -1.0)


def order_by(sort: str, rating: Any) -> tuple[Any, ...]:
    return {
        "rating": (rating.desc(), Provider.completed_services.desc(), Provider.id),
        "completed": (Provider.completed_services.desc(), rating.desc(), Provider.id),
        "reviews": (Provider.reviews_count.desc(), rating.desc(), Provider.id),
        "name": (Provider.name, Provider.id),
    }[sort]


def program_kinds(session: Session, program: str) -> set[str]:
    """The kinds stores give a program id (usually one)."""
    query = select(GspProgram.kind).where(GspProgram.program_id == program).distinct()
    return set(session.scalars(query))


def search(
    session: Session,
    *,
    program: str | None = None,
    category: str | None = None,
    region: str | None = None,
    sort: str = "rating",
    cursor: str | None = None,
    limit: int = 50,
    prior_weight: int = 5,
) -> dict[str, Any]:
    """One page ``{"items", "next_cursor"}`` of matching providers, best first."""
    if sort not in SORTS:
        raise InvalidInput(f"sort: one of {', '.join(SORTS)}", field="sort")
    kinds = None if category is None else {category.strip().lower()}
    if program is not None:
        offered = program_kinds(session, program)
        kinds = offered if kinds is None else kinds & offered
    prior = Prior.of(session, prior_weight)
    query = select(Provider).order_by(*order_by(sort, prior.expression()))
    if kinds is not None:
        serving = select(ProviderCategory.provider_id).where(ProviderCategory.category.in_(kinds))
        query = query.where(Provider.id.in_(serving))
    if region is not None:
        query = query.where(func.lower(Provider.region) == region.strip().lower())
    offset = decode_cursor(cursor) if cursor else 0
    rows = list(session.scalars(query.offset(offset).limit(limit + 1)))
    items = [rated(provider_json(p), p, prior) for p in rows[:limit]]
    next_cursor = encode_cursor(offset + limit) if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor}


def rated(item: dict[str, Any], provider: Provider, prior: Prior) -> dict[str, Any]:
    """The directory entry with its Bayesian ``rating`` and plain ``mean_score``."""
    record = dict(item["record"])
    record["mean_score"] = record["rating"]
    record["rating"] = prior.rating(provider.rating_total, provider.reviews_count)
    return {**item, "record": record}
