"""Hostile input against two live hubs, one on SQLite and one on PostgreSQL: never a 5xx, and
both databases answer every input with the same status.

Hypothesis swaps one value of a valid event, privacy request or voucher-action body for a
hostile one (:mod:`tests.center.hostile`), or sends JSON of any shape, with the holder's, the
provider's, a wrong or no key; the cases the hardening issue found by hand follow, each with
the status it must get now.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.center.hostile import (
    HubPair,
    Probe,
    encode,
    event_template,
    hostile,
    hub_pair,
    json_values,
    mutated,
    replaced,
)

pytestmark = pytest.mark.postgres

EXAMPLES = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VOUCHER = "/api/v1/vouchers/{id}"
ACTIONS = ("activate", "assign", "redeem", "complete")
KEYS = ("holder", "provider", "gsp", None, "hld_wrong-secret-0000000000", "prv_unknown", "x y z")
PRIVACY = {"request": "customer_redact", "customer": {"email": "a@example.com"}, "order_ids": []}


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubPair]:
    with hub_pair(tmp_path_factory.mktemp("hostile")) as made:
        yield made


def assert_alike(pair: HubPair, probe: Probe) -> int:
    """Both hubs answer ``probe`` with one status, never 5xx; that status."""
    sqlite, postgres = pair.send(probe)
    assert sqlite < 500 and postgres < 500, (sqlite, postgres, probe)
    assert sqlite == postgres, (sqlite, postgres, probe)
    return sqlite


def event_probe(document: Any, **headers: str) -> Probe:
    return Probe("POST", "/api/v1/events", encode(document), headers=headers, signed=True)


@EXAMPLES
@given(document=mutated(event_template()))
def test_hostile_events(pair: HubPair, document: Any) -> None:
    assert_alike(pair, event_probe(document))


@EXAMPLES
@given(document=mutated(PRIVACY) | json_values)
def test_hostile_privacy_requests(pair: HubPair, document: Any) -> None:
    assert_alike(pair, Probe("POST", "/api/v1/privacy", encode(document), signed=True))


ACTION_BODIES = {
    "activate": {},
    "assign": {"provider_id": "{provider}"},
    "redeem": {"token": "t"},
    "complete": {"notes": "done"},
}


@EXAMPLES
@given(
    action=st.sampled_from(ACTIONS),
    key=st.sampled_from(KEYS),
    body=st.one_of(
        st.sampled_from(ACTIONS)
        .flatmap(lambda a: mutated({"x": ACTION_BODIES[a]}))
        .map(lambda d: encode(d["x"])),
        json_values.map(encode),
        hostile.map(encode),
        st.binary(max_size=200),
    ),
)
def test_hostile_voucher_actions(pair: HubPair, action: str, key: str | None, body: bytes) -> None:
    path = VOUCHER.format(id=pair.voucher["id"]) + "/" + action
    assert_alike(pair, Probe("POST", path, body, key, {"Content-Type": "application/json"}))


@EXAMPLES
@given(
    voucher_id=st.text(max_size=80) | st.sampled_from(["ME13-S9JW-J6MS-PK8P-S", "%00", "..%2f"]),
    key=st.sampled_from(KEYS),
)
def test_hostile_voucher_ids(pair: HubPair, voucher_id: str, key: str | None) -> None:
    assert_alike(pair, Probe("GET", VOUCHER.format(id=voucher_id.replace("/", "%2F")), key=key))


HEADER_TEXT = st.text(st.characters(min_codepoint=33, max_codepoint=255), max_size=300)


@EXAMPLES
@given(
    stamp=st.sampled_from(["9" * 5000, "-1", "1e9", "\u0661\u0662", "0x10", ""]) | HEADER_TEXT,
    webhook_id=st.sampled_from(["", "x" * 300, "a\u00e9"]) | HEADER_TEXT,
)
def test_hostile_signature_headers(pair: HubPair, stamp: str, webhook_id: str) -> None:
    """Bytes a client can send as headers (latin-1, no spaces at the ends)."""
    headers = {"webhook-timestamp": stamp, "webhook-id": webhook_id}
    clean = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}
    status = assert_alike(pair, event_probe(event_template(), **clean))
    assert status in (200, 401, 422)


def order_with(**changes: Any) -> Any:
    """The valid event with ``changes`` applied (``a.b.c`` paths, ``[i]`` as ``.i``)."""
    document = event_template()
    for dotted, value in changes.items():
        path = tuple(int(p) if p.isdigit() else p for p in dotted.split("."))
        document = replaced(document, path, value)
    return document


KNOWN: list[tuple[str, Any, int]] = [
    ("a 120+120-character name", order_with(**{"event.order.customer.name": "n" * 241}), 422),
    ("a 400-character e-mail", order_with(**{"event.order.customer.email": "e" * 400}), 422),
    ("a 60-character phone", order_with(**{"event.order.customer.phone": "1" * 60}), 422),
    ("a 300-character customer id", order_with(**{"event.order.customer.id": "c" * 300}), 422),
    ("placed in year 9999", order_with(**{"event.order.placed_at": "9999-12-31T00:00:00Z"}), 422),
    ("quantity 10⁷", order_with(**{"event.order.lines.0.quantity": 10**7}), 422),
    ("20,000 vouchers in one event", order_with(**{"event.order.lines.0.quantity": 10_000}), 422),
    ("quantity true", order_with(**{"event.order.lines.0.quantity": True}), 422),
    ("a negative price", order_with(**{"event.order.lines.0.unit_price": "-1.00"}), 422),
    ("a float price", order_with(**{"event.order.lines.0.unit_price": 99.5}), 422),
    ("a 10⁴⁰⁰ total", order_with(**{"event.order.total": 10**400}), 422),
    ("two programs with one id", order_with(**{"programs.1.id": "repair-12m"}), 422),
]


@pytest.mark.parametrize(("case", "document", "status"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_hostile_events(pair: HubPair, case: str, document: Any, status: int) -> None:
    assert assert_alike(pair, event_probe(document)) == status, case


def test_a_5000_digit_timestamp_is_401(pair: HubPair) -> None:
    assert (
        assert_alike(pair, event_probe(event_template(), **{"webhook-timestamp": "9" * 5000}))
        == 401
    )


DEEP_BODIES = [b"[" * 20_000 + b"]" * 20_000, b'{"a":' * 20_000 + b"1" + b"}" * 20_000]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("body", DEEP_BODIES, ids=["list", "object"])
def test_deep_json_on_voucher_actions(pair: HubPair, action: str, body: bytes) -> None:
    """Parsed after auth: without a key 401 (never parsed); with the party's key 400."""
    path = VOUCHER.format(id=pair.voucher["id"]) + "/" + action
    assert assert_alike(pair, Probe("POST", path, body)) == 401
    party = "holder" if action in ("activate", "assign") else "provider"
    assert assert_alike(pair, Probe("POST", path, body, party)) in (400, 404)
