"""interim reports (第三十五条): a receiving department's 中期报告 before half a year of operation, kept
beside the half-year report (which stays due). A new table only, no data to move. Read by hand.

Revision ID: devolution_0011
Revises: devolution_0010
Create Date: 2026-12-03 10:14:53.647229
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'devolution_0011'
down_revision: str | None = 'devolution_0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('interim_report',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('devolution_id', sa.String(length=40), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('submitted_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['devolution_id'], ['devolution.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('interim_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interim_report_devolution_id'), ['devolution_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('interim_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interim_report_devolution_id'))

    op.drop_table('interim_report')
