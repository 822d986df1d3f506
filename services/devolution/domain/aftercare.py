"""After formal issuance (第三十五条): the handover checklist and the half-year operation reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.devolution.domain.application import SupportKind, SupportMeasure
from shared.errors import Conflict, ValidationFailed


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


def next_report_state(current: ReportState, wanted: ReportState) -> ReportState:
    """awaiting → submitted → acknowledged, nothing else."""
    allowed = {ReportState.AWAITING: ReportState.SUBMITTED, ReportState.SUBMITTED: ReportState.ACKNOWLEDGED}
    if allowed.get(current) != wanted:
        raise Conflict(
            f"专项报告当前为“{REPORT_STATE_NAMES[current]}”，不能改为“{REPORT_STATE_NAMES[wanted]}”",
            code="report_illegal_transition",
        )
    return wanted
