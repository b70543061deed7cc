"""Storefront signatures: the published vectors verify, every one-byte change is refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

from adapters.shopify.emulator import ShopifyEmulator
from adapters.woocommerce.emulator import WooCommerceEmulator
from ascc_plugin.signatures import hmac_b64, matches_b64


def vectors(kit: Any, platform: str) -> list[dict[str, str]]:
    data = json.loads(kit.fixture_bytes("signatures/storefronts.json"))
    return list(data[platform]["known_answer"])


@pytest.mark.parametrize("platform", ["shopify", "woocommerce"])
def test_published_vectors_verify(kit: Any, platform: str) -> None:
    for vector in vectors(kit, platform):
        key, body, given = vector["secret"].encode(), vector["body"].encode(), vector["expected"]
        assert hmac_b64(key, body) == given.encode()
        # an empty secret (WooCommerce allows one) makes signatures forgeable: never accepted
        assert matches_b64([key], body, given) is bool(key)


def test_shopify_old_secret_vector_verifies_during_rotation(kit: Any) -> None:
    current, old = vectors(kit, "shopify")
    body = old["body"].encode()
    assert matches_b64([b"new-secret", old["secret"].encode()], body, old["expected"])
    assert not matches_b64([b"new-secret"], body, old["expected"])
    assert current["expected"] != old["expected"]


def flips(data: bytes) -> list[bytes]:
    """Every one-byte change of ``data``: each byte xor 0x01, plus a dropped and an added byte."""
    changed = [data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :] for i in range(len(data))]
    return [*changed, data[:-1], data + b"A"]


@pytest.mark.parametrize("platform", ["shopify", "woocommerce"])
def test_every_one_byte_change_of_body_or_header_is_refused(kit: Any, platform: str) -> None:
    for vector in vectors(kit, platform):
        key, body, header = vector["secret"].encode(), vector["body"].encode(), vector["expected"]
        assert all(hmac_b64(key, changed) != header.encode() for changed in flips(body))
        key = key or b"any non-empty secret"
        header = hmac_b64(key, body).decode()
        assert matches_b64([key], body, header)
        assert not any(matches_b64([key], changed, header) for changed in flips(body))
        for changed in flips(header.encode()):
            assert not matches_b64([key], body, changed.decode("latin-1"))


def test_http_one_byte_changes_get_401(serve: Any, kit: Any) -> None:
    served, _config = serve("shopify")
    request = ShopifyEmulator(kit.SECRET).order_request("orders/create", kit.sample_order())
    session = requests.Session()
    signature = request.headers["X-Shopify-Hmac-Sha256"]
    raw = base64.b64decode(signature)
    for i in range(0, len(request.body), max(1, len(request.body) // 40)):
        body = request.body[:i] + bytes([request.body[i] ^ 1]) + request.body[i + 1 :]
        answer = session.post(served.url + request.path, data=body, headers=request.headers)
        assert answer.status_code == 401
    for i in range(len(raw)):
        bad = base64.b64encode(raw[:i] + bytes([raw[i] ^ 1]) + raw[i + 1 :]).decode()
        answer = session.post(
            served.url + request.path,
            data=request.body,
            headers={**request.headers, "X-Shopify-Hmac-Sha256": bad},
        )
        assert answer.status_code == 401
        assert answer.headers["Content-Type"] == "application/problem+json"
    assert request.send(served.url, session).status_code == 200


@pytest.mark.parametrize("platform", ["shopify", "woocommerce"])
def test_non_ascii_signature_header_is_401_not_500(serve: Any, kit: Any, platform: str) -> None:
    served, _config = serve(platform)
    spec = kit.sample_order()
    if platform == "shopify":
        request = ShopifyEmulator(kit.SECRET).order_request("orders/paid", spec)
        name = "X-Shopify-Hmac-Sha256"
    else:
        request = WooCommerceEmulator("hush-&amp;-quiet").order_request("order.updated", spec)
        name = "X-WC-Webhook-Signature"
    headers = {**request.headers, name: "é" + request.headers[name][1:]}
    headers = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}
    answer = requests.post(served.url + request.path, data=request.body, headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["status"] == 401


def test_woocommerce_secret_is_entity_decoded(serve: Any, kit: Any) -> None:
    served, _config = serve("woocommerce")  # ascc.toml holds "hush-&amp;-quiet"
    spec = kit.sample_order()
    good = WooCommerceEmulator("hush-&amp;-quiet").order_request("order.created", spec)
    assert (
        good.headers["X-WC-Webhook-Signature"]
        == WooCommerceEmulator(kit.SECRET)
        .order_request("order.created", spec)
        .headers["X-WC-Webhook-Signature"]
    )
    assert good.send(served.url).status_code == 200
    raw_key = WooCommerceEmulator("x")
    raw_key.secret = "hush-&amp;-quiet-not-decoded"
    assert raw_key.order_request("order.created", spec).send(served.url).status_code == 401
