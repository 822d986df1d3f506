"""case period index for supervision (第36条: the dashboard counts a jurisdiction's cases of a period)

An index only; nothing to move. Read by hand.

Revision ID: intake_0011
Revises: intake_0010
Create Date: 2026-12-02 13:25:11.726316
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'intake_0011'
down_revision: str | None = 'intake_0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.create_index('ix_case_record_period', ['jurisdiction_code', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index('ix_case_record_period')

