"""The API document and the hub agree: empty and NUL query values, and the JWKS cache headers.

Each test reads what ``/openapi.json`` says (validating a value against the parameter's
schema) and checks the live hub answers the same way.
"""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from center.api.openapi import document
from tests.common.hub import LiveHub


def parameter(path: str, name: str) -> dict[str, Any]:
    operation = document()["paths"][path]["get"]
    return next(p for p in operation["parameters"] if p["name"] == name)


def documented_valid(path: str, name: str, value: str) -> bool:
    schema = parameter(path, name)["schema"]
    if schema["type"] == "integer":
        return value.isdigit() and Draft202012Validator(schema).is_valid(int(value))
    return Draft202012Validator(schema).is_valid(value)


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/api/v1/providers", "sort", ""),
        ("/api/v1/providers", "limit", ""),
        ("/api/v1/providers", "program", "repair\x00"),
        ("/api/v1/providers", "category", "\x00"),
        ("/api/v1/records", "limit", ""),
        ("/api/v1/records", "state", ""),
        ("/api/v1/records", "provider", "prv_\x00x"),
        ("/api/v1/records", "customer", "ada@example.com\x00"),
    ],
)
def test_what_the_document_refuses_is_422(live: LiveHub, path: str, name: str, value: str) -> None:
    assert not documented_valid(path, name, value)
    answer = live.call("GET", path, live.admin_key, params={name: value})
    assert answer.status_code == 422, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert name in answer.json()["detail"]


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/api/v1/providers", "sort", "name"),
        ("/api/v1/providers", "limit", "7"),
        ("/api/v1/providers", "program", ""),  # empty text: not given
        ("/api/v1/records", "provider", ""),
        ("/api/v1/records", "state", "issued"),
    ],
)
def test_what_the_document_accepts_is_answered(
    live: LiveHub, path: str, name: str, value: str
) -> None:
    assert documented_valid(path, name, value)
    assert live.call("GET", path, live.admin_key, params={name: value}).status_code == 200


def test_the_jwks_is_cacheable_and_revalidated(live: LiveHub) -> None:
    first = live.call("GET", "/.well-known/jwks.json")
    assert first.status_code == 200 and first.json()["keys"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    jwks = live.url("/.well-known/jwks.json")
    same = live.http.get(jwks, headers={"If-None-Match": etag}, timeout=30)
    assert same.status_code == 304 and same.content == b""
    assert same.headers["ETag"] == etag
    other = live.http.get(jwks, headers={"If-None-Match": '"stale"'}, timeout=30)
    assert other.status_code == 200 and other.json() == first.json()
    documented = document()["paths"]["/.well-known/jwks.json"]["get"]["responses"]
    assert set(documented) == {"200", "304"}
    assert (
        documented["200"]["headers"]["Cache-Control"]["schema"]["const"]
        == (first.headers["Cache-Control"])
    )
