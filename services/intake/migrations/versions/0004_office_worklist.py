"""office worklist (待办) read model: one row per task from the task.* events

Revision ID: intake_0004
Revises: intake_0003
Create Date: 2026-12-02 06:25:26.744755
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'intake_0004'
down_revision: str | None = 'intake_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('worklist_task',
    sa.Column('task_id', sa.String(length=200), nullable=False),
    sa.Column('service', sa.String(length=20), nullable=False),
    sa.Column('case_kind', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.String(length=80), nullable=False),
    sa.Column('case_title', sa.String(length=300), nullable=False),
    sa.Column('case_jurisdiction', sa.String(length=12), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=True),
    sa.Column('document_number', sa.String(length=120), nullable=True),
    sa.Column('step', sa.String(length=60), nullable=False),
    sa.Column('step_name', sa.String(length=100), nullable=False),
    sa.Column('article', sa.String(length=60), nullable=True),
    sa.Column('assignee_kind', sa.String(length=20), nullable=False),
    sa.Column('assignee_id', sa.String(length=60), nullable=False),
    sa.Column('assignee_jurisdiction', sa.String(length=12), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('opened_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('task_id')
    )
    with op.batch_alter_table('worklist_task', schema=None) as batch_op:
        batch_op.create_index('ix_worklist_task_assignee', ['assignee_kind', 'assignee_id', 'assignee_jurisdiction'], unique=False)
        batch_op.create_index(batch_op.f('ix_worklist_task_department'), ['department'], unique=False)
        batch_op.create_index('ix_worklist_task_open', ['state', 'case_jurisdiction', 'due_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('worklist_task', schema=None) as batch_op:
        batch_op.drop_index('ix_worklist_task_open')
        batch_op.drop_index(batch_op.f('ix_worklist_task_department'))
        batch_op.drop_index('ix_worklist_task_assignee')

    op.drop_table('worklist_task')
