"""Storefront adapters: Shopify and WooCommerce webhooks verified, deduplicated and mapped to
canonical order events, and the store service that runs them (``ascc store …``)."""
