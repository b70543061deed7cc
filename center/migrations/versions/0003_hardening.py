"""stores' signing secrets encrypted at rest (a wider column, existing rows sealed)

The hub's Database installs its secrets seal on the engine's dialect
(:mod:`center.infra.secrets`); this migration uses it to seal every signing secret written in
plain text before. (Expired-at-issue vouchers and the ``reinstate`` action need no schema
change: states are stored as text, audit actions too.)

Revision ID: 0003_hardening
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from center.infra.secrets import PREFIX, WIDTH, installed, seal_text

revision = "0003_hardening"
down_revision = "0002"
branch_labels = None
depends_on = None

GSPS = sa.table("gsps", sa.column("id", sa.String), sa.column("signing_secret", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("gsps") as batch:
        batch.alter_column(
            "signing_secret", type_=sa.String(length=WIDTH), existing_type=sa.String(length=200)
        )
    connection = op.get_bind()
    plain = [
        (row.id, row.signing_secret)
        for row in connection.execute(sa.select(GSPS.c.id, GSPS.c.signing_secret))
        if not row.signing_secret.startswith(PREFIX)
    ]
    if not plain:
        return
    seal = installed(connection.dialect)
    for gsp_id, secret in plain:
        connection.execute(
            GSPS.update().where(GSPS.c.id == gsp_id).values(signing_secret=seal_text(seal, secret))
        )


def downgrade() -> None:
    raise NotImplementedError("signing secrets stay encrypted: restore a backup to go back")
