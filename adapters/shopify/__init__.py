"""Shopify: the webhook blueprint (HMAC over the raw body), the pure mapping of order, refund
and privacy bodies, and an emulator that signs real-format requests."""
