"""``ascc center worker``: outbound webhook deliveries, the hub's own voucher deliveries and the
scheduled jobs (expiry, and the jobs other domains add), in one loop with a graceful stop."""
