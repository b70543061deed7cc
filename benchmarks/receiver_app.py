"""A webhook subscriber for benchmarks: checks each Standard Webhooks signature (the secret in
``BENCH_WEBHOOK_SECRET``) and answers 204, or 401 when the signature is wrong. Served by
gunicorn in its own processes, so it takes no CPU from the measuring process."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from ascc_plugin.signatures import SignatureError, verify_standard


def create_app() -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    secret = os.environ["BENCH_WEBHOOK_SECRET"]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "POST":  # a readiness probe
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {
            name: environ.get("HTTP_" + name.upper().replace("-", "_"), "")
            for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        try:
            verify_standard([secret], headers, body, time.time())
            status = "204 No Content"
        except SignatureError:
            status = "401 Unauthorized"
        start_response(status, [("Content-Length", "0")])
        return [b""]

    return app
