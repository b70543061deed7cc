"""Alembic migrations of the hub's database (``ascc center init-db`` runs them)."""
