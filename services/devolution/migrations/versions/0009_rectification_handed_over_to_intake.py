"""rectification moves to intake: the table stays, read-only, and records when each row was handed over

限期纠正 (第三十七条, 第四项 included) has one owner now, intake's casework. Devolution writes no new
rectification; its rows are kept (nothing is dropped) and handed over to intake once, by
``python -m services.devolution.cli hand-over-rectifications`` after this migration: each row goes to
intake as a ``rectification.handed_over`` message (intake opens the case under the same id, so old links
still resolve), a running clock is stopped here and started again by intake, and ``handed_over_at`` is
stamped so that a second run sends nothing again. Read by hand.

Revision ID: devolution_0009
Revises: devolution_0008
Create Date: 2026-12-03 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "devolution_0009"
down_revision: str | None = "devolution_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handed_over_at", shared.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.drop_column("handed_over_at")
