"""signing secrets encrypted at rest: stores' and webhook subscribers' (wider columns, rows sealed)

The hub's Database installs its secrets seal on the engine's dialect
(:mod:`center.infra.secrets`); this migration uses it to seal every signing secret written in
plain text before. (Expired-at-issue vouchers and the ``reinstate`` action need no schema
change: states are stored as text, audit actions too.)

Revision ID: 0005_hardening
Revises: 0004_ops
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from center.infra.secrets import PREFIX, WIDTH, installed, seal_text

revision = "0005_hardening"
down_revision = "0004_ops"
branch_labels = None
depends_on = None

SEALED = (("gsps", "signing_secret", 200), ("webhook_endpoints", "secret", 100))
"""Each table, its secret column, and that column's width before."""


def upgrade() -> None:
    for table, column, width in SEALED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.String(length=WIDTH), existing_type=sa.String(length=width)
            )
        seal_rows(sa.table(table, sa.column("id", sa.String), sa.column(column, sa.String)))


def seal_rows(table: sa.TableClause) -> None:
    """Seal the values written in plain text before this revision."""
    connection = op.get_bind()
    key, value = table.c.id, next(c for c in table.c if c.name != "id")
    plain = [
        (row[0], row[1])
        for row in connection.execute(sa.select(key, value))
        if not row[1].startswith(PREFIX)
    ]
    if not plain:
        return
    seal = installed(connection.dialect)
    for ident, secret in plain:
        connection.execute(
            table.update().where(key == ident).values({value.name: seal_text(seal, secret)})
        )


def downgrade() -> None:
    raise NotImplementedError("signing secrets stay encrypted: restore a backup to go back")
