"""The devolution figures' read model (第三十三至三十五条 on 监督统计): counters per jurisdiction, devolving
department (下放部门), fact and day, kept from devolution's ``devolution.figures`` events
(``shared.devolution_figures``), so the dashboard sums a bounded number of rows however many devolutions
there are. Intake never reads devolution's database: what it knows of devolutions is what it was told.

Each event adds −1 per fact removed and +1 per fact added, in key order; deltas commute, so events applied
out of order end in the same counts, and the inbox applies each event once. A counter back at 0 is deleted:
the facts judged against today (a report awaited, support not in place) then leave no rows behind as they
are settled, and the sum over them stays as small as what is still open.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, String, Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.intake.tables.base import Base

Key = tuple[str, str, date, str]  # jurisdiction, fact, day, department


class DevolutionCount(Base):
    __tablename__ = "devolution_count"

    jurisdiction_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    fact: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    department: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


TABLE: Table = DevolutionCount.__table__  # type: ignore[assignment]


def deltas(payload: dict[str, Any]) -> Counter[Key]:
    """The counters one ``devolution.figures`` event moves."""
    where = (str(payload["jurisdiction"]), str(payload["department"]))
    moved: Counter[Key] = Counter()
    for sign, facts in ((-1, payload.get("removed") or []), (1, payload.get("added") or [])):
        for fact in facts:
            moved[(where[0], str(fact["fact"]), date.fromisoformat(fact["day"]), where[1])] += sign
    return moved


def apply(session: Session, moved: Counter[Key]) -> None:
    """Add each delta to its counter (insert or update) in key order; a counter back at 0 goes."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    touched = sorted(k for k, v in moved.items() if v)
    for key in touched:
        jurisdiction, fact, day, department = key
        statement = insert(TABLE).values(
            jurisdiction_code=jurisdiction, fact=fact, day=day, department=department, n=moved[key]
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["jurisdiction_code", "fact", "day", "department"],
                set_={"n": TABLE.c.n + statement.excluded.n},
            )
        )
    for jurisdiction, fact, day, department in touched:
        session.execute(
            delete(TABLE).where(
                TABLE.c.jurisdiction_code == jurisdiction,
                TABLE.c.fact == fact,
                TABLE.c.day == day,
                TABLE.c.department == department,
                TABLE.c.n == 0,
            )
        )
