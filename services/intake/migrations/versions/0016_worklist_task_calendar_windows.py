"""worklist task calendar windows: the calendar window of the clock a task's due date is from, as the
task.opened event carries it; the 待办 counts the days left with it. Read by hand.

One nullable JSON column; no data to move. A task stored before this revision has none until it is opened
again: intake's own tasks on the next change of their case (``python -m services.deadlines.cli
announce-clocks`` sends every clock again, and each case's tasks are reconciled then), devolution's when its
clock is next scheduled. Until then the days left are counted through the deadlines calendar API.

Revision ID: intake_0016
Revises: intake_0015
Create Date: 2026-12-03 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'intake_0016'
down_revision: str | None = 'intake_0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('worklist_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('worklist_task', schema=None) as batch_op:
        batch_op.drop_column('calendar')
