"""rectification: the office confirms the correction (第三十七条)

A finding stays "ordered" until the office records the day the department corrected it; its clock then stops
and the view says whether the correction came in time.

Revision ID: devolution_0004
Revises: devolution_0003
Create Date: 2026-11-28 16:35:12.353416
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "devolution_0004"
down_revision: str | None = "devolution_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrected_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("correction_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("corrected_confirmed_by", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.drop_column("corrected_confirmed_by")
        batch_op.drop_column("correction_note")
        batch_op.drop_column("corrected_on")
