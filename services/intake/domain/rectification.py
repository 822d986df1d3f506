"""限期纠正 (第37条): the office finds a department failing its duties and orders correction by a date; the
department reports, the office confirms or sends it back, and what is not corrected goes to supervision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from services.intake.domain import commands as c
from services.intake.domain.procedure import (
    OVERDUE,
    Kind,
    Opening,
    Procedure,
    Status,
    Transition,
    applicant,
    office,
    office_decider,
    system,
)
from services.intake.domain.rules import fail_if_any

# --- commands ---


@dataclass(frozen=True)
class OrderRectification(c.CaseCommand):
    """The office orders a department to correct a failing by a date (第37条)."""

    title: str
    department: str
    ground: str
    facts: str
    due_date: date
    basis: str | None = None
    coordination_case_id: str | None = None
    devolution_id: str | None = None  # 第三十七条第四项: the devolution it is about, when there is one
    evaluation_case_id: str | None = None  # 第三十七条第三项: the 三定执行情况评估 (第二十六条) that found it
    attachment_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportCorrection(c.CaseCommand):
    report: str
    attachment_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ConfirmCorrection(c.CaseCommand):
    note: str | None = None


@dataclass(frozen=True)
class RejectCorrection(c.CaseCommand):
    reason: str


@dataclass(frozen=True)
class ReferToSupervision(c.CaseCommand):
    """第37条第2款: not corrected as required → the provincial and city supervision rules apply."""

    reason: str


@dataclass(frozen=True)
class ReferUncorrected(c.CaseCommand):
    """第37条第2款, by the sweep: the correction date passed with the order still open (未按要求及时纠正)."""

    due_date: date


# --- the grounds of 第37条 and the order ---


class RectificationGround(StrEnum):
    NOT_AS_DEFINED = "not_as_defined"  # (一) 未按已经明确的职责分工履职
    NOT_AS_COORDINATED = "not_as_coordinated"  # (二) 未按协调后确定的职责分工履职
    POOR_PERFORMANCE = "poor_performance"  # (三) 经职责履行评估发现存在履职不到位
    DEVOLVED_WITHOUT_APPROVAL = "devolved_without_approval"  # (四) 未经审批擅自下放职责
    SUPPORT_NOT_DELIVERED = "support_not_delivered"  # (四) 经批准下放职责后未落实相应保障措施
    OTHER = "other"  # (五) 其他需要限期纠正的情形


RECTIFICATION_GROUND_NAMES = {
    RectificationGround.NOT_AS_DEFINED: (
        "（一）未按党内法规、法律法规、机构改革方案和“三定”规定等已经明确的职责分工履职"
    ),
    RectificationGround.NOT_AS_COORDINATED: "（二）未按协调后确定的职责分工履职",
    RectificationGround.POOR_PERFORMANCE: "（三）经职责履行评估发现存在履职不到位情况",
    RectificationGround.DEVOLVED_WITHOUT_APPROVAL: "（四）未经审批擅自下放职责",
    RectificationGround.SUPPORT_NOT_DELIVERED: "（四）经批准下放职责后未落实相应保障措施",
    RectificationGround.OTHER: "（五）存在其他需要限期纠正情形",
}

DEVOLUTION_GROUNDS = frozenset(
    {RectificationGround.DEVOLVED_WITHOUT_APPROVAL, RectificationGround.SUPPORT_NOT_DELIVERED}
)


@dataclass(frozen=True)
class KnownDevolution:
    """What intake knows of a devolution (第三十三至三十五条) without asking the devolution service: its title
    and devolving department from the tasks it publishes (the worklist), and whether the leaders approved it
    (第三十四条 报批) from intake's own approval inbox, where that approval is decided."""

    id: str
    title: str
    department: str | None
    approved: bool


def check_rectification_order(ground: str, facts: str, due_date: date, today: date) -> RectificationGround:
    """An order names a ground of 第37条, the facts found, and a correction date after today."""
    parsed = RectificationGround(ground)
    fields: dict[str, list[str]] = {}
    if not facts.strip():
        fields["facts"] = ["应写明发现的问题"]
    if due_date <= today:
        fields["due_date"] = ["纠正期限应晚于今天"]
    fail_if_any(fields, "限期纠正决定不完整（第三十七条）", "rectification_incomplete")
    return parsed


