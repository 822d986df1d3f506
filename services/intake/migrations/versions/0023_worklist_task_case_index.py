"""worklist tasks indexed by case and state: the tasks' reconciliation reads a case's open tasks by its id
(``case_id = ? AND state = 'open'``), not by ``task_id LIKE 'intake:<case>:%'``, which under the database's
C.UTF-8 collation no index serves (every open task was read).

Revision ID: intake_0023
Revises: intake_0022
Create Date: 2026-12-04 03:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "intake_0023"
down_revision: str | None = "intake_0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("worklist_task", schema=None) as batch_op:
        batch_op.create_index("ix_worklist_task_case_open", ["case_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("worklist_task", schema=None) as batch_op:
        batch_op.drop_index("ix_worklist_task_case_open")
