"""The audit trail of voucher state changes and the change feed other domains subscribe to."""
