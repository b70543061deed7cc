"""``GET /api/v1/providers``: the public provider directory (no key needed)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from center.api.hub import current_hub
from center.api.schemas import ProviderPage
from center.api.spec import CURSOR, LIMIT, Operation, query
from center.directory.services import SORTS, search
from center.infra.web import text_arg

bp = Blueprint("directory", __name__)


@bp.get("/api/v1/providers")
def list_providers() -> dict[str, Any]:
    hub = current_hub()
    with hub.database.transaction(write=False) as session:
        return search(
            session,
            program=text_arg("program", 64),
            category=text_arg("category", 64),
            region=text_arg("region", 100),
            sort=text_arg("sort", 20, empty_ok=False) or "rating",
            cursor=text_arg("cursor", 100, empty_ok=False),
            limit=hub.page_size(),
            prior_weight=hub.settings.rating_prior_weight,
        )


OPERATIONS = (
    Operation(
        "get",
        "/api/v1/providers",
        "Public provider directory with each provider's record",
        answer=ProviderPage,
        errors=(422,),
        params=(
            query("program", "a program id: providers serving its kind", 64),
            query("category", "a program kind, e.g. repair", 64),
            query("region", "the provider's region", 100),
            query("sort", "order (empty: 422)", 20, enum=list(SORTS)),
            CURSOR,
            LIMIT,
        ),
    ),
)
