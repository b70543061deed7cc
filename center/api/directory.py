"""``GET /api/v1/providers``: the public provider directory (no key needed)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from center.api.hub import current_hub
from center.directory.services import search
from center.infra.web import limit_arg, text_arg

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
            limit=limit_arg(),
        )
