"""saved phrases: 常用意见 a leader keeps for approval comments. A new table only; nothing to move. Read by hand.

Revision ID: intake_0012
Revises: intake_0011
Create Date: 2026-12-02 13:55:21.237564
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'intake_0012'
down_revision: str | None = 'intake_0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('saved_phrase',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.String(length=60), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'text', name='uq_saved_phrase')
    )
    with op.batch_alter_table('saved_phrase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_phrase_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('saved_phrase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_phrase_user_id'))

    op.drop_table('saved_phrase')
