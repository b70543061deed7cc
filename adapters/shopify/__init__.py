"""adapters/shopify."""
