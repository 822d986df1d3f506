"""clock calendar windows: the non-working days around each clock's period, as its clock.scheduled events
carry them, kept with intake's copy of the clock and of an approval's statutory clock. Read by hand.

Two nullable JSON columns; no data to move: intake cannot work the windows out itself (deadlines owns the
calendar). A clock stored before this revision has none until deadlines sends it again — on its next change,
or at once with ``python -m services.deadlines.cli announce-clocks``; until then its days left are counted
through the deadlines calendar API as before (``ClockCalendar.from_json`` falls back).

Revision ID: intake_0015
Revises: intake_0014
Create Date: 2026-12-03 10:18:43.305605
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'intake_0015'
down_revision: str | None = 'intake_0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('approval', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statutory_calendar', sa.JSON(), nullable=True))

    with op.batch_alter_table('case_clock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_clock', schema=None) as batch_op:
        batch_op.drop_column('calendar')

    with op.batch_alter_table('approval', schema=None) as batch_op:
        batch_op.drop_column('statutory_calendar')
