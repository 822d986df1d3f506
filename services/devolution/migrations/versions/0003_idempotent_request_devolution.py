"""idempotent requests point at the devolution they acted on

The key is now written in the same transaction as the submission it guards, and a repeat is answered with
the devolution's current view instead of a stored response body. Earlier rows (stored bodies, no devolution
id) cannot be carried over portably, so they are dropped: a repeat of such an old request is simply refused
by the state machine (409) instead of replayed.

Revision ID: devolution_0003
Revises: devolution_0002
Create Date: 2026-11-28 15:33:19.965061
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "devolution_0003"
down_revision: str | None = "devolution_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM idempotent_request")
    with op.batch_alter_table("idempotent_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("devolution_id", sa.String(length=40), nullable=False))
        batch_op.drop_column("status")
        batch_op.drop_column("body")


def downgrade() -> None:
    op.execute("DELETE FROM idempotent_request")
    with op.batch_alter_table("idempotent_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column("status", sa.Integer(), nullable=False))
        batch_op.drop_column("devolution_id")
