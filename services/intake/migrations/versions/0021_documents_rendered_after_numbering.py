"""issued documents are numbered first and rendered after (书面, GB/T 9704-2012): the words as numbered
(content), a state (pending / issued / failed), the tries, the last error and when to try again, when the
files were rendered; the files' attachment ids may wait for the rendering. Rows issued so far were rendered
in their issuing transaction: the server defaults make them (and rows the code still running inserts)
"issued" after one try; rendered_at is backfilled from issued_at. Read by hand.

Revision ID: intake_0021
Revises: intake_0020
Create Date: 2026-12-04 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "intake_0021"
down_revision: str | None = "intake_0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("state", sa.String(length=20), server_default="issued", nullable=False))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("retry_at", shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rendered_at", shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column("docx_attachment_id", existing_type=sa.String(length=60), nullable=True)
        batch_op.alter_column("pdf_attachment_id", existing_type=sa.String(length=60), nullable=True)
        batch_op.create_index(batch_op.f("ix_issued_document_state"), ["state"], unique=False)
    op.execute("UPDATE issued_document SET rendered_at = issued_at")


def downgrade() -> None:
    # Documents still waiting for their files cannot be kept by the old code, which has no state: refuse
    # rather than drop numbered documents.
    waiting = op.get_bind().scalar(sa.text("SELECT count(*) FROM issued_document WHERE state <> 'issued'"))
    if waiting:
        raise RuntimeError(f"{waiting} issued document(s) not rendered yet: render them before downgrading")
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_document_state"))
        batch_op.alter_column("pdf_attachment_id", existing_type=sa.String(length=60), nullable=False)
        batch_op.alter_column("docx_attachment_id", existing_type=sa.String(length=60), nullable=False)
        batch_op.drop_column("rendered_at")
        batch_op.drop_column("retry_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("state")
        batch_op.drop_column("content")
