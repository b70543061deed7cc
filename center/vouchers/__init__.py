"""Vouchers: their state machine, issuing from store events (ingest), and the lifecycle
services (activate, assign, redeem, complete, void, expire)."""
