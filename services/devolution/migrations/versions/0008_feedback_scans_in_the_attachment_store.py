"""feedback scans in the suite's one attachment store: the bytes of every stored scan (第三十三条第五项) are
written to the store the environment chooses (DM_S3_BUCKET, else DM_VAR_DIR/attachments — as intake's
attachments), under their SHA-256, then the column that held them is dropped. Read by hand.

Downgrade brings the bytes back from the store into the table.

Revision ID: devolution_0008
Revises: devolution_0007
Create Date: 2026-12-02 13:30:00
"""

import io
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.attachment_store import AttachmentStore

revision: str = "devolution_0008"
down_revision: str | None = "devolution_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

scans = sa.table(
    "feedback_document",
    sa.column("id", sa.String),
    sa.column("sha256", sa.String),
    sa.column("data", sa.LargeBinary),
)


def _store() -> AttachmentStore:
    from shared.attachment_store import store_for
    from shared.config import Settings

    return store_for(Settings.from_env("devolution"))


def upgrade() -> None:
    connection = op.get_bind()
    ids = connection.execute(sa.select(scans.c.id)).scalars().all()
    if ids:
        store = _store()
        for scan_id in ids:  # one row at a time: a scan may be tens of MB
            sha256, data = connection.execute(
                sa.select(scans.c.sha256, scans.c.data).where(scans.c.id == scan_id)
            ).one()
            if not store.exists(sha256):
                store.put(sha256, io.BytesIO(data))
    with op.batch_alter_table("feedback_document", schema=None) as batch_op:
        batch_op.drop_column("data")


def downgrade() -> None:
    with op.batch_alter_table("feedback_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(scans.c.id, scans.c.sha256)).all()
    if rows:
        store = _store()
        for scan_id, sha256 in rows:
            with store.open(sha256) as stream:
                connection.execute(scans.update().where(scans.c.id == scan_id).values(data=stream.read()))
    with op.batch_alter_table("feedback_document", schema=None) as batch_op:
        batch_op.alter_column("data", existing_type=sa.LargeBinary(), nullable=False)
