"""Logs for operators: one JSON object per line (or plain text), each with the request id.

The request id is the caller's ``X-Request-Id`` when it is a sane token (1–64 of
``A-Za-z0-9._-``), else a new one; it is answered in ``X-Request-Id``, kept in a context
variable for the request, and added to every log record made meanwhile, so a line in the logs
and the answer a client got can be matched. JSON lines are made by ``python-json-logger`` (a
small, maintained formatter for the stdlib ``logging``; no second logging system). One access
line per request (``ascc.access``: method, route, status, milliseconds).
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time
from contextvars import ContextVar

from flask import Flask, Response, g, request

REQUEST_ID: ContextVar[str | None] = ContextVar("ascc_request_id", default=None)
HEADER = "X-Request-Id"
SANE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access = logging.getLogger("ascc.access")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (``None`` outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def configure_logging(fmt: str = "text", level: int = logging.INFO) -> logging.Handler:
    """One stderr handler on the root logger, JSON or text, with request ids (commands only)."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    return handler


def init_app(app: Flask) -> None:
    """Give every request an id, answer it, and log one access line per request."""

    @app.before_request
    def start() -> None:
        given = request.headers.get(HEADER, "")
        g.ascc_request_id = given if SANE.match(given) else secrets.token_hex(8)
        g.ascc_request_token = REQUEST_ID.set(g.ascc_request_id)
        g.ascc_started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        if "ascc_request_id" in g:
            response.headers[HEADER] = g.ascc_request_id
            rule = request.url_rule.rule if request.url_rule else "(unmatched)"
            millis = (time.perf_counter() - g.ascc_started) * 1000
            access.info(
                "%s %s %s %.1f ms",
                request.method,
                rule,
                response.status_code,
                millis,
                extra={"method": request.method, "route": rule, "status": response.status_code},
            )
        return response

    @app.teardown_request
    def forget(_error: BaseException | None) -> None:
        token = g.pop("ascc_request_token", None)
        if token is not None:
            REQUEST_ID.reset(token)
