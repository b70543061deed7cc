"""The store service: one Flask app receiving the storefront's webhooks (``ascc store serve``)."""
