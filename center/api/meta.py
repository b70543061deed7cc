"""Endpoints anyone may call: health, the token keys, the API description."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from center.api.hub import current_hub
from center.api.openapi import document

bp = Blueprint("meta", __name__)
JWKS_MAX_AGE = 300  # seconds a verifier may reuse the key set (a rotation shows within it)


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    return {"status": "ok"}


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The token keys, cacheable for :data:`JWKS_MAX_AGE` seconds; ``If-None-Match`` → 304.

    The ETag is a digest of the body, so a rotated key set gets a new one at once.
    """
    answer = jsonify(current_hub().issuer.ring.jwks())
    answer.cache_control.public = True
    answer.cache_control.max_age = JWKS_MAX_AGE
    answer.add_etag()
    answer.make_conditional(request)  # 304 without a body when If-None-Match names the ETag
    return answer


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return document()
