"""Outbound webhooks: subscriptions of stores and providers, a durable outbox written in the
changing transaction, signed deliveries with retries, and the SSRF guard on subscriber URLs.

Uses the audit layer (its change feed) and the infrastructure; imports no other domain, so any
domain above it (vouchers, assessments, incentives, claims) may declare event types
(:func:`center.webhooks.events.declare`) and enqueue messages
(:func:`center.webhooks.outbox.enqueue`).
"""
