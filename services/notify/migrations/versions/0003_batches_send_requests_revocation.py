"""Work notifications in batches (batch_key), send requests remembered (waiting parties, outcome reports),
revocation of deliveries.

Revision ID: notify_0003
Revises: notify_0002
Create Date: 2026-12-02 05:56:01.776360
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'notify_0003'
down_revision: str | None = 'notify_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('send_request',
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('report_to', sa.String(length=40), nullable=True),
    sa.Column('case_id', sa.String(length=80), nullable=True),
    sa.Column('jurisdiction', sa.String(length=12), nullable=False),
    sa.Column('requested_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reported_outcome', sa.String(length=20), nullable=True),
    sa.Column('reported_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dedupe_key')
    )
    with op.batch_alter_table('send_request', schema=None) as batch_op:
        batch_op.create_index('ix_send_request_case', ['case_id'], unique=False)

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('revoke_state', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_delivery_batch', ['batch_key', 'state'], unique=False)
        batch_op.create_index('ix_delivery_dedupe', ['dedupe_key'], unique=False)

    # Deliveries recorded before batches existed are each their own call, under their own key.
    op.execute(
        "UPDATE delivery SET batch_key = key WHERE channel_kind IN ('zwd_work_notification', 'webhook')"
    )


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_dedupe')
        batch_op.drop_index('ix_delivery_batch')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('revoke_state')
        batch_op.drop_column('note')
        batch_op.drop_column('batch_key')

    with op.batch_alter_table('send_request', schema=None) as batch_op:
        batch_op.drop_index('ix_send_request_case')

    op.drop_table('send_request')
