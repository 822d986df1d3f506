"""calendar clocks and sent reminders

Revision ID: deadlines_0002
Revises: deadlines_0001
Create Date: 2026-11-28 15:17:58.468934
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "deadlines_0002"
down_revision: str | None = 'deadlines_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # reviewed by hand: calendar data, clocks (the sweep reads ix_clock_next_reminder_at), sent reminders
    op.create_table('calendar_override',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('jurisdiction', sa.String(length=40), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('jurisdiction', 'date', name='uq_calendar_override_day')
    )
    op.create_table('calendar_revision',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('calendar_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('holidays', sa.JSON(), nullable=False),
    sa.Column('adjusted_workdays', sa.JSON(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('loaded_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('loaded_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('clock',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('case', sa.JSON(), nullable=False),
    sa.Column('case_reference', sa.String(length=300), nullable=False),
    sa.Column('owner_service', sa.String(length=40), nullable=False),
    sa.Column('responsible', sa.JSON(), nullable=False),
    sa.Column('responsible_party', sa.Text(), nullable=False),
    sa.Column('escalate_to', sa.JSON(), nullable=True),
    sa.Column('jurisdiction', sa.String(length=40), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('stop_outcome', sa.String(length=20), nullable=True),
    sa.Column('started_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('period_length', sa.Integer(), nullable=True),
    sa.Column('length_reason', sa.Text(), nullable=True),
    sa.Column('fixed_due_date', sa.Date(), nullable=True),
    sa.Column('counting_from', sa.Date(), nullable=False),
    sa.Column('working_days_used', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('due_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('calendar_version', sa.String(length=32), nullable=False),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('next_reminder_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('clock', schema=None) as batch_op:
        batch_op.create_index('ix_clock_jurisdiction', ['jurisdiction'], unique=False)
        batch_op.create_index('ix_clock_next_reminder_at', ['next_reminder_at'], unique=False)
        batch_op.create_index('ix_clock_state_due_date', ['state', 'due_date'], unique=False)

    op.create_table('sent_reminder',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('recipient', sa.String(length=80), nullable=False),
    sa.Column('clock_id', sa.String(length=120), nullable=True),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('sent_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', 'recipient', name='uq_sent_reminder_key_recipient')
    )
    with op.batch_alter_table('sent_reminder', schema=None) as batch_op:
        batch_op.create_index('ix_sent_reminder_clock_id', ['clock_id'], unique=False)



def downgrade() -> None:
    # reviewed by hand: calendar data, clocks (the sweep reads ix_clock_next_reminder_at), sent reminders
    with op.batch_alter_table('sent_reminder', schema=None) as batch_op:
        batch_op.drop_index('ix_sent_reminder_clock_id')

    op.drop_table('sent_reminder')
    with op.batch_alter_table('clock', schema=None) as batch_op:
        batch_op.drop_index('ix_clock_state_due_date')
        batch_op.drop_index('ix_clock_next_reminder_at')
        batch_op.drop_index('ix_clock_jurisdiction')

    op.drop_table('clock')
    op.drop_table('calendar_year')
    op.drop_table('calendar_revision')
    op.drop_table('calendar_override')
