"""Who must act next on a devolution, by when: the ``task.*`` events devolution publishes.

Each step that waits for someone is a task (``shared/contracts.py``): opened when the step starts, opened
again when its statutory date becomes known or moves (the clock's ``clock.scheduled``), closed when it is
done or no longer waits. Every event goes to both the ``intake`` queue (the office's 待办 and the
departments' 我的办件) and the ``notify`` queue (the 浙政钉 to-do centre), in the same transaction as the
step itself (outbox).

| step | who | article | opened | closed |
|---|---|---|---|---|
| ``review`` 审核论证 | the office | 第三十四条 | submitted, resubmitted, approval sent back | concluded |
| ``supplement`` 补正申请材料 | the applicant | 第三十三条 | returned | resubmitted |
| ``issuance`` 正式发文 | the office | 第三十四条第二款 | approved | issued |
| ``handover`` 工作衔接 | the applicant | 第三十五条 | issued | every item done |
| ``half_year_report:<dept>`` 运行情况专项报告 | a receiving dept. | 第三十五条 | issued | submitted |
| ``acknowledge_report:<dept>`` 确认专项报告 | the applicant | 第三十五条 | report submitted | acknowledged |
| ``draft`` 草稿 | the applicant | 第三十三条 | created, saved again | submitted, deleted |

A draft (``draft``) is told to intake only — its 我的办件 lists it as 草稿 with the time it was last saved
(the event's instant) — not to the 浙政钉 to-do centre: nothing waits for anyone, no clock runs.

The approval itself (the leaders' 审批) is the approval inbox's task, published by intake. 限期纠正
(第三十七条) is intake's casework, and so are its tasks; the ``rectification`` tasks devolution opened before
are closed when their findings are handed over (``usecases.hand_over_rectifications``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.devolution import messages
from services.devolution.tables import Devolution
from shared.contracts import INTAKE, NOTIFY, TASK_CLOSED, TASK_OPENED, Party, payload
from shared.db import utcnow
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime

TASK_QUEUES = (INTAKE, NOTIFY)

STEPS: dict[str, tuple[str, str]] = {
    "review": ("审核论证", "第三十四条"),
    "supplement": ("补正申请材料", "第三十三条"),
    "issuance": ("正式发文", "第三十四条第二款"),
    "handover": ("工作衔接", "第三十五条"),
    "half_year_report": ("运行情况专项报告", "第三十五条"),
    "acknowledge_report": ("确认运行情况专项报告", "第三十五条"),
    "draft": ("草稿", "第三十三条"),
}


def task_id(case_id: str, step: str, subject: str | None = None) -> str:
    return f"devolution:{case_id}:{step}" + (f":{subject}" if subject else "")


def _publish(uow: UnitOfWork, message_type: str, body: dict[str, Any]) -> None:
    for queue in TASK_QUEUES:  # the to-do centre shows no count of days: the calendar is the worklist's
        uow.publish(queue, message_type, body if queue == INTAKE else _without_calendar(body))


def _without_calendar(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "calendar"}


def open_step(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    row: Devolution,
    step: str,
    assignee: Party,
    *,
    subject: str | None = None,
    due_date: date | None = None,
    provisional: bool = False,
    calendar: dict[str, Any] | None = None,
) -> None:
    """The step now waits for ``assignee`` (until ``due_date``, when there is a statutory one; ``calendar``
    is its clock's window, for the worklist to count the days left with)."""
    name, article = STEPS[step]
    case = messages.case_of(runtime, row)
    body = payload(
        task_id=task_id(row.id, step, subject),
        case=case,
        step=step,
        step_name=name,
        article=article,
        assignee=assignee,
        due_date=due_date.isoformat() if due_date else None,
        provisional=provisional,
        calendar=calendar if due_date else None,
        opened_at=utcnow().isoformat(),
        url=messages.page_path(row.id),
        department=row.applicant_department,
        document_number=row.document_number,
    )
    _publish(uow, TASK_OPENED, body)


def close_step(
    uow: UnitOfWork, case_id: str, step: str, *, subject: str | None = None, outcome: str = "done"
) -> None:
    body = {"task_id": task_id(case_id, step, subject), "outcome": outcome, "at": utcnow().isoformat()}
    _publish(uow, TASK_CLOSED, body)


def draft_saved(uow: UnitOfWork, runtime: ServiceRuntime, row: Devolution) -> None:
    """The applicant saved its draft (first or again): 我的办件 lists it, as last saved now."""
    name, article = STEPS["draft"]
    case = messages.case_of(runtime, row)
    if not row.duty_name:
        case["title"] = "职责下放申请（尚未填写职责名称）"
    body = payload(
        task_id=task_id(row.id, "draft"),
        case=case,
        step="draft",
        step_name=name,
        article=article,
        assignee=applicant(row),
        due_date=None,
        provisional=False,
        opened_at=utcnow().isoformat(),
        url=f"{messages.page_path(row.id)}/edit",
        department=row.applicant_department,
        document_number=None,
    )
    uow.publish(INTAKE, TASK_OPENED, body)


def draft_submitted(uow: UnitOfWork, row: Devolution, outcome: str = "done") -> None:
    body = {"task_id": task_id(row.id, "draft"), "outcome": outcome, "at": utcnow().isoformat()}
    uow.publish(INTAKE, TASK_CLOSED, body)


def draft_deleted(uow: UnitOfWork, row: Devolution) -> None:
    draft_submitted(uow, row, outcome="cancelled")


def office(row: Devolution) -> Party:
    return messages.office_party(row.jurisdiction)


def applicant(row: Devolution) -> Party:
    return messages.department_party(row.applicant_department, row.jurisdiction)
