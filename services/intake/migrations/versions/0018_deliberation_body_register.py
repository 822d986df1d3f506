"""deliberation bodies' register (第29条): a table of its own, backfilled from the divisions filed so far —
one body per jurisdiction and name, its lead unit and member units as the latest filing states them, that
filing as the current one. Read and written by hand.

Revision ID: intake_0018
Revises: intake_0017
Create Date: 2026-12-03 11:45:00
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "intake_0018"
down_revision: str | None = "intake_0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(value: object) -> datetime:
    """A timestamp as the raw query gives it (a string on SQLite), as an aware datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def upgrade() -> None:
    op.create_table(
        "deliberation_body",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lead_department", sa.String(length=40), nullable=False),
        sa.Column("member_departments", sa.JSON(), nullable=False),
        sa.Column("established_by", sa.Text(), nullable=True),
        sa.Column("current_case_id", sa.String(length=40), nullable=True),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.Column("registered_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("jurisdiction_code", "name", name="uq_deliberation_body_name"),
    )
    connection = op.get_bind()
    filings = connection.execute(
        sa.text(
            "SELECT id, jurisdiction_code, applicant_department, content, created_at FROM case_record"
            " WHERE kind = 'deliberation' ORDER BY created_at"
        )
    ).all()
    bodies: dict[tuple[str, str], dict] = {}
    for case_id, jurisdiction, lead, content, created in filings:
        data = json.loads(content) if isinstance(content, str) else dict(content or {})
        name = str(data.get("body_name") or "").strip()
        if not name:
            continue
        key = (jurisdiction, name)
        first = bodies.get(key, {}).get("registered_at", _instant(created))
        bodies[key] = {
            "id": bodies.get(key, {}).get("id", f"db-{uuid.uuid4().hex[:12]}"),
            "jurisdiction_code": jurisdiction,
            "name": name,
            "lead_department": lead or "",
            "member_departments": [m.get("department") for m in data.get("members", []) if m.get("department")],
            "current_case_id": case_id,
            "registered_at": first,
        }
    table = sa.table(
        "deliberation_body",
        sa.column("id"),
        sa.column("jurisdiction_code"),
        sa.column("name"),
        sa.column("lead_department"),
        sa.column("member_departments", sa.JSON()),
        sa.column("established_by"),
        sa.column("current_case_id"),
        sa.column("registered_by"),
        sa.column("registered_at", shared.db.UTCDateTime(timezone=True)),
        sa.column("updated_at", shared.db.UTCDateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    rows = [
        {**b, "established_by": None, "registered_by": "牵头单位抄送时登记", "updated_at": now}
        for b in bodies.values()
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("deliberation_body")
