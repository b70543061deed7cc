"""the channel: cases (per-case seq counter), their frame log, handshake tickets

Revision ID: 0003_channel
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import center.infra.db

revision = "0003_channel"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "cases",
        sa.Column("voucher_id", sa.String(length=32), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("opened_at", center.infra.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("arrangement", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["vouchers.id"], name=op.f("fk_cases_voucher_id_vouchers")
        ),
        sa.PrimaryKeyConstraint("voucher_id", name=op.f("pk_cases")),
    )
    op.create_table(
        "case_frames",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("voucher_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("sender_id", sa.String(length=64), nullable=True),
        sa.Column("client_msg_id", sa.String(length=64), nullable=True),
        sa.Column("reply_to", sa.Integer(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("at", center.infra.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["cases.voucher_id"], name=op.f("fk_case_frames_voucher_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_frames")),
        sa.UniqueConstraint(
            "voucher_id", "client_msg_id", name=op.f("uq_case_frames_voucher_id_client_msg_id")
        ),
        sa.UniqueConstraint("voucher_id", "seq", name=op.f("uq_case_frames_voucher_id_seq")),
    )
    op.create_table(
        "case_tickets",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("voucher_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=True),
        sa.Column("expires_at", center.infra.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", center.infra.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["cases.voucher_id"], name=op.f("fk_case_tickets_voucher_id_cases")
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_case_tickets")),
    )
    with op.batch_alter_table("case_tickets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_tickets_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_tickets_voucher_id"), ["voucher_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("case_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_tickets_voucher_id"))
        batch_op.drop_index(batch_op.f("ix_case_tickets_expires_at"))

    op.drop_table("case_tickets")
    op.drop_table("case_frames")
    op.drop_table("cases")
