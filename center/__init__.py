"""center."""
