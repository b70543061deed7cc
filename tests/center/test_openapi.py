"""The OpenAPI 3.1 document: valid, complete, and true of the live app (schemathesis)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from center import api, pages
from center.api import vouchers
from center.api.openapi import INFO, SCHEMES, document
from center.api.schemas import Problem
from center.api.spec import build
from simulator.services import run_command
from tests.common.hub import LiveHub

MAX_EXAMPLES = 100  # per operation and phase: ~35 s per database here; 15 missed empty `sort`
# accepted and NUL in `customer`/`category` refused though documented (both fixed)
SUBSCRIBER_URLS = """
# A subscriber URL is resolved and checked by the SSRF guard: a schema-valid URL may be refused.
[[operations]]
include-path = "/api/v1/webhooks"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]
"""
# An array over its maxItems can make a body larger than max_content_length: 413 is a
# rejection too (schemathesis's default list lacks it).
REJECTIONS = (
    "[checks.negative_data_rejection]\nexpected-statuses = "
    '["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]\n'
)


def test_the_document_is_valid_openapi_3_1() -> None:
    spec = document()
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # type: ignore[arg-type]
    broken = {**spec, "paths": {"/x": {"get": {"responses": {"200": {"content": 5}}}}}}
    with pytest.raises(Exception, match="is a required property"):
        validate(broken)  # type: ignore[arg-type]  # the validator does refuse a bad document


def test_every_route_is_described(live: LiveHub) -> None:
    """Every route of the API; the pages (HTML, their assets and page data) are not the API."""
    pages_blueprints = {blueprint.name for blueprint in pages.blueprints()}
    described = {
        (method.upper(), path)
        for path, operations in document()["paths"].items()
        for method in operations
    }
    routes = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(rule)))
        for rule in live.app.url_map.iter_rules()
        if rule.endpoint != "static" and rule.endpoint.split(".")[0] not in pages_blueprints
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert routes == described


def test_the_document_is_built_from_the_models_the_views_validate_with() -> None:
    schemas = document()["components"]["schemas"]
    assert schemas["AssignBody"]["properties"]["provider_id"]["maxLength"] == 40

    class AssignBody(vouchers.Body):  # the same body with a changed field
        provider_id: str
        note: str = ""

    changed = [
        replace(op, body=AssignBody) if op.body is vouchers.AssignBody else op
        for op in api.operations()
    ]
    rebuilt = build(changed, INFO, SCHEMES, Problem)["components"]["schemas"]["AssignBody"]
    assert set(rebuilt["properties"]) == {"provider_id", "note"}
    assert "maxLength" not in rebuilt["properties"]["provider_id"]


def test_every_error_answer_is_a_problem_document() -> None:
    for path in document()["paths"].values():
        for operation in path.values():
            for status, answer in operation["responses"].items():
                if status.startswith("4"):
                    assert list(answer["content"]) == ["application/problem+json"]


def test_served_document_equals_the_source(live: LiveHub) -> None:
    assert live.call("GET", "/openapi.json").json() == json.loads(json.dumps(document()))


@pytest.mark.slow
def test_schemathesis_finds_no_5xx_and_no_schema_violation(live: LiveHub, tmp_path: Path) -> None:
    """Two GSP identities as peers, so object-level authorization is checked too."""
    alice, bob = live.new_gsp(), live.new_gsp()
    live.issue(alice)
    live.issue(bob)
    users = [
        {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {party.key}"}]}
        for name, party in (("alice", alice), ("bob", bob))
    ]
    (tmp_path / "wfc.json").write_text(json.dumps({"auth": users}))
    (tmp_path / "schemathesis.toml").write_text(
        '[auth.wfc]\npath = "wfc.json"\npeers = ["alice", "bob"]\n' + REJECTIONS + SUBSCRIBER_URLS
    )
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st is not None
    run = run_command(
        [
            st,
            "--config-file",
            str(tmp_path / "schemathesis.toml"),
            "run",
            live.url("/openapi.json"),
            "--checks",
            "all",
            "-n",
            str(MAX_EXAMPLES),
            "--seed",
            "7",
            "--generation-deterministic",
            "--request-timeout",
            "10",
        ],
        timeout=600,  # 100 examples per operation: 2–3 minutes on a loaded 2-core machine
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
