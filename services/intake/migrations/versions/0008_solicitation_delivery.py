"""A written solicitation's delivery (第20条): when its notice was sent, whether it reached the department
(pending, delivered on 浙政钉, unconfirmed, served by another means) and the proof.

Solicitations sent before this revision had their notice sent at once (``noticed_at`` = ``sent_at``) and no
delivery report will come for them: they stay ``pending``, so their expiry asks the office to confirm service
rather than count silence as no objection.

Revision ID: intake_0008
Revises: intake_0007
Create Date: 2026-12-02 07:03:49
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "intake_0008"
down_revision: str | None = "intake_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("solicitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("noticed_at", shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("delivery", sa.String(length=20), nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("delivered_at", shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivery_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("served_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("service_method", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("service_recorded_by", sa.String(length=60), nullable=True))
    op.execute("UPDATE solicitation SET noticed_at = sent_at")
    with op.batch_alter_table("solicitation", schema=None) as batch_op:
        batch_op.alter_column("delivery", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("solicitation", schema=None) as batch_op:
        batch_op.drop_column("service_recorded_by")
        batch_op.drop_column("service_method")
        batch_op.drop_column("served_on")
        batch_op.drop_column("delivery_note")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("delivery")
        batch_op.drop_column("noticed_at")
