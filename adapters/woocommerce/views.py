"""``POST /webhooks/woocommerce``: the creation ping, then verify, dedupe, map, hand over."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request

from adapters.payload import parse_json
from adapters.store.http import Problem, header_text, raw_body, sha256_hex
from adapters.store.service import StoreService
from adapters.woocommerce import mapping
from ascc_plugin.signatures import matches_b64

bp = Blueprint("woocommerce", __name__)

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
PING_BODY = re.compile(rb"webhook_id=\d{1,20}")


@bp.post("/webhooks/woocommerce")
def receive() -> Response:
    service: StoreService = current_app.extensions["ascc_store"]
    service.require_platform("woocommerce")
    body = raw_body()
    if is_ping(body):
        return Response(status=200)
    if not matches_b64(service.secrets(), body, request.headers.get(SIGNATURE_HEADER)):
        raise Problem(
            401,
            "Invalid signature",
            f"{SIGNATURE_HEADER} is missing or is not the HMAC of the body",
        )
    topic = header_text("X-WC-Webhook-Topic")
    check_topic(topic)
    payload = parse_json(body)
    digest = sha256_hex(topic.encode("latin-1", "replace"), b"\n", body)
    delivery = mapping.map_delivery(topic, payload, digest, service.clock())
    key = dedupe_key(service.gsp.shop, payload, body)
    outcome = service.receive(topic, [key], delivery, f"wc-{digest}")
    return jsonify(outcome.to_json())


def check_topic(topic: str) -> None:
    """``X-WC-Webhook-Resource`` and ``-Event``, when sent, must be the topic's two halves."""
    resource, _, event = topic.partition(".")
    for name, expected in (("Resource", resource), ("Event", event)):
        given = header_text(f"X-WC-Webhook-{name}")
        if given and given != expected:
            raise Problem(400, "Topic mismatch", f"X-WC-Webhook-{name} {given!r} is not {topic!r}")


def is_ping(body: bytes) -> bool:
    """WooCommerce's creation ping: form-encoded ``webhook_id=N``, unsigned, no X-WC headers."""
    if any(name.lower().startswith("x-wc-") for name, _value in request.headers.items()):
        return False
    return PING_BODY.fullmatch(body) is not None


def dedupe_key(shop: str, payload: object, body: bytes) -> str:
    """X-WC-Webhook-Delivery-ID is not unique: key on webhook id + resource id + body digest."""
    webhook_id = header_text("X-WC-Webhook-ID") or "-"
    resource = payload.get("id") if isinstance(payload, dict) else None
    return f"woocommerce:{shop}:{webhook_id}:{resource}:{sha256_hex(body)}"
