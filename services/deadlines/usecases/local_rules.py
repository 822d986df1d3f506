"""第39条: a district's or county's office sets its own reply range (第二十条), extension (第二十二条) and
reminder plan, each with its local document; every change is kept with who made it and published to intake
as the jurisdiction's whole set (``local_rules.changed``), in the same transaction (outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.deadlines.domain.reminder_plan import DEFAULT_PLAN
from services.deadlines.tables import ClockRecord, LocalPeriod, LocalSetting, LocalSettingChange
from services.deadlines.usecases import audit_log
from shared.contracts import INTAKE, LOCAL_RULES_CHANGED
from shared.errors import ValidationFailed
from shared.identity import Principal
from shared.jurisdictions import jurisdiction_name
from shared.local_rules import (
    ARTICLE,
    EXTENSION,
    KINDS,
    LABELS,
    NAMES,
    REPLY,
    LocalReminders,
    LocalRules,
    check_setting,
    from_values,
    values_of,
)
from shared.local_rules import LocalSetting as Setting
from shared.messaging import UnitOfWork

#: what a jurisdiction that sets nothing counts by: the measures' figures and the suite's default plan
CITY_FIGURES: dict[str, dict[str, int]] = {
    "reply_range": {"min_working_days": REPLY.min_length or 0, "max_working_days": REPLY.max_length or 0},
    "extension": {"working_days": EXTENSION.extension_working_days or 0},
    "reminders": {
        "due_soon_working_days_before": DEFAULT_PLAN.due_soon_working_days_before or 0,
        "overdue_every_working_days": DEFAULT_PLAN.overdue_every_working_days or 0,
        "escalate_after_overdue_working_days": DEFAULT_PLAN.escalate_after_overdue_working_days or 0,
    },
}


def current(session: Session, jurisdiction: str) -> LocalRules:
    """The jurisdiction's local rules, its local periods included (an empty set: the city's)."""
    rows = session.scalars(select(LocalSetting).where(LocalSetting.jurisdiction == jurisdiction))
    data: dict[str, Any] = {r.setting: {**r.figures, "source": r.source} for r in rows}
    periods = session.scalars(select(LocalPeriod).where(LocalPeriod.jurisdiction == jurisdiction))
    data["periods"] = {p.rule_code: {"length": p.length, "source": p.source} for p in periods}
    return LocalRules.from_json(jurisdiction, data)


def reminders(session: Session, jurisdiction: str) -> LocalReminders | None:
    """The jurisdiction's own reminder plan, if it set one: one primary-key read (the session's identity map
    serves it again to the next clock of the jurisdiction)."""
    row = session.get(LocalSetting, (jurisdiction, LocalReminders.setting))
    if row is None:
        return None
    setting = from_values(LocalReminders.setting, row.figures, row.source)
    assert isinstance(setting, LocalReminders)
    return setting


def publish(uow: UnitOfWork, jurisdiction: str, *, now: datetime) -> None:
    """Tell intake the jurisdiction's whole set after a change (outbox: in the change's transaction)."""
    uow.session.flush()
    rules = current(uow.session, jurisdiction)
    payload = {"jurisdiction": jurisdiction, "rules": rules.to_json(), "changed_at": now.isoformat()}
    uow.publish(INTAKE, LOCAL_RULES_CHANGED, payload)


def set_setting(
    uow: UnitOfWork, jurisdiction: str, setting: Setting, *, actor: Principal, now: datetime
) -> bool:
    """Set (or change) one local setting; False when nothing changed (and nothing recorded)."""
    check_setting(jurisdiction, setting)
    session, figures, source = uow.session, values_of(setting), setting.source.strip()
    by = audit_log.signed(actor)
    row = session.get(LocalSetting, (jurisdiction, setting.setting))
    if row is not None and (row.figures, row.source) == (figures, source):
        return False
    old = dict(row.figures) if row else None
    if row is None:
        row = LocalSetting(jurisdiction=jurisdiction, setting=setting.setting)
        session.add(row)
    row.figures, row.source, row.changed_by, row.changed_at = figures, source, by, now
    _record(uow, jurisdiction, setting.setting, old, figures, source, actor=actor, now=now)
    return True


def withdraw(
    uow: UnitOfWork, jurisdiction: str, code: str, source: str, *, actor: Principal, now: datetime
) -> bool:
    """Back to the city's, naming the local document that says so; False when none was set."""
    session = uow.session
    row = session.get(LocalSetting, (jurisdiction, code))
    if row is None:
        return False
    if not source.strip():
        message = f"应写明恢复执行本办法规定的本地文件名称及文号（{ARTICLE}）"
        raise ValidationFailed.for_field("source", message, code="local_rule_invalid")
    old = dict(row.figures)
    session.delete(row)
    _record(uow, jurisdiction, code, old, None, source.strip(), actor=actor, now=now)
    return True


