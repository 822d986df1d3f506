"""worklist tasks remember whether they were closed after their statutory date (closed_late), and an index
by jurisdiction, case kind, step and due date: the supervision dashboard's devolution figures (第三十四条
审核论证 on time or late, 第三十五条 half-year reports due, late, received) are counted from it. Backfilled
for the tasks closed so far.

Revision ID: intake_0019
Revises: intake_0018
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0019"
down_revision: str | None = "intake_0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _day(value: object) -> date:
    from shared.localtime import local_date

    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return local_date(moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC")))


def _date(value: object) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def upgrade() -> None:
    with op.batch_alter_table("worklist_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_late", sa.Boolean(), nullable=True))
        batch_op.create_index(
            "ix_worklist_task_case_step", ["case_jurisdiction", "case_kind", "step", "due_date"], unique=False
        )
    bind = op.get_bind()
    task = sa.table(
        "worklist_task",
        sa.column("task_id", sa.String),
        sa.column("due_date", sa.Date),
        sa.column("closed_at", sa.DateTime),
        sa.column("closed_late", sa.Boolean),
    )
    rows = bind.execute(
        sa.text(
            "SELECT task_id, due_date, closed_at FROM worklist_task "
            "WHERE state = 'closed' AND closed_at IS NOT NULL"
        )
    ).all()
    for task_id, due, closed in rows:
        late = due is not None and _day(closed) > _date(due)
        bind.execute(sa.update(task).where(task.c.task_id == task_id).values(closed_late=late))


def downgrade() -> None:
    with op.batch_alter_table("worklist_task", schema=None) as batch_op:
        batch_op.drop_index("ix_worklist_task_case_step")
        batch_op.drop_column("closed_late")
