"""devolution counts: the devolution figures of 监督统计 (第三十三至三十五条), kept from devolution's
devolution.figures events. A new table only; it fills as devolution publishes (after devolution_0014 its
``refresh-figures`` command tells the devolutions already there). Read by hand.

Revision ID: intake_0022
Revises: intake_0021
Create Date: 2026-12-04 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'intake_0022'
down_revision: str | None = 'intake_0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('devolution_count',
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('fact', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('jurisdiction_code', 'fact', 'day', 'department')
    )


def downgrade() -> None:
    op.drop_table('devolution_count')
