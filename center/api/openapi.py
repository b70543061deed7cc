"""The OpenAPI 3.1 document of the hub, written as data (served at ``/openapi.json``).

Every operation names its security (bearer keys by prefix, or the Standard Webhooks signature)
and its error answers, which are all RFC 9457 problem documents.
"""

from __future__ import annotations

from typing import Any

from ascc_plugin.vouchers import VoucherState

PROBLEM = "application/problem+json"
REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
    },
}

VOUCHER_SCHEMA = {
    "type": "object",
    "required": ["id", "program", "kind", "order_id", "line_id", "unit", "state", "valid_until"],
    "properties": {
        "id": {"type": "string", "examples": ["ME13-S9JW-J6MS-PK8P-S"]},
        "program": {"type": "string"},
        "kind": {"type": "string"},
        "order_id": {"type": "string"},
        "line_id": {"type": "string"},
        "unit": {"type": "integer", "minimum": 0},
        "state": ref("VoucherState"),
        "valid_until": {"type": "string", "format": "date-time"},
        "token": {"type": "string", "description": "JWS (EdDSA) verifiable with the JWKS"},
        "holder_secret": {"type": "string", "description": "first issue only"},
        "holder_url": {"type": "string", "description": "first issue only; secret in fragment"},
        "provider_id": nullable({"type": "string"}),
    },
}

PROVIDER_SCHEMA = {
    "type": "object",
    "required": ["id", "name", "categories", "region", "capacity", "description", "record"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "categories": {"type": "array", "items": {"type": "string"}},
        "region": nullable({"type": "string"}),
        "capacity": {"type": "integer"},
        "description": {"type": "string"},
        "record": {
            "type": "object",
            "required": ["rating", "reviews", "completed_services"],
            "properties": {
                "rating": nullable({"type": "number", "minimum": 1, "maximum": 5}),
                "reviews": {"type": "integer", "minimum": 0},
                "completed_services": {"type": "integer", "minimum": 0},
            },
        },
    },
}

EVENT_RECORD = {
    "type": "object",
    "required": ["at", "action", "from", "to", "actor"],
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "action": {"type": "string"},
        "from": nullable({"type": "string"}),
        "to": {"type": "string"},
        "actor": {
            "type": "object",
            "properties": {"kind": {"type": "string"}, "id": nullable({"type": "string"})},
        },
        "detail": nullable({"type": "string"}),
    },
}

RECORD_SCHEMA = {
    "type": "object",
    "required": [
        "voucher_id",
        "gsp_id",
        "provider_id",
        "program",
        "kind",
        "order_id",
        "state",
        "customer",
        "created_at",
        "updated_at",
        "history",
    ],
    "properties": {
        "voucher_id": {"type": "string"},
        "gsp_id": {"type": "string"},
        "provider_id": nullable({"type": "string"}),
        "program": {"type": "string"},
        "kind": {"type": "string"},
        "order_id": {"type": "string"},
        "line_id": {"type": "string"},
        "unit": {"type": "integer"},
        "state": ref("VoucherState"),
        "valid_until": {"type": "string", "format": "date-time"},
        "customer": nullable(
            {
                "type": "object",
                "properties": {
                    "email": nullable({"type": "string"}),
                    "name": nullable({"type": "string"}),
                    "phone": nullable({"type": "string"}),
                },
            }
        ),
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "history": {"type": "array", "items": ref("AuditEvent")},
    },
}


def page_of(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": ref(item)},
            "next_cursor": nullable({"type": "string"}),
        },
    }


def problems(*statuses: int) -> dict[str, Any]:
    text = {
        400: "Malformed request",
        401: "Not authenticated (missing or unknown key)",
        404: "Not found, or not yours (the same answer)",
        409: "Illegal state transition",
        413: "Body too large",
        422: "Invalid input",
    }
    return {
        str(s): {"description": text[s], "content": {PROBLEM: {"schema": ref("Problem")}}}
        for s in statuses
    }


def ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": bool(required), "content": {"application/json": {"schema": schema}}}


CURSOR = {
    "name": "cursor",
    "in": "query",
    "required": False,
    "description": "next_cursor of the previous page",
    "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"},
}
LIMIT = {
    "name": "limit",
    "in": "query",
    "required": False,
    "description": "page size",
    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
}
VOUCHER_ID = {"name": "voucher_id", "in": "path", "required": True, "schema": {"type": "string"}}


NO_NUL = "^[^\\x00]*$"
SORTS = ["rating", "completed", "reviews", "name"]
STATES = [state.value for state in VoucherState]


