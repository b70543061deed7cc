"""Form fields checked by the API's own body models: the same rules and the same 422 reasons."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel

from center.infra.web import parse_body

M = TypeVar("M", bound=BaseModel)


def form_as(model: type[M], fields: dict[str, Any], what: str) -> M:
    """``fields`` (taken from a form) as ``model``; :class:`~center.infra.problems.InvalidInput`
    naming each bad field otherwise."""
    return parse_body(model, json.dumps(fields).encode(), what)
