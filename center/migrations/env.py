"""Alembic environment: runs on the connection :func:`center.migrate.upgrade` hands over."""

from __future__ import annotations

from alembic import context

from center.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with 'ascc center init-db' (center.migrate.upgrade)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
