"""case drafts: 草稿 of the new-submission forms, owned by a department. A new table only; nothing to move.
Read by hand.

Revision ID: intake_0014
Revises: intake_0013
Create Date: 2026-12-03 10:14:10.048306
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'intake_0014'
down_revision: str | None = 'intake_0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_draft',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('form_kind', sa.String(length=40), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('form_values', sa.JSON(), nullable=False),
    sa.Column('attachment_ids', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('saved_by', sa.String(length=60), nullable=False),
    sa.Column('saved_by_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('saved_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_draft', schema=None) as batch_op:
        batch_op.create_index('ix_case_draft_owner', ['jurisdiction_code', 'department_code', 'saved_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_draft', schema=None) as batch_op:
        batch_op.drop_index('ix_case_draft_owner')

    op.drop_table('case_draft')
