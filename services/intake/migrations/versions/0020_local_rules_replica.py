"""local rules replica: each district's or county's own rules (第三十九条), from deadlines' local_rules.changed

One new table; it fills from the events (no row: the city's rules). Read by hand.

Revision ID: intake_0020
Revises: intake_0019
Create Date: 2026-12-04 02:01:58.483288
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'intake_0020'
down_revision: str | None = 'intake_0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('local_rules_replica',
    sa.Column('jurisdiction', sa.String(length=40), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jurisdiction')
    )


def downgrade() -> None:
    op.drop_table('local_rules_replica')
