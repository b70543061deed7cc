"""Rate limits on authentication failures: 429 with ``Retry-After`` once a client has failed too
often.

Built on Flask-Limiter (the maintained Flask extension over the ``limits`` package: fixed or
moving windows, memory and Redis storage, limits counted only when a response says so) rather
than a counter of our own. Two application-wide limits count *failures* only (``deduct_when``):

* per client address (``request.remote_addr``: behind a reverse proxy, wrap the app in
  Werkzeug's ``ProxyFix`` so this is the client's) — ``[hub] auth_failures_per_address``;
* per key prefix — the presented key's first :data:`KEY_PREFIX_LENGTH` characters (its type
  prefix and a few random ones), so one key hammered from many addresses is slowed down too,
  and the limiter's storage never holds a whole secret — ``[hub] auth_failures_per_key``.

A failure is a 401 (no key, an unknown key, a bad signature) or a 404 answered to a holder
secret (a secret that does not open that voucher). Once over a limit, every request of that
client (or key) gets 429 until the window ends. Counters live in Redis when ``[hub] redis_url``
is set (shared by every worker), else in the worker's memory. ``[hub] rate_limits = false``
turns them off (the test hubs do, unless a test turns them on); a storage failure never fails a
request (``swallow_errors``).
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, request
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.errors import RateLimitExceeded

from center.infra.problems import problem_response
from center.settings import HubSettings

KEY_PREFIX_LENGTH = 12
HOLDER_PREFIX = "hld_"
EXTENSION_KEY = "ascc_limiter"


def client_address() -> str:
    return request.remote_addr or "unknown"


def presented_key() -> str:
    """The bearer key of the request ('' when none)."""
    scheme, _, token = (request.headers.get("Authorization") or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def key_prefix() -> str:
    return presented_key()[:KEY_PREFIX_LENGTH]


def failed_authentication(response: Response) -> bool:
    """Whether ``response`` tells of a failed authentication (see the module docstring)."""
    if response.status_code == 401:
        return True
    return response.status_code == 404 and presented_key().startswith(HOLDER_PREFIX)


def init_app(app: Flask, settings: HubSettings) -> Limiter:
    """Install the failure limits of ``settings`` on ``app`` (a no-op limiter when off)."""
    limiter = Limiter(
        client_address,
        app=app,
        application_limits=[
            ApplicationLimit(
                settings.auth_failures_per_address,
                key_function=client_address,
                scope="auth-failures-address",
                deduct_when=failed_authentication,
            ),
            ApplicationLimit(
                settings.auth_failures_per_key,
                key_function=key_prefix,
                scope="auth-failures-key",
                deduct_when=failed_authentication,
                exempt_when=lambda: not presented_key(),
            ),
        ],
        storage_uri=settings.redis_url or "memory://",
        storage_options={"key_prefix": settings.rate_limit_namespace} if settings.redis_url else {},
        key_prefix=settings.rate_limit_namespace,
        strategy="moving-window",
        swallow_errors=True,
        enabled=settings.rate_limits,
    )
    app.register_error_handler(RateLimitExceeded, lambda error: too_many(limiter, error))
    app.extensions[EXTENSION_KEY] = limiter
    return limiter


def too_many(limiter: Limiter, error: RateLimitExceeded) -> Response:
    """429 as a problem document, with ``Retry-After`` in whole seconds."""
    current = limiter.current_limit
    wait = current.reset_at - time.time() if current else error.limit.limit.get_expiry()
    response = problem_response(
        429,
        "too-many-failures",
        "Too many failed authentications",
        f"too many failed authentications from this client or key ({error.description}); "
        "retry later",
    )
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response
