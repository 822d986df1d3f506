"""After formal issuance (第三十五条): the handover checklist and the half-year operation reports.

"下放职责事项运行半年后，职责承接部门要向职责下放部门专项报告": the half-year operation report
(半年运行情况报告) is accepted once half a year of operation has passed since formal issuance, i.e. on or
after the same day-number six calendar months after the document date (:func:`half_year_date`). Before that a
receiving department may still report, but only as an interim report (中期报告) it marks as such; an interim
report is kept beside the half-year one and does not count for 第三十五条: that report stays due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.devolution.domain.application import SupportKind, SupportMeasure
from shared.errors import Conflict, ValidationFailed
from shared.measures import RULES, months_after

#: the rule of 第三十五条 (shared.measures): how many months the devolved duty runs before the report
HALF_YEAR_RULE = RULES["operation_report"]
if HALF_YEAR_RULE.length is None:  # pragma: no cover - the table is data; a month count is required
    raise RuntimeError("shared.measures: operation_report needs its length in months")
HALF_YEAR_MONTHS: int = HALF_YEAR_RULE.length


class HandoverKind(StrEnum):
    """What the devolving department hands over (第三十五条: 人员、经费、场地, 工作指导, 业务培训)."""

    PERSONNEL = "personnel"
    FUNDS = "funds"
    PREMISES = "premises"
    GUIDANCE = "guidance"
    TRAINING = "training"


HANDOVER_NAMES = {
    HandoverKind.PERSONNEL: "人员划转",
    HandoverKind.FUNDS: "经费保障",
    HandoverKind.PREMISES: "场地保障",
    HandoverKind.GUIDANCE: "工作指导",
    HandoverKind.TRAINING: "业务培训",
}

_PROMISED_BY = {
    HandoverKind.PERSONNEL: SupportKind.PERSONNEL,
    HandoverKind.FUNDS: SupportKind.FUNDS,
    HandoverKind.GUIDANCE: SupportKind.GUIDANCE,
    HandoverKind.TRAINING: SupportKind.TRAINING,
}


@dataclass(frozen=True)
class HandoverItem:
    kind: HandoverKind
    due_date: date | None
    done_on: date | None = None

    def overdue_on(self, today: date) -> bool:
        return self.done_on is None and self.due_date is not None and self.due_date < today


def initial_handover(measures: Iterable[SupportMeasure]) -> dict[HandoverKind, date | None]:
    """Each checklist item, due when the application promised the matching support (premises: set later)."""
    measures = list(measures)
    due: dict[HandoverKind, date | None] = {}
    for kind in HandoverKind:
        promised = _PROMISED_BY.get(kind)
        dates = [m.due_date for m in measures if m.kind == promised and m.due_date and not m.not_applicable]
        due[kind] = max(dates) if dates else None
    return due


def items_to_remind(
    items: Iterable[HandoverItem], today: date, reminded: Mapping[HandoverKind, date]
) -> list[HandoverItem]:
    """Overdue items not yet reminded for their current due date (a moved date earns a fresh reminder)."""
    return [i for i in items if i.overdue_on(today) and reminded.get(i.kind) != i.due_date]


class ReportState(StrEnum):
    AWAITING = "awaiting"  # 待报告
    SUBMITTED = "submitted"  # 已报告，待下放部门确认
    ACKNOWLEDGED = "acknowledged"  # 下放部门已确认


REPORT_STATE_NAMES = {
    ReportState.AWAITING: "待报告",
    ReportState.SUBMITTED: "已报告，待确认",
    ReportState.ACKNOWLEDGED: "已确认",
}


@dataclass(frozen=True)
class OperationReport:
    """承接事项运行情况专项报告: effects on service to the public and enterprises, and problems found."""

    public_service_effects: str
    enterprise_service_effects: str
    problems_found: str
    efficiency_effects: str = ""
    suggestions: str = ""


def validate_report(report: OperationReport) -> None:
    fields = {}
    if not report.public_service_effects.strip():
        fields["public_service_effects"] = ["须写明承接事项在便民服务方面的实效（第三十五条）"]
    if not report.enterprise_service_effects.strip():
        fields["enterprise_service_effects"] = ["须写明承接事项在利企服务方面的实效（第三十五条）"]
    if not report.problems_found.strip():
        fields["problems_found"] = ["须写明运行中发现的问题，没有的写明“未发现问题”"]
    if fields:
        raise ValidationFailed(
            "运行情况专项报告内容不完整",
            code="report_incomplete",
            fields={k: list(v) for k, v in fields.items()},
        )


class ReportKind(StrEnum):
    """What a receiving department sends: the report of 第三十五条, or an earlier one marked interim."""

    HALF_YEAR = "half_year"
    INTERIM = "interim"


REPORT_KIND_NAMES = {
    ReportKind.HALF_YEAR: "半年运行情况报告",
    ReportKind.INTERIM: "中期报告",
}


def half_year_date(issued_on: date) -> date:
    """The first day the half-year report is accepted: half a year (the rule's months) after issuance, the
    month's last day where it has no such day (31 August → 28 or 29 February)."""
    return months_after(issued_on, HALF_YEAR_MONTHS)


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def check_report_timing(issued_on: date, today: date, *, interim: bool) -> None:
    """第三十五条: the half-year report only after half a year of operation; an interim one only before.

    Raises ValidationFailed on the field ``interim`` (the sender's mark) naming the date from which the
    half-year report can be sent.
    """
    due = half_year_date(issued_on)
    if not interim and today < due:
        message = (
            f"下放职责事项运行半年后方可报送半年运行情况报告（{HALF_YEAR_RULE.article_label}）："
            f"本事项于{_cn(issued_on)}正式下放，自{_cn(due)}起可以报送；"
            f"此前报送的，请勾选“中期报告”，作为中期报告报送"
        )
        raise ValidationFailed(
            f"尚未运行满半年，不能报送半年运行情况报告（自{_cn(due)}起可以报送）",
            code="report_before_half_year",
            fields={"interim": [message]},
        )
    if interim and today >= due:
        message = (
            f"本事项已于{_cn(due)}运行满半年，请直接报送半年运行情况报告（{HALF_YEAR_RULE.article_label}），"
            "不再作为中期报告报送"
        )
        raise ValidationFailed(message, code="interim_after_half_year", fields={"interim": [message]})


def validate_submission(report: OperationReport, issued_on: date, today: date, *, interim: bool) -> None:
    """Everything wrong with a report at once: its timing (:func:`check_report_timing`, whose code wins)
    and its content (:func:`validate_report`)."""
    refusals: list[ValidationFailed] = []
    checks = (lambda: check_report_timing(issued_on, today, interim=interim), lambda: validate_report(report))
    for check in checks:
        try:
            check()
        except ValidationFailed as refused:
            refusals.append(refused)
    if not refusals:
        return
    first = refusals[0]
    fields = {name: messages for refused in refusals for name, messages in refused.fields.items()}
    raise ValidationFailed(first.detail, code=first.code, fields=fields)


def next_report_state(current: ReportState, wanted: ReportState) -> ReportState:
    """awaiting → submitted → acknowledged, nothing else."""
    allowed = {ReportState.AWAITING: ReportState.SUBMITTED, ReportState.SUBMITTED: ReportState.ACKNOWLEDGED}
    if allowed.get(current) != wanted:
        raise Conflict(
            f"专项报告当前为“{REPORT_STATE_NAMES[current]}”，不能改为“{REPORT_STATE_NAMES[wanted]}”",
            code="report_illegal_transition",
        )
    return wanted
