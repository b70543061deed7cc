"""Running the hub for months: Prometheus metrics, JSON logs with a request id, backups."""
