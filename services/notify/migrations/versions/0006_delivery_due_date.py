"""deliveries know the statutory date they are about: a backlog drains the most urgent first

``delivery.due_date`` (nullable: a notice about no date, and the deliveries recorded before) is read from the
request's ``due_date`` or its parameters' ``due_date`` / ``new_due_date``; older rows keep NULL and drain
after the dated ones. Read by hand.

Revision ID: notify_0006
Revises: notify_0005
Create Date: 2026-12-03 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0006"
down_revision: str | None = "notify_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("due_date")
