"""approval inbox: approvals, decisions, audit events, delegations, chains

Revision ID: intake_0003
Revises: intake_0002
Create Date: 2026-11-28 15:17:39.667510
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "intake_0003"
down_revision: str | None = "intake_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "approval",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=120), nullable=False),
        sa.Column("requester_service", sa.String(length=40), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("case_ref", sa.JSON(), nullable=False),
        sa.Column("decision_kind", sa.String(length=40), nullable=False),
        sa.Column("drafted_decision", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("case_history", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.JSON(), nullable=False),
        sa.Column("statutory_clock_id", sa.String(length=120), nullable=True),
        sa.Column("statutory_due_date", sa.Date(), nullable=True),
        sa.Column("statutory_basis", sa.Text(), nullable=True),
        sa.Column("statutory_provisional", sa.Boolean(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("current_step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("requested_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("step_started_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_jurisdiction"), ["jurisdiction"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_approval_statutory_clock_id"), ["statutory_clock_id"], unique=False
        )

    op.create_table(
        "approval_chain",
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("decision_kind", sa.String(length=40), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=60), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jurisdiction", "decision_kind"),
    )
    op.create_table(
        "approval_delegation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("delegator_id", sa.String(length=60), nullable=False),
        sa.Column("delegate_id", sa.String(length=60), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("approval_delegation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_delegation_delegate_id"), ["delegate_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_approval_delegation_delegator_id"), ["delegator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_approval_delegation_jurisdiction"), ["jurisdiction"], unique=False
        )

    op.create_table(
        "approval_decision",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("approval_id", sa.String(length=36), nullable=False),
        sa.Column("step_no", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.String(length=60), nullable=False),
        sa.Column("decided_by_name", sa.String(length=40), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=60), nullable=True),
        sa.Column("decided_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["approval.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("approval_id", "step_no"),
    )
    with op.batch_alter_table("approval_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_decision_approval_id"), ["approval_id"], unique=False)

    op.create_table(
        "approval_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("approval_id", sa.String(length=36), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.String(length=60), nullable=True),
        sa.Column("actor_name", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["approval.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("approval_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_event_approval_id"), ["approval_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("approval_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_event_approval_id"))

    op.drop_table("approval_event")
    with op.batch_alter_table("approval_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_decision_approval_id"))

    op.drop_table("approval_decision")
    with op.batch_alter_table("approval_delegation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_delegation_jurisdiction"))
        batch_op.drop_index(batch_op.f("ix_approval_delegation_delegator_id"))
        batch_op.drop_index(batch_op.f("ix_approval_delegation_delegate_id"))

    op.drop_table("approval_delegation")
    op.drop_table("approval_chain")
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_statutory_clock_id"))
        batch_op.drop_index(batch_op.f("ix_approval_status"))
        batch_op.drop_index(batch_op.f("ix_approval_jurisdiction"))

    op.drop_table("approval")
