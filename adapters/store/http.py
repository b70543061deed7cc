"""Shared request handling of the webhook blueprints: raw body, errors as problem+json.

Every refusal is an RFC 9457 ``application/problem+json`` body (``type``, ``title``,
``status``, ``detail``): 401 bad signature, 400 not JSON / not an order, 413 body over
``[store] max_body_bytes``, 503 a handler failed or the state database stayed locked (nothing
was recorded: the storefront retries; ``Retry-After`` on a locked database).
No traceback ever reaches a client.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Flask, Response, current_app, jsonify, request
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from adapters.payload import PayloadError
from ascc_plugin.problems import MEDIA_TYPE, problem_document, slug_of

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
SLUGS = {
    400: "invalid-payload",
    401: "invalid-signature",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "body-too-large",
    503: "handler-failed",
}


class Problem(Exception):
    """A refusal to answer as problem+json."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def problem_response(status: int, title: str, detail: str) -> Response:
    body = problem_document(status, SLUGS.get(status, slug_of(title)), title, detail)
    response = jsonify(body)
    response.status_code = status
    response.content_type = MEDIA_TYPE
    return response


def install_error_handlers(app: Flask) -> None:
    """Answer every error of ``app`` with a problem body."""
    app.register_error_handler(Problem, _on_problem)
    app.register_error_handler(PayloadError, _on_payload_error)
    app.register_error_handler(ValidationError, _on_validation_error)
    app.register_error_handler(HTTPException, _on_http_exception)
    app.register_error_handler(OperationalError, _on_database_busy)
    app.register_error_handler(Exception, _on_unexpected)


def _on_problem(exc: Problem) -> Response:
    return problem_response(exc.status, exc.title, exc.detail)


def _on_payload_error(exc: PayloadError) -> Response:
    return problem_response(400, "Not an order payload", str(exc))


def _on_validation_error(exc: ValidationError) -> Response:
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "the body"
    return problem_response(400, "Not an order payload", f"{where}: {error['msg']}")


def _on_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return problem_response(413, "Body too large", f"the body is over {limit} bytes")
    return problem_response(status, exc.name, exc.description or exc.name)


def _on_unexpected(exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return problem_response(500, "Internal error", "the delivery was not recorded; retry later")


def _on_database_busy(exc: OperationalError) -> Response:
    """The state database stayed locked past its busy timeout: 503, the storefront retries."""
    if "locked" not in str(exc):
        return _on_unexpected(exc)
    log.warning("the state database is locked: %s %s answered 503", request.method, request.path)
    response = problem_response(
        503, "State database busy", "the state database is busy; nothing was recorded, retry"
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def raw_body() -> bytes:
    """The exact request bytes (never re-serialised); over the limit → 413."""
    return request.get_data(cache=True)


def sha256_hex(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


def header_text(name: str) -> str:
    """A header value, stripped (``""`` when absent)."""
    return (request.headers.get(name) or "").strip()
