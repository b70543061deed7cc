"""The hub's OpenAPI 3.1 document (served at ``/openapi.json``), built from the API modules'
operation tables (:mod:`center.api.spec`): every request body is the model its view validates
with, every answer a model of :mod:`center.api.schemas`, every error a problem document."""

from __future__ import annotations

from functools import cache
from typing import Any

from center import api
from center.api.schemas import Problem
from center.api.spec import build

INFO = {
    "title": "ASCC center hub",
    "version": "1.0.0",
    "description": "Vouchers, records and the provider directory. Errors are RFC 9457 problem "
    "documents; others' ids answer 404, exactly like ids that do not exist. The channel: "
    "GET /ws/cases/{voucher_id}?ticket=&since= upgrades to a WebSocket of JSON text frames — "
    "client: message, proposal, accept, decline, voucher (each with a client_msg_id, stored "
    "once), typing; hub: hello, every stored frame {type, seq, from, at, body} in seq order "
    "(system frames for the voucher's state changes), ack {client_msg_id, seq}, error, "
    "resync_required. The README's channel section is the full reference.",
}


def bearer(text: str) -> dict[str, str]:
    return {"type": "http", "scheme": "bearer", "description": text}


SCHEMES = {
    "gspKey": bearer("a store's API key, gsp_…"),
    "providerKey": bearer("a provider's API key, prv_…"),
    "adminKey": bearer("the operator's key, adm_… ([hub] admin_key, ASCC_ADMIN_KEY)"),
    "holder": bearer("the voucher's holder secret, hld_…"),
    "standardWebhooks": {
        "type": "apiKey",
        "in": "header",
        "name": "webhook-signature",
        "description": "Standard Webhooks v1 HMAC-SHA256 over id.timestamp.body with the "
        "store's whsec_ secret",
    },
}


@cache
def document() -> dict[str, Any]:
    """The whole document (built once per process: it depends on code only)."""
    return build(api.operations(), INFO, SCHEMES, Problem)
