"""one Idempotency-Key mechanism (shared.idempotency): resource_id for devolution_id, a body fingerprint

The key already belonged to the caller (user, key) and the endpoint was already the request's path; the
column naming what the request acted on gets the name every service uses, and the fingerprint of the
request's body is kept from now on (old rows have none and are not compared by body).

Revision ID: devolution_0005
Revises: devolution_0004
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "devolution_0005"
down_revision: str | None = "devolution_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotent_request") as batch:
        batch.alter_column(
            "devolution_id",
            new_column_name="resource_id",
            existing_type=sa.String(length=40),
            type_=sa.String(length=60),
            existing_nullable=False,
        )
        batch.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotent_request") as batch:
        batch.drop_column("fingerprint")
        batch.alter_column(
            "resource_id",
            new_column_name="devolution_id",
            existing_type=sa.String(length=60),
            type_=sa.String(length=40),
            existing_nullable=False,
        )
