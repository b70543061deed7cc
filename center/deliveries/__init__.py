"""Signed store deliveries: the signature check, idempotency claims per ``webhook-id``, and the
sealed holder secrets a replayed delivery gets back."""
