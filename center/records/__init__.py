"""The ASCC database as parties read it: records scoped by store, customer and provider."""
