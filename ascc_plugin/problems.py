"""RFC 9457 problem details: the one way both services describe an error.

The hub and the store service answer every refusal with ``application/problem+json``; the body
is built here, with one ``type`` URI base, so a client of either sees the same shape. Each app
keeps its own exceptions and maps them to :func:`problem_document` in its error handlers.
"""

from __future__ import annotations

from typing import Any

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://ascc.dev/problems/"


def problem_document(
    status: int, slug: str, title: str, detail: str, **extra: Any
) -> dict[str, Any]:
    """``{"type", "title", "status", "detail", …}``: ``slug`` names the type under the base."""
    return {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail, **extra}


def slug_of(title: str) -> str:
    """A type slug from a title: ``"Method Not Allowed"`` → ``method-not-allowed``."""
    return title.lower().replace(" ", "-")
