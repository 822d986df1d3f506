"""The directory's tables. Intake owns the directory (jurisdictions, departments, people, roles, 浙政钉
accounts) and publishes every change to the services that keep a replica of what they need (notify,
devolution)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.intake.tables.base import Base
from shared.db import UTCDateTime, utcnow


class Jurisdiction(Base):
    """宁波市 or one of its districts and counties (区县(市), 第39条)."""

    __tablename__ = "jurisdiction"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(10))  # city | district | county
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdiction.code"), nullable=True)


class Department(Base):
    """A party or government department (市委工作机关, 市政府工作部门, other 市直部门)."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("jurisdiction_code", "name"),)

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdiction.code"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))  # party_organ | government_department | other
    function: Mapped[str | None] = mapped_column(
        String(30), nullable=True
    )  # establishment_office | organisation
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Person(Base):
    """Someone who uses the suite, with the 浙政钉 account that notifications and 免登 use."""

    __tablename__ = "person"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdiction.code"), index=True)
    department_code: Mapped[str | None] = mapped_column(
        ForeignKey("department.code"), nullable=True, index=True
    )
    title: Mapped[str | None] = mapped_column(String(40), nullable=True)
    zwd_account_id: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department | None] = relationship(lazy="joined")
