"""devolution facts for 监督统计 (第三十三至三十五条): what each devolution counts for, kept with every change
and published to intake's counters (devolution.figures). A new table only; the devolutions there before are
counted by ``python -m services.devolution.cli refresh-figures`` (once; running it again sends nothing).
Read by hand.

Revision ID: devolution_0014
Revises: devolution_0013
Create Date: 2026-12-04 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'devolution_0014'
down_revision: str | None = 'devolution_0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('devolution_fact',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('devolution_id', sa.String(length=40), nullable=False),
    sa.Column('jurisdiction', sa.String(length=12), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('fact', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['devolution_id'], ['devolution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('devolution_id', 'fact', 'subject', name='uq_devolution_fact')
    )
    with op.batch_alter_table('devolution_fact', schema=None) as batch_op:
        batch_op.create_index('ix_devolution_fact_figure', ['jurisdiction', 'fact', 'day', 'department'], unique=False)
        batch_op.create_index(batch_op.f('ix_devolution_fact_devolution_id'), ['devolution_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('devolution_fact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devolution_fact_devolution_id'))
        batch_op.drop_index('ix_devolution_fact_figure')

    op.drop_table('devolution_fact')
