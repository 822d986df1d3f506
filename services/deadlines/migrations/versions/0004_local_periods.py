"""local periods: a district's or county's own periods (第三十九条) and who changed them

Two new tables only; nothing to move. Read by hand.

Revision ID: deadlines_0004
Revises: deadlines_0003
Create Date: 2026-12-02 13:37:19.274380
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'deadlines_0004'
down_revision: str | None = 'deadlines_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('local_period',
    sa.Column('jurisdiction', sa.String(length=40), nullable=False),
    sa.Column('rule_code', sa.String(length=40), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('jurisdiction', 'rule_code')
    )
    op.create_table('local_period_change',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('jurisdiction', sa.String(length=40), nullable=False),
    sa.Column('rule_code', sa.String(length=40), nullable=False),
    sa.Column('old_length', sa.Integer(), nullable=True),
    sa.Column('new_length', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('local_period_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_period_change_jurisdiction'), ['jurisdiction'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('local_period_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_period_change_jurisdiction'))

    op.drop_table('local_period_change')
    op.drop_table('local_period')
