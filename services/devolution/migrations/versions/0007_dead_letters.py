"""dead letters: the messages a worker gave up on, kept for an operator (shared.dead_letters)

A new table only; nothing to move. Read by hand.

Revision ID: devolution_0007
Revises: devolution_0006
Create Date: 2026-12-02 07:24:40.140611
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "devolution_0007"
down_revision: str | None = "devolution_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dead_letter',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=True),
    sa.Column('message_type', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('queue', sa.String(length=40), nullable=False),
    sa.Column('envelope', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('retries', sa.Integer(), nullable=False),
    sa.Column('failed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dead_letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dead_letter_event_id'), ['event_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dead_letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dead_letter_event_id'))

    op.drop_table('dead_letter')
