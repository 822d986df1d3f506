"""api credentials: what office admins issue to other systems (only a hash of the secret is kept)

Revision ID: intake_0007
Revises: intake_0006
Create Date: 2026-12-02 06:49:52.249331
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'intake_0007'
down_revision: str | None = 'intake_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_credential',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=True),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_by', sa.String(length=60), nullable=True),
    sa.Column('revoked_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_code'], ['department.code'], ),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdiction.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('api_credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_credential_jurisdiction_code'), ['jurisdiction_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('api_credential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_credential_jurisdiction_code'))

    op.drop_table('api_credential')
