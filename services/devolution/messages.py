"""What devolution tells other services: case references, parties, and the notify requests it sends.

Every notification is ``(NOTIFY, NOTIFY_SEND, payload)`` ready for ``uow.publish(*...)``. Template codes
follow notify's catalogue (``services/notify/domain/templates.py``) and reuse intake's codes for the same
situations; ``params`` always carry what the template prints (notify refuses to print a missing variable).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from services.devolution.domain import notice
from services.devolution.domain.aftercare import HANDOVER_NAMES, HandoverKind
from services.devolution.domain.lifecycle import STATE_NAMES, State
from services.devolution.domain.review import LEVEL_NAMES, ReceivingLevel
from services.devolution.tables import (
    Devolution,
    DevolutionEvent,
    HandoverItem,
    IssuedDocument,
    PowerListChange,
)
from shared.contracts import NOTIFY, NOTIFY_SEND, CaseRef, Party, case_ref, party
from shared.runtime import ServiceRuntime

log = logging.getLogger("services.devolution")

Message = tuple[str, str, dict[str, Any]]
POWER_LIST_MAINTAINER_ROLE = "office_division_head"

TEMPLATES = {
    # each code has a notify template (checked by test_every_notification_has_a_template.py)
    "devolution_decided": "职责下放审核结果：已批准，正式发文前仍由原部门负责（第三十四条）→ 申请部门",
    "devolution_not_ready": "暂不具备下放条件书面告知，param reason（第三十四条）→ 申请部门",
    "devolution_issued": "职责已正式下放（第三十五条）→ 申请部门和各承接部门",
    "deadline_overdue": "通用逾期提醒；rule_name 写明衔接事项（第三十五条）→ 下放部门",
    # codes intake uses too
    "case_submitted": "部门提交了申请（或补正后重新提交），请编办审核 → 编办经办人",
    "submission_received": "回执：编办已收到职责下放申请（或补正后的申请）→ 申请部门",
    "supplement_requested": "编办退回补正，param reasons / items → 申请部门",
    "approval_returned": "报批事项被退回或不同意，param comment → 编办经办人",
    # codes only devolution uses
    "power_list_changed": "权责清单变更（已批准未生效 / 已正式下放）→ 编办处室负责人（清单维护）",
    "half_year_report_submitted": "承接部门报送了运行半年专项报告，请确认（第三十五条）→ 下放部门",
    "interim_report_submitted": "承接部门报送了中期报告（不作为第三十五条的专项报告）→ 下放部门",
    # a code intake uses too
    "document_issued": "书面文书已制发（第三十四条暂不具备下放条件的函），附链接 → 申请部门、抄送的承接部门",
}


def _url(runtime: ServiceRuntime, path: str) -> str:
    """A link sent to a person: a page on the public address (``DM_PUBLIC_BASE_URL``), never JSON."""
    return f"{runtime.settings.public_base_url.rstrip('/')}{path}"


def page_path(devolution_id: str) -> str:
    """The devolution's page (behind the one address): what every link about it opens."""
    return f"/devolution/{devolution_id}"


def title_of(row: Devolution) -> str:
    return f"关于下放“{row.duty_name}”职责的申请"


def case_of(runtime: ServiceRuntime, row: Devolution) -> CaseRef:
    return case_ref(
        service="devolution",
        kind="devolution",
        id=row.id,
        title=title_of(row),
        jurisdiction=row.jurisdiction,
        url=_url(runtime, page_path(row.id)),
    )


def office_party(jurisdiction: str) -> Party:
    return party("role", "office_clerk", jurisdiction)


def office_leaders(jurisdiction: str) -> Party:
    return party("role", "office_leader", jurisdiction)


def department_party(code: str, jurisdiction: str) -> Party:
    return party("department", code, jurisdiction)


def version_of(row: Devolution) -> int:
    """How many history entries the devolution has, the ones of the open transaction included.

    Every step appends one, so the number names the step a notice is about (a resubmission is a later
    version than the first submission); a transaction that is rolled back and run again counts the same.
    """
    session = object_session(row)
    if session is None:
        raise ValueError("a devolution's notices are built inside its unit of work")
    query = select(func.count()).select_from(DevolutionEvent).where(DevolutionEvent.devolution_id == row.id)
    return int(session.scalar(query) or 0)


def step_key(row: Devolution, template: str, audience: str) -> str:
    """The dedupe key of a notice about a step: devolution, template, audience and version (no randomness)."""
    return f"devolution:{row.id}:{template}:{audience}:v{version_of(row)}"


