"""The public provider directory: search and sort registered providers (claim 22).

A customer reviews and chooses among providers by the kind of service (``category``, or the
``program`` of their voucher, which names a kind), the region, and each provider's record:
rating, number of reviews, completed services.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from center.infra.problems import InvalidInput
from center.infra.web import decode_cursor, encode_cursor
from center.parties.models import Provider, ProviderCategory
from center.parties.services import provider_json
from center.vouchers.models import GspProgram

RATING = case(
    (
        Provider.reviews_count > 0,
        Provider.rating_total * 1.0 / func.nullif(Provider.reviews_count, 0),
    ),
    else_=-1.0,
)
SORTS = {
    "rating": (RATING.desc(), Provider.completed_services.desc(), Provider.id),
    "completed": (Provider.completed_services.desc(), RATING.desc(), Provider.id),
    "reviews": (Provider.reviews_count.desc(), RATING.desc(), Provider.id),
    "name": (Provider.name, Provider.id),
}


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
) -> dict[str, Any]:
    """One page ``{"items", "next_cursor"}`` of matching providers, best first."""
    if sort not in SORTS:
        raise InvalidInput(f"sort: one of {', '.join(SORTS)}", field="sort")
    kinds = None if category is None else {category.strip().lower()}
    if program is not None:
        offered = program_kinds(session, program)
        kinds = offered if kinds is None else kinds & offered
    query = select(Provider).order_by(*SORTS[sort])
    if kinds is not None:
        serving = select(ProviderCategory.provider_id).where(ProviderCategory.category.in_(kinds))
        query = query.where(Provider.id.in_(serving))
    if region is not None:
        query = query.where(func.lower(Provider.region) == region.strip().lower())
    offset = decode_cursor(cursor) if cursor else 0
    rows = list(session.scalars(query.offset(offset).limit(limit + 1)))
    items = [provider_json(p) for p in rows[:limit]]
    next_cursor = encode_cursor(offset + limit) if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor}
