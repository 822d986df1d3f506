"""written documents retried with backoff (第三十四条, shared.documents.rendering): when the sweep tries a
failed rendering again (retry_at, nullable: the code still running ignores it). Letters that failed before
are due at once — retry_at from the time they were numbered — and go on from there with the doubling backoff;
nothing else to move. Read by hand.

Revision ID: devolution_0015
Revises: devolution_0014
Create Date: 2026-12-04 18:15:19
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "devolution_0015"
down_revision: str | None = "devolution_0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_at", shared.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE issued_document SET retry_at = created_at WHERE state = 'failed'")


def downgrade() -> None:
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.drop_column("retry_at")