def query(name: str, description: str, max_length: int, **schema: Any) -> dict[str, Any]:
    """An optional string query parameter. NUL is refused (422), so is an over-long value; an
    empty value means "not given" unless ``schema`` excludes it (an ``enum``, a ``format``)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "maxLength": max_length, "pattern": NO_NUL, **schema},
    }


NUL_FREE_JSON = {
    "description": "any JSON without NUL characters (refused: PostgreSQL text cannot hold them)",
    "anyOf": [
        {"type": ["null", "boolean", "number"]},
        {"type": "string", "pattern": NO_NUL},
        {"type": "array", "items": ref("NulFreeJson")},
        {
            "type": "object",
            "propertyNames": {"pattern": NO_NUL},
            "additionalProperties": ref("NulFreeJson"),
        },
    ],
}


def nul_free(request_body: dict[str, Any]) -> dict[str, Any]:
    """A voucher action's body: its other members are ignored, but NUL is refused anywhere."""
    schema = request_body["content"]["application/json"]["schema"]
    schema["propertyNames"] = {"pattern": NO_NUL}
    schema["additionalProperties"] = ref("NulFreeJson")
    return request_body


def voucher_action(summary: str, who: str, request_body: dict[str, Any] | None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [VOUCHER_ID],
        "security": [{who: []}],
        "responses": {**ok(ref("Voucher")), **problems(400, 401, 404, 409, 422)},
    }
    if request_body is not None:
        operation["requestBody"] = nul_free(request_body)
    return operation


def signed_headers() -> list[dict[str, Any]]:
    """The headers of a signed store delivery (``ASCC-Domain`` and Standard Webhooks)."""
    return [
        {"name": n, "in": "header", "required": True, "schema": {"type": "string"}}
        for n in ("ASCC-Domain", "webhook-id", "webhook-timestamp", "webhook-signature")
    ]


def event_operation() -> dict[str, Any]:
    signed = signed_headers()
    return {
        "summary": "A store's order event: reconcile the order's vouchers (idempotent per "
        "webhook-id; a replay gets the first answer again, holder secrets included for 30 days)",
        "parameters": [
            *signed,
            {"name": "ASCC-Event", "in": "header", "required": False, "schema": {"type": "string"}},
        ],
        "security": [{"standardWebhooks": []}],
        "requestBody": body(
            {
                "event": {"type": "object"},
                "programs": {"type": "array", "items": {"type": "object"}},
            },
            ["event"],
        ),
        "responses": {
            **ok(
                {
                    "type": "object",
                    "required": ["vouchers"],
                    "properties": {"vouchers": {"type": "array", "items": ref("Voucher")}},
                }
            ),
            **problems(400, 401, 409, 413, 422),
        },
    }


PRIVACY_CUSTOMER = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        k: nullable({"type": "string", "pattern": NO_NUL}) for k in ("id", "email", "phone", "name")
    },
}

PRIVACY_ANSWERS = {
    "anyOf": [
        {
            "type": "object",
            "description": "customer_redact, shop_redact: how many customers were erased",
            "required": ["request", "customers"],
            "properties": {
                "request": {"type": "string"},
                "customers": {"type": "integer", "minimum": 0},
            },
        },
        {
            "type": "object",
            "description": "customer_data_request: what the hub holds on the customer",
            "required": ["request", "source", "customers", "vouchers"],
            "properties": {
                "request": {"const": "customer_data_request"},
                "source": {"type": "string"},
                "customers": {"type": "array", "items": PRIVACY_CUSTOMER},
                "vouchers": {"type": "array", "items": {"type": "object"}},
            },
        },
    ]
}


def privacy_operation() -> dict[str, Any]:
    request_body = body(
        {
            "request": {
                "type": "string",
                "enum": ["customer_redact", "shop_redact", "customer_data_request"],
            },
            "customer": nullable(PRIVACY_CUSTOMER),
            "order_ids": {
                "type": "array",
                "maxItems": 1000,
                "items": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NO_NUL},
            },
        },
        ["request"],
    )
    request_body["content"]["application/json"]["schema"]["additionalProperties"] = False
    return {
        "summary": "A store's privacy request (Shopify customers/redact, shop/redact, "
        "customers/data_request) over the hub's records of that store's customers only: "
        "erase name, e-mail and phone, or tell what the hub holds. Idempotent per webhook-id "
        "(a replayed erasure gets the first answer; a replayed data request what is held now)",
        "parameters": signed_headers(),
        "security": [{"standardWebhooks": []}],
        "requestBody": request_body,
        "responses": {**ok(PRIVACY_ANSWERS), **problems(400, 401, 409, 413, 422)},
    }


def jwks_operation() -> dict[str, Any]:
    """The key set: cacheable for 5 minutes, with an ETag (``If-None-Match`` → 304)."""
    cached = {
        "Cache-Control": {"schema": {"type": "string", "const": "public, max-age=300"}},
        "ETag": {"schema": {"type": "string"}, "description": "a digest of the key set"},
    }
    answer = ok({"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array"}}})
    answer["200"]["headers"] = cached
    return {
        "summary": "Public keys of voucher tokens (cacheable for 5 minutes)",
        "security": [{}],
        "parameters": [
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "the ETag of a key set held: 304 while it is current",
                "schema": {"type": "string"},
            }
        ],
        "responses": {
            **answer,
            "304": {"description": "Not modified: the key set held is current", "headers": cached},
        },
    }


