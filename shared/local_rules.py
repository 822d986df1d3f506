"""本地规定 — a district's or county's own rules where it adopts the measures (第三十九条: 区县（市）可以参照
本办法，结合本地实际提出相应的部门职责管理措施), each with the local document that sets it; the city's (the
measures' own, :data:`shared.measures.RULES`) wherever it sets none.

Three settings beyond the fixed-length periods (which the deadlines service keeps as local periods):

- the usual range of a written solicitation's reply period (第二十条: 一般不少于5个工作日，不超过10个工作日);
- the length of the one extension of the coordination opinion's period (第二十二条: 可以延长30个工作日);
- the reminder plan: how many working days before the due date the party is reminded, how often after it,
  and after how many overdue working days the next level of leadership is told.

The deadlines service owns them and publishes the jurisdiction's whole set, its local periods included
(:class:`LocalRules`, as JSON), as ``local_rules.changed`` on every change; intake keeps a replica and checks
and words its steps by it. Pure data and pure functions: any domain may import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from shared.errors import ValidationFailed
from shared.measures import RULES, Rule

CITY = "330200"
ARTICLE = "第三十九条"
#: a year of working days: no local period of the measures comes near it
MAX_LOCAL_WORKING_DAYS = 250
INVALID = "local_rule_invalid"

REPLY = RULES["written_reply"]
EXTENSION = RULES["coordination_opinion"]

LABELS = {
    "min_working_days": "答复期限下限（工作日）",
    "max_working_days": "答复期限上限（工作日）",
    "working_days": "延长期限（工作日）",
    "due_soon_working_days_before": "到期前几个工作日提醒",
    "overdue_every_working_days": "逾期后每隔几个工作日提醒",
    "escalate_after_overdue_working_days": "逾期几个工作日后报上一级领导",
    "source": "依据的本地文件（名称及文号）",
}


@dataclass(frozen=True, kw_only=True)
class ReplyRange:
    """第二十条 as a jurisdiction sets it: the usual range of a solicitation's reply period."""

    min_working_days: int
    max_working_days: int
    source: str

    setting = "reply_range"
    name = "书面征求意见答复期限"
    article = REPLY.article_label

    def describe(self) -> str:
        return f"{self.min_working_days}至{self.max_working_days}个工作日"


@dataclass(frozen=True, kw_only=True)
class ExtensionLength:
    """第二十二条 as a jurisdiction sets it: how long the one extension of the coordination period is."""

    working_days: int
    source: str

    setting = "extension"
    name = "协调意见延长期限"
    article = EXTENSION.article_label

    def describe(self) -> str:
        return f"可延长一次{self.working_days}个工作日"


@dataclass(frozen=True, kw_only=True)
class LocalReminders:
    """A jurisdiction's reminder plan, in working days (the measures set none: the suite's default plan is
    2 before, every 2 after, escalated after 3)."""

    due_soon_working_days_before: int
    overdue_every_working_days: int
    escalate_after_overdue_working_days: int
    source: str

    setting = "reminders"
    name = "期限提醒方案"
    article = ARTICLE

    def describe(self) -> str:
        return (
            f"到期前{self.due_soon_working_days_before}个工作日提醒，逾期后每{self.overdue_every_working_days}"
            f"个工作日提醒，逾期{self.escalate_after_overdue_working_days}个工作日报上一级领导"
        )


LocalSetting = ReplyRange | ExtensionLength | LocalReminders
KINDS: Mapping[str, type[ReplyRange] | type[ExtensionLength] | type[LocalReminders]] = {
    kind.setting: kind for kind in (ReplyRange, ExtensionLength, LocalReminders)
}
NAMES = {code: kind.name for code, kind in KINDS.items()}


def values_of(setting: LocalSetting) -> dict[str, int]:
    """The setting's figures (everything but its source), as stored and sent."""
    return {f.name: getattr(setting, f.name) for f in fields(setting) if f.name != "source"}


def from_values(code: str, values: Mapping[str, Any], source: str) -> LocalSetting:
    """The setting ``code`` from its figures; ValidationFailed naming the setting or a missing figure."""
    kind = KINDS.get(code)
    if kind is None:
        known = "、".join(NAMES.values())
        raise ValidationFailed.for_field("setting", f"没有这项本地规定，可设定：{known}", code=INVALID)
    figures = {f.name: values.get(f.name) for f in fields(kind) if f.name != "source"}
    return kind(**figures, source=source)  # type: ignore[arg-type]


