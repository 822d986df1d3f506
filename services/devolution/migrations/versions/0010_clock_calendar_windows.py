"""clock calendar windows: the non-working days around each clock's period, as its clock.scheduled events
carry them, kept with devolution's copy of the clock and passed on with the step's task and the approval
request. Read by hand.

One nullable JSON column; no data to move (deadlines owns the calendar). A clock stored before this revision
has none until deadlines sends it again (its next change, or ``python -m services.deadlines.cli
announce-clocks``); until then intake counts its days left through the deadlines calendar API.

Revision ID: devolution_0010
Revises: devolution_0009
Create Date: 2026-12-03 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "devolution_0010"
down_revision: str | None = "devolution_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.drop_column("calendar")
