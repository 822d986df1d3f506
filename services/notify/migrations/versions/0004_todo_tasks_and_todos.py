"""The 浙政钉 to-do centre: tasks (merged from task.* events) and each person's to-dos.

Revision ID: notify_0004
Revises: notify_0003
Create Date: 2026-12-02 06:09:31.693090
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'notify_0004'
down_revision: str | None = 'notify_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('todo',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('task_id', sa.String(length=200), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.String(length=60), nullable=False),
    sa.Column('person_name', sa.String(length=80), nullable=False),
    sa.Column('account_id', sa.String(length=40), nullable=True),
    sa.Column('biz_task_id', sa.String(length=64), nullable=False),
    sa.Column('task_uuid', sa.String(length=120), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('due_time', sa.String(length=19), nullable=True),
    sa.Column('package_uuid', sa.String(length=64), nullable=True),
    sa.Column('desired', sa.String(length=12), nullable=False),
    sa.Column('platform', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('create_attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_code', sa.String(length=60), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('opened_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('biz_task_id'),
    sa.UniqueConstraint('task_id', 'generation', 'person_id', name='uq_todo_task_generation_person')
    )
    with op.batch_alter_table('todo', schema=None) as batch_op:
        batch_op.create_index('ix_todo_person', ['account_id', 'platform'], unique=False)
        batch_op.create_index(batch_op.f('ix_todo_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ix_todo_work', ['desired', 'platform', 'next_attempt_at'], unique=False)

    op.create_table('todo_task',
    sa.Column('task_id', sa.String(length=200), nullable=False),
    sa.Column('case_ref', sa.JSON(), nullable=False),
    sa.Column('case_id', sa.String(length=80), nullable=True),
    sa.Column('jurisdiction', sa.String(length=12), nullable=False),
    sa.Column('step', sa.String(length=60), nullable=False),
    sa.Column('step_name', sa.String(length=80), nullable=False),
    sa.Column('assignee', sa.JSON(), nullable=True),
    sa.Column('due_date', sa.String(length=10), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('state_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assignee_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('details_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('task_id')
    )
    with op.batch_alter_table('todo_task', schema=None) as batch_op:
        batch_op.create_index('ix_todo_task_state', ['state', 'resolved'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('todo_task', schema=None) as batch_op:
        batch_op.drop_index('ix_todo_task_state')

    op.drop_table('todo_task')
    with op.batch_alter_table('todo', schema=None) as batch_op:
        batch_op.drop_index('ix_todo_work')
        batch_op.drop_index(batch_op.f('ix_todo_task_id'))
        batch_op.drop_index('ix_todo_person')

    op.drop_table('todo')
