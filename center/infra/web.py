"""Request parsing shared by the blueprints: JSON bodies and query parameters, checked."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar

from flask import request
from pydantic import BaseModel, StringConstraints, ValidationError

from center.infra.problems import InvalidInput, Problem


class MalformedJson(Problem):
    status, slug, title = 400, "malformed-json", "Malformed JSON"


NUL_ESCAPE = b"\\u0000"
NO_NUL = r"^[^\x00]*$"  # also in the API document (center.api.spec)
NulFree = Annotated[str, StringConstraints(pattern=NO_NUL)]
"""A string PostgreSQL can store (no NUL character), as a body model field."""
M = TypeVar("M", bound=BaseModel)


def refuse_nul(raw: bytes) -> None:
    """NUL characters cannot be stored in PostgreSQL text: refuse them up front (422)."""
    if NUL_ESCAPE in raw.lower() or b"\x00" in raw:
        raise InvalidInput("NUL characters (\\u0000) are not accepted")


def text_arg(name: str, max_length: int = 320, empty_ok: bool = True) -> str | None:
    """A query parameter; an empty value means "not given" unless ``empty_ok`` is false."""
    value = request.args.get(name)
    if value == "" and not empty_ok:
        raise InvalidInput(f"{name}: give a value or leave the parameter out", field=name)
    if value is None or value == "":
        return None
    if len(value) > max_length:
        raise InvalidInput(f"{name}: at most {max_length} characters", field=name)
    if "\x00" in value:
        raise InvalidInput(f"{name}: NUL characters are not accepted", field=name)
    return value


def limit_arg(default: int, most: int) -> int:
    """``limit``: a whole number, 1 to ``most``; absent → ``default``; empty → 422."""
    value = request.args.get("limit")
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= most:
        raise InvalidInput(f"limit: a whole number from 1 to {most}", field="limit")
    return int(value)


def since_arg() -> datetime | None:
    value = text_arg("since", 64, empty_ok=False)
    if value is None:
        return None
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("since: an ISO 8601 date-time with offset", field="since") from None
    if since.tzinfo is None:
        raise InvalidInput("since: give a UTC offset (e.g. 2026-01-01T00:00:00Z)", field="since")
    return since


def body_as(model: type[M], what: str, allow_empty: bool = False) -> M:
    """The request body as ``model`` (NUL refused anywhere); an empty body is ``model()``
    when ``allow_empty``."""
    raw = request.get_data(cache=True)
    refuse_nul(raw)
    if allow_empty and not raw.strip():
        raw = b"{}"
    return parse_body(model, raw, what)


def parse_body(model: type[M], body: bytes, what: str) -> M:
    """``body`` as ``model``: 400 for bad JSON, 422 listing each invalid field."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if any(error["type"] == "json_invalid" for error in errors):
            raise MalformedJson("the body is not valid JSON") from None
        problems = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in errors]
        first = f"{problems[0]['field']}: {problems[0]['message']}"[:200] if problems else ""
        detail = f"the body is not a valid {what} ({first})" if first else f"not a valid {what}"
        raise InvalidInput(detail, errors=problems[:50]) from None


def encode_cursor(position: int) -> str:
    """A page cursor: the position (row sequence or offset) the next page starts after."""
    return str(position)


def decode_cursor(cursor: str) -> int:
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 9:
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor")
    return int(cursor)
