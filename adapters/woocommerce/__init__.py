"""WooCommerce: the webhook blueprint (HMAC with the entity-decoded secret, the creation ping),
the pure mapping of order and refund bodies, and an emulator that signs real-format requests."""
