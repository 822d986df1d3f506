"""Alembic environment of the deadlines service (its own history, its own database)."""

from alembic import context

from services.deadlines.tables import Base
from shared.migrations import run_env

run_env(Base.metadata, context.config)
