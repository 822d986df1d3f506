"""职责下放申请 — the written application of 第三十三条 with its five items as structured fields.

(一) the duty's name and its basis; (二) the reasons, addressing 合法性、合理性、必要性、
协同性、配套性 (第三十二条); (三) how the duty is performed at county and township level;
(四) the support measures — 编制、人员、经费、培训、指导 — with amounts and dates;
(五) one written feedback document from every receiving (承接) and related (关联) department.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from shared.errors import DomainError, ValidationFailed


class BasisKind(StrEnum):
    """The kind of a basis (依据). The last four are forbidden by 第三十二条第二款."""

    PARTY_REGULATION = "party_regulation"  # 党内法规
    LAW = "law"  # 法律法规
    SANDING = "sanding"  # “三定”规定
    REFORM_PLAN = "reform_plan"  # 机构改革方案
    HIGHER_DOCUMENT = "higher_document"  # 上级文件
    INTERNAL_DOCUMENT = "internal_document"  # 内部文件
    MEETING = "meeting"  # 会议部署
    LEADER_SPEECH = "leader_speech"  # 领导讲话
    RESPONSIBILITY_LETTER = "responsibility_letter"  # 签订责任状


BASIS_NAMES = {
    BasisKind.PARTY_REGULATION: "党内法规",
    BasisKind.LAW: "法律法规",
    BasisKind.SANDING: "“三定”规定",
    BasisKind.REFORM_PLAN: "机构改革方案",
    BasisKind.HIGHER_DOCUMENT: "上级文件",
    BasisKind.INTERNAL_DOCUMENT: "内部文件",
    BasisKind.MEETING: "会议部署",
    BasisKind.LEADER_SPEECH: "领导讲话",
    BasisKind.RESPONSIBILITY_LETTER: "签订责任状",
}
FORBIDDEN_BASIS = frozenset(
    {
        BasisKind.INTERNAL_DOCUMENT,
        BasisKind.MEETING,
        BasisKind.LEADER_SPEECH,
        BasisKind.RESPONSIBILITY_LETTER,
    }
)

# (二) the five aspects a devolution must be argued on (第三十二条第一款).
REASON_ASPECTS = {
    "legality": "合法性",
    "rationality": "合理性",
    "necessity": "必要性",
    "coordination": "协同性",
    "support": "配套性",
}


class SupportKind(StrEnum):
    """(四) the kinds of support measure that go with a devolved duty."""

    STAFFING_POSTS = "staffing_posts"  # 编制
    PERSONNEL = "personnel"  # 人员
    FUNDS = "funds"  # 经费
    TRAINING = "training"  # 培训
    GUIDANCE = "guidance"  # 指导


SUPPORT_NAMES = {
    SupportKind.STAFFING_POSTS: "编制",
    SupportKind.PERSONNEL: "人员",
    SupportKind.FUNDS: "经费",
    SupportKind.TRAINING: "培训",
    SupportKind.GUIDANCE: "指导",
}


class FeedbackRole(StrEnum):
    RECEIVING = "receiving"  # 承接部门
    RELATED = "related"  # 关联部门


class FeedbackPosition(StrEnum):
    AGREE = "agree"  # 同意
    AGREE_WITH_SUGGESTIONS = "agree_with_suggestions"  # 原则同意，有修改建议
    DISAGREE = "disagree"  # 不同意


@dataclass(frozen=True)
class LegalBasis:
    """One basis, typed as intake types the bases of a coordination application (第十六条第三项)."""

    type: BasisKind
    name: str
    provision: str = ""


@dataclass(frozen=True)
class SupportMeasure:
    """One measure; ``not_applicable`` (不涉及) needs an explanation instead of an amount and a date."""

    kind: SupportKind
    description: str
    amount: float | None = None
    unit: str = ""
    due_date: date | None = None
    not_applicable: bool = False


@dataclass(frozen=True)
class FeedbackDocument:
    """(五) one department's written feedback: the document, its date and the department's position."""

    department: str
    role: FeedbackRole
    document_title: str
    document_date: date | None
    position: FeedbackPosition
    summary: str = ""


@dataclass(frozen=True)
class ApplicationContent:
    """What the applying department wrote; any part may still be missing while it is a draft."""

    duty_name: str
    legal_bases: tuple[LegalBasis, ...] = ()
    reasons: Mapping[str, str] = field(default_factory=dict)
    county_level: str = ""
    township_level: str = ""
    support_measures: tuple[SupportMeasure, ...] = ()
    receiving_departments: tuple[str, ...] = ()
    related_departments: tuple[str, ...] = ()
    feedback: tuple[FeedbackDocument, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApplicationContent:
        """From the JSON the HTTP edge has already validated for shape (dates as ``date`` or ISO strings)."""
        return cls(
            duty_name=str(data.get("duty_name") or ""),
            legal_bases=tuple(
                LegalBasis(BasisKind(b["type"]), b.get("name", ""), b.get("provision") or "")
                for b in data.get("legal_bases") or ()
            ),
            reasons=dict(data.get("reasons") or {}),
            county_level=str((data.get("performance") or {}).get("county_level") or ""),
            township_level=str((data.get("performance") or {}).get("township_level") or ""),
            support_measures=tuple(_measure(m) for m in data.get("support_measures") or ()),
            receiving_departments=tuple(data.get("receiving_departments") or ()),
            related_departments=tuple(data.get("related_departments") or ()),
            feedback=tuple(_feedback(f) for f in data.get("feedback") or ()),
        )


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _measure(m: Mapping[str, Any]) -> SupportMeasure:
    return SupportMeasure(
        kind=SupportKind(m["kind"]),
        description=m.get("description") or "",
        amount=m.get("amount"),
        unit=m.get("unit") or "",
        due_date=_date(m.get("due_date")),
        not_applicable=bool(m.get("not_applicable")),
    )


def _feedback(f: Mapping[str, Any]) -> FeedbackDocument:
    return FeedbackDocument(
        department=f["department"],
        role=FeedbackRole(f["role"]),
        document_title=f.get("document_title") or "",
        document_date=_date(f.get("document_date")),
        position=FeedbackPosition(f["position"]),
        summary=f.get("summary") or "",
    )


def refuse_forbidden_basis(legal_bases: Iterable[LegalBasis]) -> None:
    """Raise DomainError when a basis is an internal document, meeting, speech or responsibility letter."""
    for index, basis in enumerate(legal_bases):
        if basis.type in FORBIDDEN_BASIS:
            name = BASIS_NAMES[basis.type]
            message = (
                f"不得以{name}作为职责下放的依据：根据第三十二条第二款，部门不得以内部文件、会议部署、"
                "领导讲话、签订责任状等形式擅自下放职责"
            )
            raise DomainError(
                message,
                code="devolution_basis_forbidden",
                title="职责下放依据不合规（第三十二条第二款）",
                fields={f"legal_bases[{index}].type": [message]},
                extra={"article": "第三十二条第二款"},
            )


def missing_items(app: ApplicationContent) -> dict[str, list[str]]:
    """What still keeps the application from being complete (第三十三条), by field; empty when complete."""
    missing: dict[str, list[str]] = {}

    def need(field_name: str, message: str) -> None:
        missing.setdefault(field_name, []).append(message)

    if not app.duty_name.strip():
        need("duty_name", "须写明职责名称（第三十三条第一项）")
    if not app.legal_bases:
        need("legal_bases", "须写明职责依据（第三十三条第一项）")
    for aspect, name in REASON_ASPECTS.items():
        if not (app.reasons.get(aspect) or "").strip():
            need(f"reasons.{aspect}", f"须论证职责下放的{name}（第三十二条、第三十三条第二项）")
    if not app.county_level.strip():
        need("performance.county_level", "须写明县级的履职方式（第三十三条第三项）")
    if not app.township_level.strip():
        need(
            "performance.township_level",
            "须写明乡镇（街道）的履职方式，不涉及的写明“不涉及”（第三十三条第三项）",
        )
    _missing_support(app, need)
    _missing_feedback(app, need)
    return missing


def _missing_support(app: ApplicationContent, need: Any) -> None:
    covered = {m.kind for m in app.support_measures}
    for kind, name in SUPPORT_NAMES.items():
        if kind not in covered:
            need(
                "support_measures",
                f"须写明{name}保障措施，不涉及的注明“不涉及”并说明理由（第三十三条第四项）",
            )
    for index, m in enumerate(app.support_measures):
        if not m.description.strip():
            need(f"support_measures[{index}].description", "须写明保障措施的内容或不涉及的理由")
        if not m.not_applicable and m.amount is None:
            need(f"support_measures[{index}].amount", "须写明数量或金额（第三十三条第四项）")
        if not m.not_applicable and m.due_date is None:
            need(f"support_measures[{index}].due_date", "须写明落实日期（第三十三条第四项）")


def _missing_feedback(app: ApplicationContent, need: Any) -> None:
    if not app.receiving_departments:
        need("receiving_departments", "须写明承接部门（第三十三条第五项）")
    expected = [(d, FeedbackRole.RECEIVING) for d in app.receiving_departments] + [
        (d, FeedbackRole.RELATED) for d in app.related_departments
    ]
    for department, role in expected:
        documents = [f for f in app.feedback if f.department == department and f.role is role]
        label = "承接部门" if role is FeedbackRole.RECEIVING else "关联部门"
        if len(documents) != 1:
            need("feedback", f"须附{label} {department} 的书面反馈意见一份（第三十二条、第三十三条第五项）")
            continue
        if not documents[0].document_title.strip() or documents[0].document_date is None:
            need("feedback", f"{label} {department} 的书面反馈意见须写明文件名称和日期")
    listed = set(expected)
    for f in app.feedback:
        if (f.department, f.role) not in listed:
            need("feedback", f"{f.department} 不在承接部门或关联部门之列，其反馈意见无法对应")


def require_complete(app: ApplicationContent) -> None:
    """Raise ValidationFailed listing every missing item; the review clock starts only after this passes."""
    missing = missing_items(app)
    if missing:
        detail = "申请材料不完整，补齐后方可提交审核（第三十三条）：" + "；".join(
            f"{name}：{'，'.join(messages)}" for name, messages in sorted(missing.items())
        )
        raise ValidationFailed(detail, code="application_incomplete", fields=missing)
