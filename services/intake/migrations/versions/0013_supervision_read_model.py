"""supervision read model (第36–37条): counters per jurisdiction, day of receipt and figure, backfilled here
from the cases, clocks, solicitations and first acceptance/opinion events. Read by hand.

From now on the session listener of ``services.intake.tables.supervision`` keeps them in the transaction of
every change; this backfill runs the same ``rebuild`` the tests compare the listener with.

Revision ID: intake_0013
Revises: intake_0012
Create Date: 2026-12-02 20:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'intake_0013'
down_revision: str | None = 'intake_0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('supervision_count',
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('figure', sa.String(length=12), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('k1', sa.String(length=40), nullable=False),
    sa.Column('k2', sa.String(length=40), nullable=False),
    sa.Column('k3', sa.String(length=40), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('jurisdiction_code', 'figure', 'day', 'k1', 'k2', 'k3')
    )
    with op.batch_alter_table('case_clock', schema=None) as batch_op:
        batch_op.create_index(
            'ix_case_clock_overdue_due',
            ['due_date'],
            unique=False,
            postgresql_where=sa.text("state IN ('requested', 'running', 'overdue') AND (overdue OR state = 'overdue')"),
            sqlite_where=sa.text("state IN ('requested', 'running', 'overdue') AND (overdue OR state = 'overdue')"),
        )
    from services.intake.tables.supervision import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('case_clock', schema=None) as batch_op:
        batch_op.drop_index('ix_case_clock_overdue_due')
    op.drop_table('supervision_count')
