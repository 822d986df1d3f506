"""feedback documents: the scans of the written feedback (第三十三条第五项)

Revision ID: devolution_0006
Revises: devolution_0005
Create Date: 2026-12-02 06:50:58.586907
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'devolution_0006'
down_revision: str | None = 'devolution_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feedback_document',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('devolution_id', sa.String(length=40), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=60), nullable=False),
    sa.Column('uploaded_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['devolution_id'], ['devolution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('devolution_id', 'department', 'role', name='uq_feedback_document')
    )
    with op.batch_alter_table('feedback_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_document_devolution_id'), ['devolution_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('feedback_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_document_devolution_id'))

    op.drop_table('feedback_document')
