"""Rate limits on authentication failures: 429 with ``Retry-After`` once a client has failed too
often.

Built on the ``limits`` package (the maintained library behind Flask-Limiter: moving windows,
memory and Redis storage) rather than counters of our own. Flask-Limiter itself resolved,
parsed and evaluated its limit declarations on every request — about a tenth of a signed
event's time in the hub, profiled (``benchmarks/profile_center_ingest.py``) — for two limits
that count *failures* only; here they are parsed once and a request costs one window test per
limit. Two application-wide limits:

* per client address (``request.remote_addr``: behind a reverse proxy, wrap the app in
  Werkzeug's ``ProxyFix`` so this is the client's) — ``[hub] auth_failures_per_address``;
* per key prefix — the presented key's first :data:`KEY_PREFIX_LENGTH` characters (its type
  prefix and a few random ones), so one key hammered from many addresses is slowed down too,
  and the storage never holds a whole secret — ``[hub] auth_failures_per_key`` (requests
  without a key are not counted here).

A failure is a 401 (no key, an unknown key, a bad signature) or a 404 answered to a holder
secret (a secret that does not open that voucher) on one of the hub's routes. A limit of several
parts (``10/minute;50/day``) applies each part. Once over a limit, every request of that
client (or key) gets 429 until the window lets a failure go. Counters live in Redis when
``[hub] redis_url`` is set (shared by every worker, under ``[hub] rate_limit_namespace``), else
in the worker's memory. ``[hub] rate_limits = false`` turns them off (the test hubs do, unless a
test turns them on); a storage failure never fails a request (it is logged and let through).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from center.infra.problems import problem_response
from center.settings import HubSettings

KEY_PREFIX_LENGTH = 12
HOLDER_PREFIX = "hld_"
EXTENSION_KEY = "ascc_limiter"
log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class FailureLimit:
    """One limit on failures, counted per the key ``key_of`` gives ('' = not counted)."""

    scope: str
    item: RateLimitItem
    key_of: Callable[[], str]


class FailureLimits:
    """The hub's failure limits over one storage (see the module docstring)."""

    def __init__(self, settings: HubSettings) -> None:
        options = {"key_prefix": settings.rate_limit_namespace} if settings.redis_url else {}
        self.window = MovingWindowRateLimiter(
            storage_from_string(settings.redis_url or "memory://", **options)
        )
        self.namespace = settings.rate_limit_namespace
        self.limits = tuple(
            FailureLimit(scope, item, key_of)
            for scope, text, key_of in (
                ("auth-failures-address", settings.auth_failures_per_address, client_address),
                ("auth-failures-key", settings.auth_failures_per_key, key_prefix),
            )
            for item in parse_many(text)  # "10/minute;50/day": each part is a limit
        )

    def refuse_over_limit(self) -> Response | None:
        """Before a request: 429 when its client or key has failed too often, else ``None``
        (requests for no route are neither refused nor counted, as with Flask-Limiter)."""
        if request.endpoint is None:
            return None
        for limit in self.limits:
            key = limit.key_of()
            if key and not self._ask(self.window.test, limit, key):
                return self._too_many(limit, key)
        return None

    def count_failure(self, response: Response) -> Response:
        """After a request: a failed authentication counts against its client and key."""
        if request.endpoint is not None and failed_authentication(response):
            for limit in self.limits:
                key = limit.key_of()
                if key:
                    self._ask(self.window.hit, limit, key)
        return response

    def _ask(self, call: Callable[..., bool], limit: FailureLimit, key: str) -> bool:
        """``call(item, namespace, scope, key)``; ``True`` (let through) when the storage fails."""
        try:
            return call(limit.item, self.namespace, limit.scope, key)
        except Exception:
            log.warning("rate limit storage failed; request not limited", exc_info=True)
            return True

    def _too_many(self, limit: FailureLimit, key: str) -> Response:
        """429 as a problem document, with ``Retry-After`` in whole seconds."""
        try:
            stats = self.window.get_window_stats(limit.item, self.namespace, limit.scope, key)
            wait = stats.reset_time - time.time()
        except Exception:  # the storage failed since the test: a whole window
            wait = limit.item.get_expiry()
        response = problem_response(
            429,
            "too-many-failures",
            "Too many failed authentications",
            f"too many failed authentications from this client or key ({limit.item}); retry later",
        )
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response


def init_app(app: Flask, settings: HubSettings) -> FailureLimits | None:
    """Install the failure limits of ``settings`` on ``app`` (nothing when they are off)."""
    if not settings.rate_limits:
        return None
    limits = FailureLimits(settings)
    app.before_request(limits.refuse_over_limit)
    app.after_request(limits.count_failure)
    app.extensions[EXTENSION_KEY] = limits
    return limits
