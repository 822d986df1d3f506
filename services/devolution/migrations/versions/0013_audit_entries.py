"""audit entries: the append-only, hash-chained audit trail (shared.audit), as intake's (intake_0017). A new
table only, with triggers refusing UPDATE and DELETE on it (PostgreSQL and SQLite; TRUNCATE stays possible).
Read by hand.

Revision ID: devolution_0013
Revises: devolution_0012
Create Date: 2026-12-04 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db
from shared import audit

revision: str = 'devolution_0013'
down_revision: str | None = 'devolution_0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('jurisdiction', sa.String(length=20), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=120), nullable=False),
    sa.Column('actor_name', sa.String(length=120), nullable=False),
    sa.Column('actor_roles', sa.JSON(), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('jurisdiction', 'seq', name='uq_audit_entry_chain_seq')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_chain_at', ['jurisdiction', 'at'], unique=False)
    audit.run_in_migration(op, audit.append_only_triggers(op.get_bind().dialect.name))


def downgrade() -> None:
    audit.run_in_migration(op, audit.drop_append_only_triggers(op.get_bind().dialect.name))
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_chain_at')

    op.drop_table('audit_entry')
