"""RFC 9457 problem details: every error the API gives, and the one handler that maps them.

Domain code raises :class:`Problem` subclasses (the state machine's ``IllegalTransition`` is a
:class:`Conflict`); :func:`init_app` turns them, Werkzeug's HTTP errors (unknown route, 405,
413 …), the failures hostile input can cause (:func:`known_problem`: deep nesting, overflow,
integrity and data errors; a locked database is a 503 with ``Retry-After``) and any other
exception into ``application/problem+json`` bodies with ``type``,
``title``, ``status`` and ``detail``. Nothing reaches a client as an HTML page or a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from ascc_plugin.problems import MEDIA_TYPE, problem_document, slug_of

log = logging.getLogger(__name__)


class Problem(Exception):
    """An error with an HTTP status; ``slug`` names its ``type`` URI."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Not authenticated"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class InvalidInput(Problem):
    status, slug, title = 422, "invalid-input", "Invalid input"


class Busy(Problem):
    """Try again shortly (answered with ``Retry-After``)."""

    status, slug, title = 503, "busy", "Busy"
    retry_after = 1


def problem_response(status: int, slug: str, title: str, detail: str, **extra: Any) -> Response:
    body = problem_document(status, slug, title, detail, **extra)
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ascc"'
    return response


def _from_problem(error: Problem) -> Response:
    response = problem_response(error.status, error.slug, error.title, error.detail, **error.extra)
    if isinstance(error, Busy):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _from_http(error: HTTPException) -> Response:
    status = error.code or 500
    slug = slug_of(error.name or "error")
    response = problem_response(status, slug, error.name or "Error", error.description or "")
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def _from_unexpected(error: Exception) -> Response:
    """Known failures of hostile input get their 4xx (or 503) here; the rest is a 500."""
    known = known_problem(error)
    if known is not None:
        log.warning("refused: %s: %s", type(error).__name__, known.detail)
        return _from_problem(known)
    log.exception("unhandled error", exc_info=error)
    return problem_response(500, "internal", "Internal error", "the hub could not answer")


def known_problem(error: Exception) -> Problem | None:
    """The problem an unexpected exception stands for, if it is one that input can cause.

    Each has a specific check before it (bounded models, unique program ids): this is the net
    under them, so that no input ever gets a 500.
    """
    if isinstance(error, RecursionError):
        return InvalidInput("the body is nested too deeply")
    if isinstance(error, OverflowError):
        return InvalidInput("a value is out of range")
    if isinstance(error, IntegrityError):
        return Conflict("the request conflicts with what is stored (a duplicate)")
    if isinstance(error, DataError):
        return InvalidInput("a value does not fit what the hub stores (too long or out of range)")
    if isinstance(error, OperationalError) and "locked" in str(error):
        return Busy("the database is busy; retry shortly")
    return None


def init_app(app: Flask) -> None:
    app.register_error_handler(Problem, _from_problem)
    app.register_error_handler(HTTPException, _from_http)
    app.register_error_handler(Exception, _from_unexpected)
