"""one Idempotency-Key mechanism (shared.idempotency): a key per caller, the endpoint and body it was used for

The old table kept a row per (user, key, endpoint) with the key cut to 120 characters. The new one keys on
(user, key) — the same key on another endpoint is now refused, as devolution always did — and keeps the
request's path and a fingerprint of its body. Written by hand: the earliest row of each (user, key) is
carried over, its endpoint label turned into the path it stood for; old rows have no fingerprint (a repeat
of them is not compared by body).

Revision ID: intake_0006
Revises: intake_0005
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "intake_0006"
down_revision: str | None = "intake_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATHS = {
    "filings": "/api/v1/cases/filings",
    "applications": "/api/v1/cases/coordination-applications",
    "office-opened": "/api/v1/cases/office-opened",
    "reflections": "/api/v1/cases/reflections",
    "rectifications": "/api/v1/cases/rectifications",
}

old = sa.table(
    "idempotent_request",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.String),
    sa.column("key", sa.String),
    sa.column("endpoint", sa.String),
    sa.column("response", sa.JSON),
    sa.column("created_at", shared.db.UTCDateTime()),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(old).order_by(old.c.id)).all()  # a few rows: kept in memory meanwhile
    op.drop_table("idempotent_request")
    new = op.create_table(
        "idempotent_request",
        sa.Column("user_id", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("endpoint", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("resource_id", sa.String(length=60), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key"),
    )
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if (row.user_id, row.key) in seen or not (row.response or {}).get("case_id"):
            continue
        seen.add((row.user_id, row.key))
        bind.execute(
            new.insert().values(
                user_id=row.user_id,
                key=row.key,
                endpoint=PATHS.get(row.endpoint, row.endpoint),
                fingerprint=None,
                resource_id=str(row.response["case_id"]),
                created_at=row.created_at,
            )
        )


def downgrade() -> None:
    labels = {path: label for label, path in PATHS.items()}
    current = sa.table(
        "idempotent_request",
        sa.column("user_id", sa.String),
        sa.column("key", sa.String),
        sa.column("endpoint", sa.String),
        sa.column("resource_id", sa.String),
        sa.column("created_at", shared.db.UTCDateTime()),
    )
    rows = op.get_bind().execute(sa.select(current)).all()
    op.drop_table("idempotent_request")
    previous = op.create_table(
        "idempotent_request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("endpoint", sa.String(length=120), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "key", "endpoint"),
    )
    for row in rows:
        op.get_bind().execute(
            previous.insert().values(
                user_id=row.user_id,
                key=row.key,
                endpoint=labels.get(row.endpoint, row.endpoint)[:120],
                status_code=201,
                response={"case_id": row.resource_id},
                created_at=row.created_at,
            )
        )
