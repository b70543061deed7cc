"""``POST /webhooks/shopify``: verify the raw body, dedupe, map, hand over to the store service."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from adapters.payload import parse_json
from adapters.shopify import mapping
from adapters.store.http import Problem, header_text, raw_body, sha256_hex
from adapters.store.service import StoreService
from ascc_plugin.signatures import matches_b64

bp = Blueprint("shopify", __name__)

HMAC_HEADER = "X-Shopify-Hmac-Sha256"


@bp.post("/webhooks/shopify")
def receive() -> Response:
    service: StoreService = current_app.extensions["ascc_store"]
    service.require_platform("shopify")
    body = raw_body()
    if not matches_b64(service.secrets(), body, request.headers.get(HMAC_HEADER)):
        raise Problem(
            401, "Invalid signature", f"{HMAC_HEADER} is missing or is not the HMAC of the body"
        )
    check_shop(service.gsp.shop)
    topic = header_text("X-Shopify-Topic")
    digest = sha256_hex(topic.encode("latin-1", "replace"), b"\n", body)
    delivery = mapping.map_delivery(
        topic, parse_json(body), digest, service.clock(), service.gsp.shop
    )
    outcome = service.receive(
        topic,
        dedupe_keys(service.gsp.shop, topic, digest),
        delivery,
        header_text("X-Shopify-Webhook-Id") or digest,
    )
    return jsonify(outcome.to_json())


def check_shop(shop: str) -> None:
    """Shopify always names the shop: a delivery without the header is refused (401), one
    signed for this app but sent for another shop too (403)."""
    sender = header_text("X-Shopify-Shop-Domain")
    if not sender:
        raise Problem(401, "No shop", "X-Shopify-Shop-Domain is missing")
    if sender.lower() != shop.lower():
        raise Problem(403, "Another shop", f"this store service serves {shop}, not {sender}")


def dedupe_keys(shop: str, topic: str, digest: str) -> list[str]:
    """Shopify's docs name both ids as the dedupe key: a delivery seen by either is a duplicate."""
    webhook_id = header_text("X-Shopify-Webhook-Id")
    event_id = header_text("X-Shopify-Event-Id")
    keys = [f"shopify:{shop}:webhook:{webhook_id or digest}"]
    if event_id:
        keys.append(f"shopify:{shop}:event:{topic}:{event_id}")
    return keys