def _record(
    uow: UnitOfWork,
    jurisdiction: str,
    code: str,
    old: dict[str, int] | None,
    new: dict[str, int] | None,
    source: str,
    *,
    actor: Principal,
    now: datetime,
) -> None:
    """Keep the change (and in the audit trail), tell intake the jurisdiction's new set, and let the sweep
    look again at every running clock of the jurisdiction when its reminder plan changed (a reminder now
    owed earlier goes out)."""
    session = uow.session
    change = LocalSettingChange(
        jurisdiction=jurisdiction,
        setting=code,
        old_figures=old,
        new_figures=new,
        source=source,
        changed_by=audit_log.signed(actor),
        changed_at=now,
    )
    session.add(change)
    uow.audit(
        audit_log.SETTING_SET if new is not None else audit_log.SETTING_WITHDRAW,
        actor=actor,
        jurisdiction=jurisdiction,
        object_type="local_setting",
        object_id=code,
        summary=f"{jurisdiction_name(jurisdiction)}将{NAMES[code]}由{_described(code, old)}改为"
        f"{_described(code, new)}；依据：{source}",
        details={"setting": code, "old": old, "new": new, "source": source},
    )
    publish(uow, jurisdiction, now=now)
    if code == LocalReminders.setting:
        session.execute(
            update(ClockRecord)
            .where(ClockRecord.jurisdiction == jurisdiction, ClockRecord.state == "running")
            .values(next_reminder_at=now)
        )


def setting_from_form(code: str, figures: dict[str, str], source: str) -> Setting:
    """A setting from what an admin typed: each figure a whole number, else ValidationFailed naming it."""
    kind = KINDS.get(code)
    if kind is None:
        return from_values(code, {}, source)  # names the unknown setting
    parsed: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for name in CITY_FIGURES[code]:
        text = (figures.get(name) or "").strip()
        if not text.isdigit():
            problems[name] = [f"请填写“{LABELS[name]}”（整数）"]
        else:
            parsed[name] = int(text)
    if problems:
        message = f"{NAMES[code]}的本地规定有误（{ARTICLE}）"
        raise ValidationFailed(message, code="local_rule_invalid", fields=problems)
    return from_values(code, parsed, source)


def overview(session: Session, jurisdiction: str) -> dict[str, Any]:
    """Each setting with the city's figures and the jurisdiction's own, and the history of changes."""
    rules = current(session, jurisdiction)
    own = {s.setting: s for s in rules.settings()}
    settings = []
    for code, kind in KINDS.items():
        mine = own.get(code)
        city = from_values(code, CITY_FIGURES[code], "")
        settings.append(
            {
                "setting": code,
                "name": kind.name,
                "article": kind.article,
                "city": city.describe(),
                "city_figures": CITY_FIGURES[code],
                "own": mine.describe() if mine else None,
                "figures": values_of(mine) if mine else None,
                "source": mine.source if mine else None,
            }
        )
    changes = session.scalars(
        select(LocalSettingChange)
        .where(LocalSettingChange.jurisdiction == jurisdiction)
        .order_by(LocalSettingChange.changed_at.desc(), LocalSettingChange.id.desc())
    ).all()
    history = [
        {
            "setting": c.setting,
            "name": NAMES.get(c.setting, c.setting),
            "old": _described(c.setting, c.old_figures),
            "new": _described(c.setting, c.new_figures),
            "source": c.source,
            "changed_by": c.changed_by,
            "changed_at": c.changed_at,
        }
        for c in changes
    ]
    return {"settings": settings, "history": history}


def _described(code: str, figures: dict[str, int] | None) -> str:
    if figures is None or code not in KINDS:
        return "默认提醒方案" if code == LocalReminders.setting else "办法规定"
    return from_values(code, figures, "").describe()
