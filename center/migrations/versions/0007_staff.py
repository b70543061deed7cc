"""sign-in sessions of providers and the operator on the pages (the console and the dashboard)

Revision ID: 0007_staff
Revises: 0006_rewards
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import center.infra.db

revision = "0007_staff"
down_revision = "0006_rewards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", center.infra.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", center.infra.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_staff_sessions")),
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sessions_party_id"), ["party_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_staff_sessions_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_staff_sessions_party_id"))
    op.drop_table("staff_sessions")