def check_devolution_ground(
    ground: RectificationGround, department: str, devolution: KnownDevolution | None
) -> None:
    """第三十七条第四项: the ground fits the devolution the order names. Devolving without approval needs no
    application at all (a meeting's minutes, 第三十二条第二款), but not an approved one; undelivered support
    needs an approved devolution, and the order goes to the department that devolved it."""
    fields: dict[str, list[str]] = {}
    if ground not in DEVOLUTION_GROUNDS:
        if devolution is not None:
            fields["devolution_id"] = ["只有第三十七条第四项情形涉及职责下放事项"]
        fail_if_any(fields, "限期纠正决定与所涉职责下放事项不符", "rectification_ground_mismatch")
        return
    if ground is RectificationGround.SUPPORT_NOT_DELIVERED and not (devolution and devolution.approved):
        fields["ground"] = ["“未落实保障措施”须针对经批准下放的职责事项"]
    if ground is RectificationGround.DEVOLVED_WITHOUT_APPROVAL and devolution and devolution.approved:
        fields["ground"] = ["该职责下放已经批准，不属于未经审批擅自下放"]
    if devolution is not None and devolution.department and department != devolution.department:
        fields["department"] = [f"该职责下放事项的下放部门是 {devolution.department}，限期纠正应向其提出"]
    detail = "限期纠正决定与所涉职责下放事项不符（第三十七条第四项）"
    fail_if_any(fields, detail, "rectification_ground_mismatch")


def not_corrected_in_time(status: str, due_date: date | None, today: date) -> bool:
    """第37条第2款: an order still waiting for the department's correction the day after its date was not
    corrected in time. A report the office has yet to check is not (the department reported); one the
    office sent back (纠正不到位) waits for the department again, so after the date it is not either."""
    return status == Status.ORDERED and due_date is not None and due_date < today


def uncorrected_reason(due_date: date) -> str:
    """What the history says of a referral the sweep made."""
    on = f"{due_date.year}年{due_date.month}月{due_date.day}日"
    return f"纠正期限（{on}）已过，仍未纠正，系统自动移交监督检查（第三十七条第二款：未按要求及时纠正）"


@dataclass(frozen=True)
class FindingState:
    """Where findings stand, as the dashboard's 限期纠正 card counts them and its lists filter them."""

    name: str
    short: str  # a column's head on a phone
    statuses: tuple[Status, ...]
    overdue_only: bool = False
    in_time: bool | None = None  # corrected: by the order's date (True) or after it (False)


OPEN = (Status.ORDERED, Status.CORRECTION_REPORTED)
#: the 限期纠正 figures, in the dashboard's order
FINDING_STATES: dict[str, FindingState] = {
    "open": FindingState("未整改完成", "未整改", OPEN),
    "open_late": FindingState(
        "逾期未纠正（未按要求及时纠正，待移交监督检查）", "逾期未纠正", OPEN, overdue_only=True
    ),
    "corrected_in_time": FindingState("按期纠正", "按期纠正", (Status.CORRECTED,), in_time=True),
    "corrected_late": FindingState("逾期后纠正", "逾期后纠正", (Status.CORRECTED,), in_time=False),
    "referred": FindingState(
        "移交监督检查（未按要求及时纠正）", "已移交监督", (Status.REFERRED_TO_SUPERVISION,)
    ),
}


def corrected_in_time(reported_on: date | None, due_date: date | None) -> bool:
    """A correction is in time when the department reported it (the report the office then confirmed) by the
    order's date; one with no report on record (a finding handed over from devolution) by its confirmation."""
    return reported_on is not None and (due_date is None or reported_on <= due_date)


# --- the procedure ---

S = Status
_UNDER_ORDER = frozenset({S.ORDERED, S.CORRECTION_REPORTED})
_REPORTED = frozenset({S.CORRECTION_REPORTED})

PROCEDURE = Procedure(
    kind=Kind.RECTIFICATION,
    name="限期纠正",
    openings=(
        Opening(
            "order_rectification",
            "责令限期纠正",
            lambda actor, case: actor.is_office_decider,
            "只有编办处室负责人或领导可以责令限期纠正",
            S.ORDERED,
        ),
    ),
    transitions=(
        Transition(
            ReportCorrection,
            "report_correction",
            "报告纠正情况",
            _UNDER_ORDER,
            S.CORRECTION_REPORTED,
            applicant,
        ),
        Transition(
            ConfirmCorrection, "confirm_correction", "确认已纠正", _REPORTED, S.CORRECTED, office_decider
        ),
        Transition(
            RejectCorrection, "reject_correction", "纠正不到位，继续纠正", _REPORTED, S.ORDERED, office
        ),
        Transition(
            ReferToSupervision,
            "refer_to_supervision",
            "移交监督检查",
            _UNDER_ORDER,
            S.REFERRED_TO_SUPERVISION,
            office_decider,
        ),
        Transition(
            ReferUncorrected,
            "refer_uncorrected",
            "逾期未纠正，自动移交监督检查",
            frozenset({S.ORDERED}),
            S.REFERRED_TO_SUPERVISION,
            system,
        ),
        OVERDUE,
    ),
)
