"""adapters/woocommerce."""
