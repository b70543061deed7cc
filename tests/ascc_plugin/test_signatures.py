"""Our Standard Webhooks and storefront HMAC checks against published vectors and the reference."""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from ascc_plugin.signatures import (
    SignatureError,
    hmac_b64,
    matches_b64,
    new_secret,
    sign_standard,
    standard_headers,
    verify_standard,
)
from tests.common.fixtures import fixture_json

VECTORS = fixture_json("signatures/standard-webhooks.json")
SIGNED = VECTORS["known_answer"] + VECTORS["derived_known_answer"]
CHECKED = VECTORS["must_not_verify"] + VECTORS["multi_signature"]


def _headers(vector: dict, signature: str) -> dict[str, str]:
    return {
        "webhook-id": vector["msg_id"],
        "webhook-timestamp": str(vector["timestamp"]),
        "webhook-signature": signature,
    }


@pytest.mark.parametrize("vector", SIGNED, ids=lambda v: v["name"])
def test_signing_matches_every_known_answer(vector: dict) -> None:
    body = vector["payload"].encode()
    signature = sign_standard(vector["secret"], vector["msg_id"], vector["timestamp"], body)
    assert signature == vector["expected_signature"]
    headers = _headers(vector, signature)
    assert (
        verify_standard([vector["secret"]], headers, body, now=vector["timestamp"])
        == (vector["msg_id"])
    )


@pytest.mark.parametrize("vector", CHECKED, ids=lambda v: v["name"])
def test_verification_follows_every_published_verdict(vector: dict) -> None:
    headers = _headers(vector, vector["signature_header"])
    body = vector["payload"].encode()
    if vector["must_verify"]:
        assert verify_standard([vector["secret"]], headers, body, now=vector["timestamp"])
    else:
        with pytest.raises(SignatureError):
            verify_standard([vector["secret"]], headers, body, now=vector["timestamp"])


def test_the_reference_library_accepts_what_we_sign() -> None:
    secret, body = new_secret(), b'{"event": "\\u00e9t\\u00e9"}'
    headers = standard_headers(secret, "msg_1", int(time.time()), body)
    assert Webhook(secret).verify(body, headers) == {"event": "été"}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"webhook-signature": ""}, "missing"),
        ({"webhook-timestamp": "soon"}, "whole number"),
        ({"webhook-timestamp": "١٢٣"}, "whole number"),  # Arabic-Indic digits pass isdigit()
        ({"webhook-timestamp": "1000"}, "tolerance"),
        ({"webhook-signature": "v1,ÿÿÿÿ"}, "no valid"),
        ({"webhook-signature": "v1,\u2603"}, "no valid"),
    ],
)
def test_bad_headers_are_refused_without_crashing(change: dict, reason: str) -> None:
    secret, body, now = new_secret(), b"{}", 1_700_000_000
    headers = {**standard_headers(secret, "msg_1", now, body), **change}
    with pytest.raises(SignatureError, match=reason):
        verify_standard([secret], headers, body, now=now)


def test_the_tolerance_is_five_minutes_either_way() -> None:
    secret, body, sent = new_secret(), b"{}", 1_700_000_000
    headers = standard_headers(secret, "msg_1", sent, body)
    assert verify_standard([secret], headers, body, now=sent + 300)
    assert verify_standard([secret], headers, body, now=sent - 300)
    with pytest.raises(SignatureError):
        verify_standard([secret], headers, body, now=sent + 301)


def test_a_rotated_secret_is_accepted_alongside_the_new_one() -> None:
    old, new, body = new_secret(), new_secret(), b"{}"
    headers = standard_headers(old, "msg_1", 1_700_000_000, body)
    assert verify_standard([new, old], headers, body, now=1_700_000_000)


def test_storefront_hmac_compares_bytes_and_survives_non_ascii_headers() -> None:
    body = b'{"id":1,"note":"caf\\u00e9 \\/ slash"}'
    good = hmac_b64(b"secret", body).decode()
    assert matches_b64([b"secret"], body, good)
    assert matches_b64([b"", b"old", b"secret"], body, good)
    for bad in ("", None, "é" * 44, "\u2603", good[:-2] + "A=", good + " x"):
        assert not matches_b64([b"secret"], body, bad)
    assert not matches_b64([b""], body, hmac_b64(b"", body).decode())  # empty secrets never match
