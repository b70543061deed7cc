"""A WooCommerce store's REST API v3, emulated: ``GET /wp-json/wc/v3/products``, paged, limited.

Consumer key and secret as HTTP basic auth (else 401 ``woocommerce_rest_cannot_view``);
``per_page`` (1–100, default 10) and ``page``; the answer is a JSON array of product objects
(:func:`adapters.woocommerce.emulator.product_body`, the webhook shape) with ``X-WP-Total``,
``X-WP-TotalPages`` and a ``Link`` header, as WordPress sends them. WooCommerce has no rate
limit of its own; hosts add one, so this emulator limits to ``burst`` requests refilled at
``per_second``, answering 429 with ``Retry-After`` and ``RateLimit-*`` headers (the shape of
WooCommerce's Store API limiter). The limiter's clock is injected.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

from flask import Flask, Response, jsonify, request

from adapters.emulation import ProductSpec
from adapters.emulation_server import LoopbackServer
from adapters.woocommerce.emulator import product_body
from adapters.woocommerce.rest_client import PRODUCTS_PATH


class RequestBucket:
    """``burst`` requests, one more every ``1 / per_second`` seconds."""

    def __init__(self, burst: float, per_second: float, clock: Callable[[], float]) -> None:
        self.burst, self.rate, self.clock = burst, per_second, clock
        self.tokens, self.at = burst, clock()

    def take(self) -> float:
        """0 when a request may run now (and is counted), else the seconds until one may."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class WooCommerceRestEmulator:
    """The REST API of a store holding ``products``; counts what it answered."""

    def __init__(
        self,
        products: Sequence[ProductSpec],
        key: str,
        secret: str,
        *,
        burst: float = 1000.0,
        per_second: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        site: str = "https://shop.example.com",
    ) -> None:
        self.products = sorted(products, key=lambda p: p.id)
        self.key, self.secret, self.site = key, secret, site
        self.bucket = RequestBucket(burst, per_second, clock)
        self.answered = 0
        self.limited = 0

    def app(self) -> Flask:
        app = Flask("woocommerce-rest-emulator")
        app.add_url_rule(PRODUCTS_PATH, "products", self.list_products)
        return app

    def serve(self) -> LoopbackServer:
        return LoopbackServer(self.app())

    def list_products(self) -> Response:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (self.key, self.secret):
            return error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        wait = self.bucket.take()
        if wait > 0:
            self.limited += 1
            return limited(wait)
        per_page, page = request.args.get("per_page", "10"), request.args.get("page", "1")
        if not (per_page.isdigit() and 1 <= int(per_page) <= 100 and page.isdigit()):
            return error(400, "rest_invalid_param", "Invalid parameter(s): per_page, page")
        return self.page(int(per_page), max(1, int(page)))

    def page(self, per_page: int, page: int) -> Response:
        chosen = self.products[(page - 1) * per_page : page * per_page]
        total_pages = max(1, math.ceil(len(self.products) / per_page))
        self.answered += 1
        answer = jsonify([product_body(spec, self.site) for spec in chosen])
        url = f"{self.site}{PRODUCTS_PATH}?per_page={per_page}"
        links = [f'<{url}&page={page + 1}>; rel="next"'] if page < total_pages else []
        answer.headers.update(
            {
                "X-WP-Total": str(len(self.products)),
                "X-WP-TotalPages": str(total_pages),
                "Link": ", ".join(links),
            }
        )
        return answer


def limited(wait: float) -> Response:
    """429 with the wait in ``Retry-After`` (whole seconds, rounded up)."""
    answer = error(429, "rate_limit_exceeded", "Too many requests. Please wait and try again.")
    answer.headers.update({"Retry-After": str(math.ceil(wait)), "RateLimit-Remaining": "0"})
    return answer


def error(status: int, code: str, message: str) -> Response:
    """A WordPress REST error: ``{"code", "message", "data": {"status"}}``."""
    answer = jsonify(code=code, message=message, data={"status": status})
    answer.status_code = status
    return answer
