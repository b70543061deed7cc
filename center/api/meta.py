"""Endpoints anyone may call: health, the token keys, the API description."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from center.api.hub import current_hub
from center.api.openapi import document
from center.api.schemas import Health, Jwks
from center.api.spec import Operation, Param

bp = Blueprint("meta", __name__)
JWKS_MAX_AGE = 300  # seconds a verifier may reuse the key set (a rotation shows within it)
CACHED = {
    "Cache-Control": {"schema": {"type": "string", "const": f"public, max-age={JWKS_MAX_AGE}"}},
    "ETag": {"schema": {"type": "string"}, "description": "a digest of the key set"},
}


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


OPERATIONS = (
    Operation(
        "get",
        "/.well-known/jwks.json",
        "Public keys of voucher tokens (cacheable for 5 minutes)",
        answer=Jwks,
        params=(
            Param(
                "If-None-Match",
                "header",
                "the ETag of a key set held: 304 while it is current",
            ),
        ),
        answer_headers=CACHED,
        more_answers={
            "304": {"description": "Not modified: the key set held is current", "headers": CACHED}
        },
    ),
    Operation("get", "/healthz", "Liveness", answer=Health),
    Operation("get", "/openapi.json", "This document", answer=dict[str, Any]),
)
