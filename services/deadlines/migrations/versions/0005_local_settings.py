"""local settings: reply range, extension and reminder plan per jurisdiction (第三十九条)

Two new tables only; nothing to move. Read by hand.

Revision ID: deadlines_0005
Revises: deadlines_0004
Create Date: 2026-12-04 02:00:26.255990
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'deadlines_0005'
down_revision: str | None = 'deadlines_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('local_setting',
    sa.Column('jurisdiction', sa.String(length=40), nullable=False),
    sa.Column('setting', sa.String(length=40), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('jurisdiction', 'setting')
    )
    op.create_table('local_setting_change',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('jurisdiction', sa.String(length=40), nullable=False),
    sa.Column('setting', sa.String(length=40), nullable=False),
    sa.Column('old_figures', sa.JSON(), nullable=True),
    sa.Column('new_figures', sa.JSON(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('local_setting_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_setting_change_jurisdiction'), ['jurisdiction'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('local_setting_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_setting_change_jurisdiction'))

    op.drop_table('local_setting_change')
    op.drop_table('local_setting')
