"""devolutions, history, clocks, handover, reports, power list, rectification

Revision ID: devolution_0002
Revises: devolution_0001
Create Date: 2026-11-28 15:20:36.481385
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "devolution_0002"
down_revision: str | None = "devolution_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clock",
        sa.Column("clock_id", sa.String(length=120), nullable=False),
        sa.Column("devolution_id", sa.String(length=40), nullable=True),
        sa.Column("rectification_id", sa.String(length=40), nullable=True),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("due_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("remaining_working_days", sa.Integer(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("overdue_working_days", sa.Integer(), nullable=True),
        sa.Column("due_soon", sa.Boolean(), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("clock_id"),
    )
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clock_devolution_id"), ["devolution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_clock_rectification_id"), ["rectification_id"], unique=False)

    op.create_table(
        "devolution",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("applicant_department", sa.String(length=40), nullable=False),
        sa.Column("duty_name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("review", sa.JSON(), nullable=True),
        sa.Column("power_list_entries", sa.JSON(), nullable=False),
        sa.Column("review_clock_id", sa.String(length=80), nullable=True),
        sa.Column("approval_request_id", sa.String(length=80), nullable=True),
        sa.Column("approval", sa.JSON(), nullable=True),
        sa.Column("document_number", sa.String(length=120), nullable=True),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("approval_request_id"),
    )
    with op.batch_alter_table("devolution", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_devolution_applicant_department"), ["applicant_department"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_devolution_jurisdiction"), ["jurisdiction"], unique=False)
        batch_op.create_index(batch_op.f("ix_devolution_state"), ["state"], unique=False)

    op.create_table(
        "idempotent_request",
        sa.Column("user_id", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("endpoint", sa.String(length=200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key"),
    )
    op.create_table(
        "devolution_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("devolution_id", sa.String(length=40), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=60), nullable=False),
        sa.Column("actor_name", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=False),
        sa.Column("to_state", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["devolution_id"],
            ["devolution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("devolution_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_devolution_event_devolution_id"), ["devolution_id"], unique=False
        )

    op.create_table(
        "devolution_receiver",
        sa.Column("devolution_id", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["devolution_id"],
            ["devolution.id"],
        ),
        sa.PrimaryKeyConstraint("devolution_id", "department"),
    )
    with op.batch_alter_table("devolution_receiver", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devolution_receiver_department"), ["department"], unique=False)

    op.create_table(
        "handover_item",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("devolution_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("reminded_for", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["devolution_id"],
            ["devolution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("devolution_id", "kind", name="uq_handover_item_kind"),
    )
    with op.batch_alter_table("handover_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_item_devolution_id"), ["devolution_id"], unique=False)

    op.create_table(
        "operation_report",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("devolution_id", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("department_jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("clock_id", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(length=60), nullable=True),
        sa.Column("acknowledged_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=60), nullable=True),
        sa.Column("acknowledgement_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["devolution_id"],
            ["devolution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("devolution_id", "department", name="uq_operation_report_department"),
    )
    with op.batch_alter_table("operation_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_operation_report_devolution_id"), ["devolution_id"], unique=False
        )

    op.create_table(
        "power_list_change",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("devolution_id", sa.String(length=40), nullable=False),
        sa.Column("change", sa.String(length=30), nullable=False),
        sa.Column("in_force", sa.Boolean(), nullable=False),
        sa.Column("responsible_departments", sa.JSON(), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("document_number", sa.String(length=120), nullable=True),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("occurred_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["devolution_id"],
            ["devolution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("power_list_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_power_list_change_devolution_id"), ["devolution_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_power_list_change_jurisdiction"), ["jurisdiction"], unique=False)

    op.create_table(
        "rectification",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("devolution_id", sa.String(length=40), nullable=True),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("ground", sa.String(length=40), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("correct_by", sa.Date(), nullable=False),
        sa.Column("clock_id", sa.String(length=120), nullable=False),
        sa.Column("raised_by", sa.String(length=60), nullable=False),
        sa.Column("raised_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["devolution_id"],
            ["devolution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rectification_department"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("ix_rectification_devolution_id"), ["devolution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rectification_jurisdiction"), ["jurisdiction"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_jurisdiction"))
        batch_op.drop_index(batch_op.f("ix_rectification_devolution_id"))
        batch_op.drop_index(batch_op.f("ix_rectification_department"))

    op.drop_table("rectification")
    with op.batch_alter_table("power_list_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_power_list_change_jurisdiction"))
        batch_op.drop_index(batch_op.f("ix_power_list_change_devolution_id"))

    op.drop_table("power_list_change")
    with op.batch_alter_table("operation_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operation_report_devolution_id"))

    op.drop_table("operation_report")
    with op.batch_alter_table("handover_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_item_devolution_id"))

    op.drop_table("handover_item")
    with op.batch_alter_table("devolution_receiver", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devolution_receiver_department"))

    op.drop_table("devolution_receiver")
    with op.batch_alter_table("devolution_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devolution_event_devolution_id"))

    op.drop_table("devolution_event")
    op.drop_table("idempotent_request")
    with op.batch_alter_table("devolution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devolution_state"))
        batch_op.drop_index(batch_op.f("ix_devolution_jurisdiction"))
        batch_op.drop_index(batch_op.f("ix_devolution_applicant_department"))

    op.drop_table("devolution")
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clock_rectification_id"))
        batch_op.drop_index(batch_op.f("ix_clock_devolution_id"))

    op.drop_table("clock")