def _send(
    runtime: ServiceRuntime,
    template: str,
    recipients: list[Party],
    case: CaseRef,
    params: dict[str, Any],
    dedupe_key: str,
) -> Message:
    if template not in TEMPLATES:
        raise ValueError(f"unknown notification template {template!r}")
    return (
        NOTIFY,
        NOTIFY_SEND,
        {
            "dedupe_key": dedupe_key,
            "template": template,
            "params": {"case_title": case["title"], **params},
            "recipients": recipients,
            "case": case,
            "link": case.get("url"),
            "urgency": "normal",
        },
    )


def _params(row: Devolution, extra: dict[str, Any]) -> dict[str, Any]:
    return {"duty_name": row.duty_name, "state": STATE_NAMES[State(row.state)], **extra}


def to_office(runtime: ServiceRuntime, row: Devolution, template: str, **extra: Any) -> Message:
    recipients = [office_party(row.jurisdiction)]
    key = step_key(row, template, "office")
    return _send(runtime, template, recipients, case_of(runtime, row), _params(row, extra), key)


def to_applicant(runtime: ServiceRuntime, row: Devolution, template: str, **extra: Any) -> Message:
    recipients = [department_party(row.applicant_department, row.jurisdiction)]
    key = step_key(row, template, "applicant")
    return _send(runtime, template, recipients, case_of(runtime, row), _params(row, extra), key)


def to_receivers(
    runtime: ServiceRuntime,
    row: Devolution,
    receivers: tuple[tuple[str, str], ...],
    template: str,
    **extra: Any,
) -> Message:
    recipients = [department_party(code, jurisdiction) for code, jurisdiction in receivers]
    key = step_key(row, template, "receivers:" + ",".join(code for code, _ in receivers))
    return _send(runtime, template, recipients, case_of(runtime, row), _params(row, extra), key)


def document_notice(
    runtime: ServiceRuntime, row: Devolution, document: IssuedDocument, receivers: tuple[tuple[str, str], ...]
) -> Message:
    """The addressee (the applying department) and the departments copied are told, with the links."""
    params = _params(
        row,
        {
            "document_title": document.title,
            "document_number": document.number,
            "step_name": notice.NAMES.get(document.kind, "书面文书"),
            "article": notice.ARTICLE,
            "pdf_link": _url(runtime, notice.document_path(row.id, document.id, "pdf")),
            "docx_link": _url(runtime, notice.document_path(row.id, document.id, "docx")),
        },
    )
    recipients = [department_party(row.applicant_department, row.jurisdiction)]
    recipients += [department_party(code, jurisdiction) for code, jurisdiction in receivers]
    key = f"devolution:{row.id}:document_issued:{document.id}"
    return _send(runtime, "document_issued", recipients, case_of(runtime, row), params, key)


def power_list_notice(runtime: ServiceRuntime, row: Devolution, change: PowerListChange) -> Message:
    entries = "；".join(
        f"{e['code']} {e['name']}（下放至{LEVEL_NAMES[ReceivingLevel(e['to_level'])]}）"
        for e in change.entries
    )
    params = {
        "change": "已正式下放，权责清单相应调整"
        if change.in_force
        else "已批准，尚未正式发文，暂不调整责任主体",
        "entries": entries,
        "responsible_departments": "、".join(change.responsible_departments),
        "document_number": change.document_number,
        "changes_url": _url(runtime, f"/api/v1/power-list/changes?after={change.id - 1}"),
    }
    recipients = [party("role", POWER_LIST_MAINTAINER_ROLE, row.jurisdiction)]
    key = f"devolution:{row.id}:power_list_changed:{change.id}"
    return _send(runtime, "power_list_changed", recipients, case_of(runtime, row), params, key)


def handover_overdue(runtime: ServiceRuntime, row: Devolution, item: HandoverItem) -> Message:
    due = item.due_date.isoformat() if item.due_date else ""
    name = HANDOVER_NAMES[HandoverKind(item.kind)]
    params = _params(row, {"item": name, "rule_name": f"工作衔接（{name}）", "due_date": due})
    recipients = [department_party(row.applicant_department, row.jurisdiction)]
    key = f"devolution:{row.id}:handover_overdue:{item.kind}:{due}"
    return _send(runtime, "deadline_overdue", recipients, case_of(runtime, row), params, key)


def drafted_decision(row: Devolution, applicant_name: str) -> dict[str, Any]:
    entries = "；".join(f"{e['code']} {e['name']}" for e in row.power_list_entries)
    review = row.review or {}
    return {
        "summary": f"拟同意下放“{row.duty_name}”职责",
        "text": (
            f"经审核论证，{applicant_name}申请下放的“{row.duty_name}”职责具备下放条件，"
            f"拟同意下放。涉及权责清单事项：{entries}。审核意见：{review.get('notes', '')}。"
            "正式发文前，相关责任仍由原部门负责（第三十四条第二款）。"
        ),
        "power_list_entries": list(row.power_list_entries),
        "checklist": review.get("checklist", []),
    }
