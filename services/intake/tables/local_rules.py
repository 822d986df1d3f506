"""The replica of each district's or county's local rules (第三十九条), kept from the deadlines service's
``local_rules.changed`` events: the jurisdiction's whole set as JSON (``shared.local_rules.LocalRules``)
and the instant it was changed, so an older set arriving late changes nothing. No row: the city's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.tables.base import Base
from shared.db import UTCDateTime


class LocalRulesReplica(Base):
    __tablename__ = "local_rules_replica"

    jurisdiction: Mapped[str] = mapped_column(String(40), primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
