"""Endpoints anyone may call: health, the token keys, the API description."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from center.api.hub import current_hub
from center.api.openapi import document
from center.api.schemas import Health, Jwks
from center.api.spec import Operation

bp = Blueprint("meta", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    return {"status": "ok"}


@bp.get("/.well-known/jwks.json")
def jwks() -> dict[str, Any]:
    return current_hub().issuer.ring.jwks()


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return document()


OPERATIONS = (
    Operation("get", "/.well-known/jwks.json", "Public keys of voucher tokens", answer=Jwks),
    Operation("get", "/healthz", "Liveness", answer=Health),
    Operation("get", "/openapi.json", "This document", answer=dict[str, Any]),
)
