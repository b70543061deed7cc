"""Registering parties: each call returns the new id and the secrets, shown once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ascc_plugin.signatures import new_secret
from center.infra.problems import Conflict, InvalidInput, NotFound
from center.parties import keys
from center.parties.models import Gsp, Provider, ProviderCategory

MAX_CATEGORY = 64  # the column's width
MAX_REGION = 100
MAX_CAPACITY = 10_000


def add_gsp(
    session: Session,
    *,
    name: str,
    platform: str,
    shop: str,
    now: datetime,
    webhook_url: str | None = None,
) -> dict[str, str]:
    """Register a store; returns ``{"gsp_id", "api_key", "signing_secret"}``."""
    if session.scalar(select(Gsp.id).where(Gsp.shop == shop)) is not None:
        raise Conflict(f"a store with shop {shop!r} is already registered")
    api_key, secret = keys.new_key(keys.GSP_PREFIX), new_secret()
    gsp = Gsp(
        id=keys.new_party_id("gsp"),
        name=name,
        platform=platform,
        shop=shop,
        key_digest=keys.digest(api_key),
        signing_secret=secret,
        webhook_url=webhook_url,
        created_at=now,
    )
    session.add(gsp)
    session.flush()
    return {"gsp_id": gsp.id, "api_key": api_key, "signing_secret": secret}


def add_provider(
    session: Session,
    *,
    name: str,
    categories: Sequence[str],
    now: datetime,
    region: str | None = None,
    capacity: int = 10,
    description: str = "",
    email: str | None = None,
) -> dict[str, str]:
    """Register a provider; returns ``{"provider_id", "api_key"}``. ``email`` is its contact
    address (kept lower-cased; the anti-collusion rule compares it with customers')."""
    clean = clean_categories(categories)
    if capacity < 1:
        raise InvalidInput("capacity is at least 1")
    api_key = keys.new_key(keys.PROVIDER_PREFIX)
    provider = Provider(
        id=keys.new_party_id("prv"),
        name=name,
        region=region or None,
        capacity=capacity,
        description=description,
        email=email.strip().lower() if email and email.strip() else None,
        key_digest=keys.digest(api_key),
        created_at=now,
        rating_total=0,
        reviews_count=0,
        completed_services=0,
        categories=[ProviderCategory(category=c) for c in clean],
    )
    session.add(provider)
    session.flush()
    return {"provider_id": provider.id, "api_key": api_key}


def clean_categories(categories: Sequence[str]) -> list[str]:
    """Categories lower-cased, stripped, unique, sorted; at least one (else 422)."""
    clean = sorted({c.strip().lower() for c in categories if c.strip()})
    if not clean:
        raise InvalidInput("a provider serves at least one category (program kind)")
    if any(len(c) > MAX_CATEGORY for c in clean):
        raise InvalidInput(f"a category has at most {MAX_CATEGORY} characters")
    if any("\x00" in c for c in clean):
        raise InvalidInput("a category holds no NUL character")
    return clean


def update_profile(
    session: Session,
    provider_id: str,
    *,
    categories: Sequence[str],
    region: str | None,
    capacity: int,
) -> Provider:
    """The provider changes its own profile: categories, region and capacity (open cases)."""
    clean = clean_categories(categories)
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(f"capacity is a whole number from 1 to {MAX_CAPACITY}")
    if region is not None and len(region) > MAX_REGION:
        raise InvalidInput(f"region has at most {MAX_REGION} characters")
    if region is not None and "\x00" in region:
        raise InvalidInput("region holds no NUL character")
    provider = get_provider(session, provider_id)
    provider.region = region or None
    provider.capacity = capacity
    kept = {item.category: item for item in provider.categories}
    provider.categories = [kept.get(c) or ProviderCategory(category=c) for c in clean]
    session.flush()
    return provider


def gsp_by_shop(session: Session, shop: str) -> Gsp | None:
    return session.scalar(select(Gsp).where(Gsp.shop == shop))


def get_gsp(session: Session, gsp_id: str) -> Gsp:
    gsp = session.get(Gsp, gsp_id)
    if gsp is None:
        raise NotFound(f"no store {gsp_id!r}")
    return gsp


def get_provider(session: Session, provider_id: str) -> Provider:
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(f"no provider {provider_id!r}")
    return provider


def mean_rating(total: int, reviews: int) -> float | None:
    """A provider's earned rating: the mean of its reviews' scores (none without reviews)."""
    return round(total / reviews, 2) if reviews else None


def provider_json(provider: Provider) -> dict[str, Any]:
    """The public profile and service record shown in the directory."""
    reviews = provider.reviews_count
    rating = mean_rating(provider.rating_total, reviews)
    return {
        "id": provider.id,
        "name": provider.name,
        "categories": provider.category_names,
        "region": provider.region,
        "capacity": provider.capacity,
        "description": provider.description,
        "record": {
            "rating": rating,
            "reviews": reviews,
            "completed_services": provider.completed_services,
        },
    }
