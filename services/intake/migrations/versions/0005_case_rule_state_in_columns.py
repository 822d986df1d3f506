"""case rule state in columns (resume_to, extended, major, pending_decision, rounds; state → progress), and
a solicitation's reason for a reply period outside 5–10 working days

What the rules read moves out of the JSON bag ``case_record.state`` into columns of their own; what remains —
the record of what was decided on the case — is renamed ``progress`` (the name the API has always shown it
under). Written by hand: the data is moved row by row, so it runs the same on SQLite and PostgreSQL.

Revision ID: intake_0005
Revises: intake_0004
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0005"
down_revision: str | None = "intake_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: column → (key in the old JSON bag, column type, how the bag's value is read)
RULE_STATE: dict[str, tuple[str, Any, Any]] = {
    "resume_to": ("resume_to", sa.String, lambda v: str(v) if v else None),
    "extended": ("extended", sa.Boolean, bool),
    "major": ("major", sa.Boolean, bool),
    "pending_decision": ("pending_decision", sa.String, lambda v: str(v) if v else None),
    "solicitation_round": ("round", sa.Integer, lambda v: int(v or 0)),
    "approval_count": ("approval_count", sa.Integer, lambda v: int(v or 0)),
}

cases = sa.table(
    "case_record",
    sa.column("id", sa.String),
    sa.column("progress", sa.JSON),
    *(sa.column(name, kind) for name, (_key, kind, _read) in RULE_STATE.items()),
)


def upgrade() -> None:
    with op.batch_alter_table("case_record") as batch:
        batch.alter_column("state", new_column_name="progress", existing_type=sa.JSON(), existing_nullable=False)
        batch.add_column(sa.Column("resume_to", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("extended", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("major", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("pending_decision", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("solicitation_round", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("approval_count", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("solicitation") as batch:
        batch.add_column(sa.Column("reply_period_reason", sa.Text(), nullable=True))
    bind = op.get_bind()
    for row in bind.execute(sa.select(cases.c.id, cases.c.progress)).all():
        bag: dict[str, Any] = dict(row.progress or {})
        values = {name: read(bag.pop(key, None)) for name, (key, _kind, read) in RULE_STATE.items()}
        bind.execute(cases.update().where(cases.c.id == row.id).values(progress=bag, **values))


def downgrade() -> None:
    bind = op.get_bind()
    for row in bind.execute(sa.select(cases.c.id, cases.c.progress, *(cases.c[n] for n in RULE_STATE))).all():
        bag = dict(row.progress or {})
        bag.update({key: row._mapping[name] for name, (key, _kind, _read) in RULE_STATE.items()})
        bind.execute(cases.update().where(cases.c.id == row.id).values(progress=bag))
    with op.batch_alter_table("solicitation") as batch:
        batch.drop_column("reply_period_reason")
    with op.batch_alter_table("case_record") as batch:
        for name in reversed(RULE_STATE):
            batch.drop_column(name)
        batch.alter_column("progress", new_column_name="state", existing_type=sa.JSON(), existing_nullable=False)