def paths() -> dict[str, Any]:
    anyone: list[dict[str, Any]] = [{}]
    return {
        "/api/v1/events": {"post": event_operation()},
        "/api/v1/privacy": {"post": privacy_operation()},
        "/api/v1/vouchers/{voucher_id}": {
            "get": {
                "summary": "One voucher (its holder, its store, its assigned provider, operator)",
                "parameters": [VOUCHER_ID],
                "security": [{"holder": []}, {"gspKey": []}, {"providerKey": []}, {"adminKey": []}],
                "responses": {**ok(ref("Voucher")), **problems(401, 404)},
            }
        },
        "/api/v1/vouchers/{voucher_id}/activate": {
            "post": voucher_action("The holder activates the voucher", "holder", None)
        },
        "/api/v1/vouchers/{voucher_id}/assign": {
            "post": voucher_action(
                "The holder chooses a provider serving the voucher's kind",
                "holder",
                body({"provider_id": {"type": "string", "pattern": NO_NUL}}, ["provider_id"]),
            )
        },
        "/api/v1/vouchers/{voucher_id}/redeem": {
            "post": voucher_action(
                "The assigned provider redeems the voucher with its signed token (single use)",
                "providerKey",
                body({"token": {"type": "string", "pattern": NO_NUL}}, ["token"]),
            )
        },
        "/api/v1/vouchers/{voucher_id}/complete": {
            "post": voucher_action(
                "The assigned provider reports the service completed",
                "providerKey",
                body(
                    {"notes": nullable({"type": "string", "maxLength": 10000, "pattern": NO_NUL})},
                    [],
                ),
            )
        },
        "/api/v1/providers": {
            "get": {
                "summary": "Public provider directory with each provider's record",
                "security": anyone,
                "parameters": [
                    query("program", "a program id: providers serving its kind", 64),
                    query("category", "a program kind, e.g. repair", 64),
                    query("region", "the provider's region", 100),
                    query("sort", "order (empty: 422)", 20, enum=SORTS),
                    CURSOR,
                    LIMIT,
                ],
                "responses": {**ok(page_of("Provider")), **problems(422)},
            }
        },
        "/api/v1/records": {
            "get": {
                "summary": "Records (vouchers with history): a store its own, a provider its "
                "cases, the operator all",
                "security": [{"gspKey": []}, {"providerKey": []}, {"adminKey": []}],
                "parameters": [
                    query("gsp", "store id", 40),
                    query("customer", "customer e-mail", 320),
                    query("provider", "provider id", 40),
                    query("state", "voucher state (empty: 422)", 20, enum=STATES),
                    query("since", "changed at or after (RFC 3339)", 64, format="date-time"),
                    CURSOR,
                    LIMIT,
                ],
                "responses": {**ok(page_of("Record")), **problems(401, 422)},
            }
        },
        "/.well-known/jwks.json": {"get": jwks_operation()},
        "/healthz": {
            "get": {"summary": "Liveness", "security": anyone, "responses": ok({"type": "object"})}
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": anyone,
                "responses": ok({"type": "object"}),
            }
        },
    }


def security_schemes() -> dict[str, Any]:
    def bearer(text: str) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": text}

    return {
        "gspKey": bearer("a store's API key, gsp_…"),
        "providerKey": bearer("a provider's API key, prv_…"),
        "adminKey": bearer("the operator's key, adm_… (ASCC_ADMIN_KEY)"),
        "holder": bearer("the voucher's holder secret, hld_…"),
        "standardWebhooks": {
            "type": "apiKey",
            "in": "header",
            "name": "webhook-signature",
            "description": "Standard Webhooks v1 HMAC-SHA256 over "
            "id.timestamp.body with the store's whsec_ secret",
        },
    }


def document(server_url: str = "/") -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ASCC center hub",
            "version": "1.0.0",
            "description": "Vouchers, records and the provider directory. Errors are "
            "RFC 9457 problem documents; others' ids answer 404.",
        },
        "servers": [{"url": server_url}],
        "paths": paths(),
        "components": {
            "securitySchemes": security_schemes(),
            "schemas": {
                "Problem": PROBLEM_SCHEMA,
                "Voucher": VOUCHER_SCHEMA,
                "Provider": PROVIDER_SCHEMA,
                "AuditEvent": EVENT_RECORD,
                "Record": RECORD_SCHEMA,
                "VoucherState": {"type": "string", "enum": [s.value for s in VoucherState]},
                "NulFreeJson": NUL_FREE_JSON,
            },
        },
    }
