"""issued documents and their number counters (GB/T 9704 written documents, 第15–37条)

Two new tables only; nothing to move. Read by hand.

Revision ID: intake_0010
Revises: intake_0009
Create Date: 2026-12-02 13:12:07.483277
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'intake_0010'
down_revision: str | None = 'intake_0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('document_counter',
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('jurisdiction_code', 'series', 'year')
    )
    op.create_table('issued_document',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.String(length=40), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('step', sa.String(length=30), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('main_recipient', sa.String(length=300), nullable=False),
    sa.Column('docx_attachment_id', sa.String(length=60), nullable=False),
    sa.Column('pdf_attachment_id', sa.String(length=60), nullable=False),
    sa.Column('issued_by', sa.String(length=60), nullable=False),
    sa.Column('issued_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('jurisdiction_code', 'series', 'year', 'sequence')
    )
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_document_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_document_event_id'), ['event_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_document_event_id'))
        batch_op.drop_index(batch_op.f('ix_issued_document_case_id'))

    op.drop_table('issued_document')
    op.drop_table('document_counter')
