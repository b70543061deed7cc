"""Privacy requests over one store's customers: erasure and access."""
