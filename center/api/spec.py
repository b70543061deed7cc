"""The API's description, built from what the views use: pydantic models and a route table.

Each module of :mod:`center.api` declares its routes as :class:`Operation` values beside its
views: the request body is the very model the view validates with, the answer a model (or a
type of models) whose JSON Schema describes what the view returns, and the table adds what a
model cannot say — who may call, which problems it answers. :func:`build` turns operations into
an OpenAPI 3.1 document, hoisting every model's schema into ``components``, so the document and
the code cannot drift apart (``tests/center/test_openapi.py`` runs schemathesis against it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter

from ascc_plugin.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE

REF = "#/components/schemas/{model}"
SCHEMES = ("holder", "gspKey", "providerKey", "adminKey", "standardWebhooks")
PROBLEMS = {
    400: "Malformed request",
    401: "Not authenticated (missing or unknown key)",
    403: "Forbidden (the request's origin)",
    404: "Not found, or not yours (the same answer)",
    409: "Conflict: an illegal state transition, or a repeated id with another body",
    413: "Body too large",
    422: "Invalid input (each invalid field named)",
    426: "Upgrade required: open it as a WebSocket",
    429: "Too many attempts (see Retry-After)",
    503: "No capacity right now: retry shortly",
}


@dataclass(frozen=True)
class Param:
    """A query, path or header parameter (its schema given as JSON Schema)."""

    name: str
    where: str = "query"
    description: str = ""
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False

    def render(self) -> dict[str, Any]:
        required = self.required or self.where == "path"
        rendered = {"name": self.name, "in": self.where, "required": required}
        if self.description:
            rendered["description"] = self.description
        return {**rendered, "schema": self.schema}


NO_NUL = r"^[^\x00]*$"


def query(name: str, description: str, max_length: int, **schema: Any) -> Param:
    """An optional string query parameter: NUL is refused (422), so is an over-long value; an
    empty value means "not given" unless ``schema`` excludes it (an ``enum``, a ``format``)."""
    rules = {"type": "string", "maxLength": max_length, "pattern": NO_NUL, **schema}
    return Param(name, "query", description, rules)


CURSOR = Param(
    "cursor",
    description="next_cursor of the previous page",
    schema={"type": "string", "pattern": "^[0-9]{1,9}$"},
)
LIMIT = Param(
    "limit", description="page size", schema={"type": "integer", "minimum": 1, "maximum": 200}
)


@dataclass(frozen=True)
class Operation:
    """One route: method, path, who may call (security schemes; none: anyone), its body model,
    its answer type and the problem statuses it may answer."""

    method: str
    path: str
    summary: str
    who: tuple[str, ...] = ()
    body: type[BaseModel] | None = None
    body_required: bool = True
    answer: Any = None
    errors: tuple[int, ...] = ()
    params: tuple[Param, ...] = ()
    media_type: str = "application/json"
    answer_headers: dict[str, Any] = field(default_factory=dict)
    more_answers: dict[str, Any] = field(default_factory=dict)
    """Answers besides 200 and the problems (e.g. ``{"304": {...}}``), as OpenAPI objects."""

    def __post_init__(self) -> None:
        unknown = set(self.who) - set(SCHEMES)
        if unknown or set(self.errors) - set(PROBLEMS):
            raise ValueError(f"{self.method} {self.path}: unknown scheme or status")


class Components:
    """The ``components/schemas`` being gathered while operations are rendered."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def schema(self, model: Any, mode: str = "serialization") -> dict[str, Any]:
        """The JSON Schema of ``model`` (a model class or any type of models), refs hoisted."""
        found = TypeAdapter(model).json_schema(mode=mode, ref_template=REF)  # type: ignore[arg-type]
        self.schemas.update(found.pop("$defs", {}))
        if isinstance(model, type) and issubclass(model, BaseModel) and "properties" in found:
            self.schemas[model.__name__] = found
            return {"$ref": REF.format(model=model.__name__)}
        return found

    def render(self, operation: Operation) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "summary": operation.summary,
            "security": [{scheme: []} for scheme in operation.who] or [{}],
            "responses": {
                **self._answer(operation),
                **operation.more_answers,
                **self._problems(operation.errors),
            },
        }
        if operation.params:
            rendered["parameters"] = [param.render() for param in operation.params]
        if operation.body is not None:
            rendered["requestBody"] = {
                "required": operation.body_required,
                "content": {
                    "application/json": {"schema": self.schema(operation.body, "validation")}
                },
            }
        return rendered

    def _answer(self, operation: Operation) -> dict[str, Any]:
        schema = self.schema(operation.answer) if operation.answer is not None else {}
        answer: dict[str, Any] = {
            "description": "OK",
            "content": {operation.media_type: {"schema": schema}},
        }
        if operation.answer_headers:
            answer["headers"] = operation.answer_headers
        return {"200": answer}

    @staticmethod
    def _problems(statuses: Iterable[int]) -> dict[str, Any]:
        problem = {"schema": {"$ref": REF.format(model="Problem")}}
        return {
            str(status): {"description": PROBLEMS[status], "content": {PROBLEM_MEDIA_TYPE: problem}}
            for status in sorted(statuses)
        }


def build(
    operations: Iterable[Operation], info: dict[str, Any], schemes: dict[str, Any], problem: Any
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``; ``problem`` is the problem document model."""
    components = Components()
    components.schema(problem)
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method] = components.render(operation)
    return {
        "openapi": "3.1.0",
        "info": info,
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"securitySchemes": schemes, "schemas": components.schemas},
    }
