"""第39条: a district's or county's office sets the periods it adopts (each with its local document); every
clock of that jurisdiction started afterwards counts by them; every change is kept with who made it, and
intake is told the jurisdiction's whole set of local rules (``local_rules.changed``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.deadlines.domain import local_periods as rules
from services.deadlines.domain.local_periods import LocalPeriod
from services.deadlines.domain.rules import RULES, Rule
from services.deadlines.tables import LocalPeriod as LocalPeriodRow
from services.deadlines.tables import LocalPeriodChange
from services.deadlines.usecases import audit_log, local_rules
from shared.errors import ValidationFailed
from shared.identity import Principal
from shared.jurisdictions import jurisdiction_name
from shared.messaging import UnitOfWork


def local_rule(session: Session, jurisdiction: str, rule_code: str) -> Rule | None:
    """The rule as ``jurisdiction`` counts it, if it set its own period, reply range or extension for it
    (None: the city's)."""
    rule = RULES.get(rule_code)
    if rule is None:
        return None
    counted = local_rules.current(session, jurisdiction).rule(rule)
    return None if counted is rule else counted


def overview(session: Session, jurisdiction: str) -> dict[str, Any]:
    """Each adoptable rule with the city's period and the jurisdiction's own, and the history of changes."""
    rows = {
        r.rule_code: r
        for r in session.scalars(select(LocalPeriodRow).where(LocalPeriodRow.jurisdiction == jurisdiction))
    }
    periods = []
    for rule in rules.ADOPTABLE:
        row = rows.get(rule.code)
        periods.append(
            {
                "rule": rule.code,
                "name": rule.name,
                "article": rule.article_label,
                "city_length": rule.length,
                "length": row.length if row else None,
                "source": row.source if row else None,
                "changed_by": row.changed_by if row else None,
                "changed_at": row.changed_at if row else None,
            }
        )
    changes = session.scalars(
        select(LocalPeriodChange)
        .where(LocalPeriodChange.jurisdiction == jurisdiction)
        .order_by(LocalPeriodChange.changed_at.desc(), LocalPeriodChange.id.desc())
    ).all()
    history = [
        {
            "rule": c.rule_code,
            "name": RULES[c.rule_code].name if c.rule_code in RULES else c.rule_code,
            "old_length": c.old_length,
            "new_length": c.new_length,
            "source": c.source,
            "changed_by": c.changed_by,
            "changed_at": c.changed_at,
        }
        for c in changes
    ]
    return {"periods": periods, "history": history}


def set_period(
    uow: UnitOfWork, jurisdiction: str, period: LocalPeriod, *, actor: Principal, now: datetime
) -> bool:
    """Set (or change) the jurisdiction's own period; False when nothing changed (and nothing recorded)."""
    rules.check_local_period(jurisdiction, period)
    session, by = uow.session, audit_log.signed(actor)
    source = period.source.strip()
    row = session.get(LocalPeriodRow, (jurisdiction, period.rule_code))
    old_length = row.length if row else None
    if row is not None and (row.length, row.source) == (period.length, source):
        return False
    if row is None:
        row = LocalPeriodRow(jurisdiction=jurisdiction, rule_code=period.rule_code)
        session.add(row)
    row.length, row.source, row.changed_by, row.changed_at = period.length, source, by, now
    session.add(
        LocalPeriodChange(
            jurisdiction=jurisdiction,
            rule_code=period.rule_code,
            old_length=old_length,
            new_length=period.length,
            source=source,
            changed_by=by,
            changed_at=now,
        )
    )
    rule = RULES[period.rule_code]
    was = f"原为{old_length}个工作日" if old_length is not None else f"办法规定{rule.length}个工作日"
    uow.audit(
        audit_log.PERIOD_SET,
        actor=actor,
        jurisdiction=jurisdiction,
        object_type="local_period",
        object_id=period.rule_code,
        summary=(
            f"{jurisdiction_name(jurisdiction)}将{rule.name}（{rule.article_label}）期限设为"
            f"{period.length}个工作日（{was}）；依据：{source}"
        ),
        details={
            "rule": period.rule_code,
            "old_length": old_length,
            "new_length": period.length,
            "source": source,
        },
    )
    local_rules.publish(uow, jurisdiction, now=now)  # intake's texts print the jurisdiction's periods
    return True


def withdraw_period(
    uow: UnitOfWork, jurisdiction: str, rule_code: str, source: str, *, actor: Principal, now: datetime
) -> bool:
    """Back to the city's period, naming the local document that says so; False when none was set."""
    session, by = uow.session, audit_log.signed(actor)
    row = session.get(LocalPeriodRow, (jurisdiction, rule_code))
    if row is None:
        return False
    if not source.strip():
        raise ValidationFailed.for_field(
            "source", "应写明恢复执行本办法期限的本地文件名称及文号（第三十九条）"
        )
    session.add(
        LocalPeriodChange(
            jurisdiction=jurisdiction,
            rule_code=rule_code,
            old_length=row.length,
            new_length=None,
            source=source.strip(),
            changed_by=by,
            changed_at=now,
        )
    )
    rule = RULES.get(rule_code)
    uow.audit(
        audit_log.PERIOD_WITHDRAW,
        actor=actor,
        jurisdiction=jurisdiction,
        object_type="local_period",
        object_id=rule_code,
        summary=(
            f"{jurisdiction_name(jurisdiction)}的{rule.name if rule else rule_code}恢复执行办法规定的期限"
            f"（原为{row.length}个工作日）；依据：{source.strip()}"
        ),
        details={"rule": rule_code, "old_length": row.length, "new_length": None, "source": source.strip()},
    )
    session.delete(row)
    local_rules.publish(uow, jurisdiction, now=now)  # intake's texts print the jurisdiction's periods
    return True
