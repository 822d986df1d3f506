"""written documents (第三十四条 暂不具备下放条件书面告知, GB/T 9704-2012) and devolution's own number counter
(甬编办下放函). New tables only, no data to move. Read by hand.

Revision ID: devolution_0012
Revises: devolution_0011
Create Date: 2026-12-03 11:36:54.955998
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'devolution_0012'
down_revision: str | None = 'devolution_0011'
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
    sa.Column('devolution_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=12), nullable=False),
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('main_recipient', sa.String(length=300), nullable=False),
    sa.Column('dated', sa.Date(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('docx_sha256', sa.String(length=64), nullable=True),
    sa.Column('docx_size', sa.Integer(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('pdf_size', sa.Integer(), nullable=True),
    sa.Column('issued_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rendered_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['devolution_id'], ['devolution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('devolution_id', 'kind', name='uq_issued_document_kind'),
    sa.UniqueConstraint('jurisdiction_code', 'series', 'year', 'sequence', name='uq_issued_document_number')
    )
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_document_devolution_id'), ['devolution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_document_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_document_state'))
        batch_op.drop_index(batch_op.f('ix_issued_document_devolution_id'))

    op.drop_table('issued_document')
    op.drop_table('document_counter')