def check_setting(jurisdiction: str, setting: LocalSetting) -> None:
    """A district's or county's setting: whole working days from 1 to a year's, a range whose lower end is
    not above its upper, and the local document that sets it. Every wrong field is named, in Chinese."""
    problems: dict[str, list[str]] = {}
    if jurisdiction == CITY:
        problems["jurisdiction"] = [
            f"市级执行本办法的规定，不在此调整；区县（市）可结合本地实际另行规定（{ARTICLE}）"
        ]
    for name, value in values_of(setting).items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LOCAL_WORKING_DAYS:
            problems[name] = [f"“{LABELS[name]}”应为 1 至 {MAX_LOCAL_WORKING_DAYS} 之间的整数"]
    bounds_valid = not problems.keys() & {"min_working_days", "max_working_days"}
    if (
        isinstance(setting, ReplyRange)
        and bounds_valid
        and setting.min_working_days > setting.max_working_days
    ):
        problems["max_working_days"] = [f"“{LABELS['max_working_days']}”不能小于下限"]
    if not setting.source.strip():
        problems["source"] = [f"应写明规定这一事项的本地文件名称及文号（{ARTICLE}）"]
    if problems:
        raise ValidationFailed(f"{setting.name}的本地规定有误（{ARTICLE}）", code=INVALID, fields=problems)


@dataclass(frozen=True, kw_only=True)
class LocalLength:
    """A jurisdiction's own length of one of the measures' fixed working-day periods (the deadlines service's
    local periods: 备案意见, 受理决定, 协调意见, 下放审核论证)."""

    length: int
    source: str


@dataclass(frozen=True)
class LocalRules:
    """One jurisdiction's whole set of local rules (None: the measures' own), as published and replicated."""

    jurisdiction: str
    reply_range: ReplyRange | None = None
    extension: ExtensionLength | None = None
    reminders: LocalReminders | None = None
    periods: Mapping[str, LocalLength] = field(default_factory=dict)

    def written_reply(self) -> Rule:
        """第二十条 as this jurisdiction counts it."""
        return self.rule(REPLY)

    def coordination_opinion(self) -> Rule:
        """第二十二条 as this jurisdiction counts it (its own period and extension)."""
        return self.rule(EXTENSION)

    def rule(self, rule: Rule) -> Rule:
        """``rule`` with this jurisdiction's own length, range or extension applied where it set one."""
        own = self.periods.get(rule.code)
        if own is not None:
            rule = rule.with_length(own.length, source=own.source)
        if rule.code == REPLY.code and self.reply_range is not None:
            r = self.reply_range
            return rule.within(r.min_working_days, r.max_working_days, source=r.source)
        if rule.code == EXTENSION.code and self.extension is not None:
            return rule.extended_by(self.extension.working_days, source=self.extension.source)
        return rule

    @property
    def extension_working_days(self) -> int:
        """How long the one extension of 第二十二条 is here."""
        return self.coordination_opinion().extension_working_days or 0

    def settings(self) -> tuple[LocalSetting, ...]:
        return tuple(s for s in (self.reply_range, self.extension, self.reminders) if s is not None)

    def to_json(self) -> dict[str, Any]:
        """The ``local_rules.changed`` payload's ``rules``: ``{setting: {**figures, "source"}}`` and, where
        it set any, ``periods: {rule code: {length, source}}``."""
        data: dict[str, Any] = {s.setting: {**values_of(s), "source": s.source} for s in self.settings()}
        if self.periods:
            periods = self.periods.items()
            data["periods"] = {code: {"length": p.length, "source": p.source} for code, p in periods}
        return data

    @classmethod
    def from_json(cls, jurisdiction: str, data: Mapping[str, Any] | None) -> LocalRules:
        """From a payload or a replica; a setting this code does not know is left out."""
        found: dict[str, LocalSetting] = {}
        for code, raw in (data or {}).items():
            if code in KINDS and isinstance(raw, Mapping):
                found[code] = from_values(code, raw, str(raw.get("source") or ""))
        periods = {
            code: LocalLength(length=int(raw["length"]), source=str(raw.get("source") or ""))
            for code, raw in ((data or {}).get("periods") or {}).items()
            if code in RULES and isinstance(raw, Mapping) and isinstance(raw.get("length"), int)
        }
        return cls(jurisdiction, **found, periods=periods)  # type: ignore[arg-type]
