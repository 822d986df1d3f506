"""Who must act next on intake's cases and approvals, by when: the ``task.*`` events intake publishes.

Every step of an intake case that waits for someone is a task (``shared/contracts.py``), and so is every
open approval step for each of its approvers. Rather than opening and closing tasks by hand in each of the
many use cases, the tasks are *reconciled*: when a transaction that changed a case, a solicitation, a clock,
an approval or a delegation commits, the tasks that should be open now are computed from the rows and
compared with those open in the 待办 read model (``worklist_task``, intake's own table); what is new or
changed is opened, what no longer waits is closed. Intake applies its own events to the read model in the
same transaction and sends them to ``notify`` (the 浙政钉 to-do centre) through the outbox, so the office's
list and the to-dos cannot disagree and a task never stays open after its step ended.

| task | who |
|---|---|
| ``intake:<case>:<status>``: the office's step (受理审查, 组织协调, 拟订协调意见, 正式发文…) | the office |
| ``intake:<case>:<status>``: 补正材料, 限期纠正, 修改职责方案 | the applicant / ordered department |
| ``intake:<case>:written_reply:<solicitation>``: 书面答复征求意见 (第二十条) | the solicited department |
| ``intake:approval:<id>:<step>:<person>``: 审批 | each approver of the current step (or deputy) |

The steps' names and articles are in :data:`STEPS`. A delegation moves an approver's task to the deputy
(the same task, another assignee: notify cancels the approver's to-do and creates the deputy's) and back when
it is revoked; a task that leaves while its step still waits is cancelled, not done. A task whose statutory
date is still being counted (:data:`AWAITING_DATE`) reaches notify only with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from services.intake import mapping
from services.intake.domain.cases import STATUS_NAMES, Status, next_actor
from services.intake.domain.coordination import REPLY_OPEN
from services.intake.domain.procedure import SOLICITING_STATES
from services.intake.messages.cases import department_party, office_party
from services.intake.tables import ApprovalRow, CaseClock, CaseRecord, Solicitation, WorklistTask, opened
from services.intake.tables.approvals import DelegationRow
from services.intake.usecases import worklist
from services.intake.usecases.approvals import beijing_today, deputies_of
from services.intake.usecases.case_step import LIVE_CLOCK_STATES
from shared.contracts import NOTIFY, TASK_CLOSED, TASK_OPENED, case_ref, party, payload
from shared.db import utcnow
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime

TOUCHED = "intake.tasks_touched"

#: the step a case's status waits for: (name, article); a kind may name its own
STEPS: dict[str, tuple[str, str | None]] = {
    Status.SUBMITTED: ("受理审查", "第十七条"),
    Status.SUPPLEMENT_REQUESTED: ("补正材料", "第十七条"),
    Status.COORDINATING: ("组织协调", "第二十条"),
    Status.SUSPENDED: ("中止期间，待恢复或终止协调", "第二十五条"),
    Status.DRAFTING_OPINION: ("拟订书面协调意见", "第二十一条"),
    Status.DETERMINING: ("研究提出认定意见", "第二十一条"),
    Status.ORG_REVIEW: ("市委组织部审议", "第二十一条"),
    Status.AWAITING_COMMITTEE: ("报市委编委研究，登记研究决定", "第二十一条"),
    Status.APPROVED: ("正式发文", "第二十四条"),
    Status.RECEIVED: ("研究书面反映", "第二十六条"),
    Status.STUDYING: ("研究书面反映", "第二十六条"),
    Status.AWAITING_COORDINATION: ("协调后告知反映人结果", "第二十六条"),
    Status.ORDERED: ("限期纠正", "第三十七条"),
    Status.CORRECTION_REPORTED: ("核实纠正情况", "第三十七条"),
    Status.PLAN_RETURNED: ("修改主要职责方案", "第十一条"),
    Status.PLAN_SOLICITING: ("研究反馈意见", "第十一条"),
    Status.DRAFTING_REVIEW: ("拟订正式审核意见", "第十一条"),
    Status.RESOLVING_DISAGREEMENTS: ("协调分歧意见", "第十一条"),
}
KIND_STEPS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("filing", Status.SUBMITTED): ("备案审查", "第十五条"),
    ("duty_plan", Status.SUBMITTED): ("初审主要职责方案", "第十一条"),
}
#: who acts, as the domain names them (``next_actor``) → whom the task is for; no task for the others
#: (``office_leader``: the approval steps are the tasks; ``parties_execute``: no step waits)
ACTORS = {"office", "applicant", "org_reviewer", "committee"}
#: a case that ends so: its open tasks are cancelled, not done
CANCELLING = {Status.WITHDRAWN, Status.TERMINATED}
#: a task whose statutory date the deadlines service is still counting (its clock ``requested``): it is on the
#: worklist at once, but reaches the 浙政钉 to-do centre only with its date, a moment later — the platform
#: cannot change a to-do's due time, so an undated to-do would be cancelled and created again at once
AWAITING_DATE = "_awaiting_date"


def track(runtime: ServiceRuntime) -> None:
    """Reconcile the tasks of what each of the runtime's transactions changed, before it commits."""
    event.listen(runtime.db.session_factory, "after_flush", _note_touched)
    runtime.bus.add_before_commit(lambda uow: reconcile(uow, runtime.settings.public_base_url))
    runtime.periodic.append(delegations_turning_today)


def delegations_turning_today(runtime: ServiceRuntime) -> None:
    """A delegation that starts today, or ended yesterday, moves its approver's tasks to the deputy or back,
    though nothing was written that day: on those two days each tick reconciles the pending approvals of its
    jurisdiction (a task already where it belongs publishes nothing)."""
    today = beijing_today()
    with runtime.unit_of_work() as uow:
        turning = uow.session.scalars(
            select(DelegationRow.jurisdiction).where(
                DelegationRow.revoked_at.is_(None),
                (DelegationRow.starts_on == today) | (DelegationRow.ends_on == today - timedelta(days=1)),
            )
        )
        jurisdictions = set(turning)
        if not jurisdictions:
            return
        touched = uow.session.info.setdefault(
            TOUCHED, {"cases": set(), "approvals": set(), "delegations": set()}
        )
        touched["delegations"] |= jurisdictions
        uow.commit()


def _note_touched(session: Session, _context: Any) -> None:
    touched = session.info.setdefault(TOUCHED, {"cases": set(), "approvals": set(), "delegations": set()})
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, CaseRecord):
            touched["cases"].add(row.id)
        elif isinstance(row, Solicitation | CaseClock):
            touched["cases"].add(row.case_id)
        elif isinstance(row, ApprovalRow):
            touched["approvals"].add(row.id)
        elif isinstance(row, DelegationRow):
            touched["delegations"].add(row.jurisdiction)


def reconcile(uow: UnitOfWork, base_url: str) -> None:
    """Open, update and close the tasks of every case and approval this transaction changed."""
    session = uow.session
    session.flush()
    touched = session.info.pop(TOUCHED, None)
    if not touched:
        return
    for case_id in sorted(touched["cases"]):
        record = session.get(CaseRecord, case_id)
        if record is not None:
            ended = record.status in CANCELLING
            outcome = _always("cancelled" if ended else "done")
            _sync(uow, f"intake:{case_id}:", case_tasks(session, record), outcome, case_id)
    approvals = set(touched["approvals"])
    if touched["delegations"]:  # a deputy added or revoked: every open approval of that jurisdiction
        approvals |= set(
            session.scalars(
                select(ApprovalRow.id).where(
                    ApprovalRow.jurisdiction.in_(touched["delegations"]), ApprovalRow.status == "pending"
                )
            )
        )
    for approval_id in sorted(approvals):
        row = session.get(ApprovalRow, approval_id)
        if row is not None:
            prefix = f"intake:approval:{approval_id}:"
            _sync(uow, prefix, approval_tasks(session, row), _approval_outcome(row, prefix))
    session.flush()
    session.info.pop(TOUCHED, None)  # our own writes are not changes to reconcile again


def _always(outcome: str) -> Callable[[str], str]:
    return lambda _task_id: outcome


def _approval_outcome(row: ApprovalRow, prefix: str) -> Callable[[str], str]:
    """How an approval's task that no longer waits ends: cancelled when the approval was recalled or the
    step still waits for someone else (its approver left, a deputy took it over), done otherwise."""
    waiting = f"{prefix}{row.current_step}:" if row.status == "pending" else None

    def outcome(task_id: str) -> str:
        if row.status == "recalled" or (waiting is not None and task_id.startswith(waiting)):
            return "cancelled"
        return "done"

    return outcome


def case_tasks(session: Session, record: CaseRecord) -> dict[str, dict[str, Any]]:
    """The tasks the case waits for now, by task id."""
    case = mapping.case_of(session, record)
    status = Status(record.status)
    replies = [s for s in _of_case(session, Solicitation, record.id) if s.status in REPLY_OPEN]
    actor = next_actor(case, solicitations_open=bool(replies))
    ref = case_ref(
        service="intake",
        kind=record.kind,
        id=record.id,
        title=record.title,
        jurisdiction=record.jurisdiction_code,
    )
    clocks = {c.clock_id: c for c in _of_case(session, CaseClock, record.id) if c.state in LIVE_CLOCK_STATES}
    common = {"case": ref, "url": f"/cases/{record.id}", "department": record.applicant_department}
    tasks: dict[str, dict[str, Any]] = {}
    if actor == "departments" and status in SOLICITING_STATES:
        reply_article = "第十一条" if record.kind == "duty_plan" else "第二十条"
        for solicitation in replies:
            clock = clocks.get(solicitation.clock_id or "")
            tid = f"intake:{record.id}:written_reply:{solicitation.id}"
            tasks[tid] = payload(
                task_id=tid,
                step="written_reply",
                step_name=f"书面答复征求意见（第{solicitation.round}轮）"
                if solicitation.round > 1
                else "书面答复征求意见",
                article=reply_article,
                assignee=department_party(solicitation.department_code, record.jurisdiction_code),
                **_due_of(clock),
                **common,
            )
            if clock is not None and clock.due_date is None and clock.state == "requested":
                tasks[tid][AWAITING_DATE] = True
    elif actor in ACTORS:
        fallback: tuple[str, str | None] = (STATUS_NAMES[status], None)
        name, article = KIND_STEPS.get((record.kind, status)) or STEPS.get(status) or fallback
        if actor == "applicant" and record.applicant_department:
            assignee = department_party(record.applicant_department, record.jurisdiction_code)
        elif actor == "org_reviewer":
            assignee = party("role", "org_reviewer", record.jurisdiction_code)
        else:
            assignee = office_party(record.jurisdiction_code)
        nearest = min(
            (c for c in clocks.values() if c.due_date is not None),
            key=lambda c: c.due_date or date.max,
            default=None,
        )
        tid = f"intake:{record.id}:{status.value}"
        tasks[tid] = payload(
            task_id=tid,
            step=status.value,
            step_name=name,
            article=article,
            assignee=assignee,
            **_due_of(nearest),
            **common,
        )
        if nearest is None and any(c.state == "requested" for c in clocks.values()):
            tasks[tid][AWAITING_DATE] = True
    return tasks


def _of_case(session: Session, model: type[opened.Row], case_id: str) -> list[opened.Row]:
    kept = opened.rows_of(session, model, case_id)  # a case opened in this transaction: as written
    if kept is not None:
        return kept
    return list(session.scalars(select(model).where(model.case_id == case_id)))  # type: ignore[attr-defined]


def approval_tasks(session: Session, row: ApprovalRow) -> dict[str, dict[str, Any]]:
    """One task per approver (and deputy) of the approval's current step, while it is pending."""
    if row.status != "pending" or row.current_step >= len(row.steps):
        return {}
    step = row.steps[row.current_step]
    today = beijing_today()
    holders: dict[str, str] = {}  # the task's key (its approver, or approver:deputy:…) → whose list it is in
    for approver in sorted(step["assignees"]):
        # 委托代批: the approver's task moves to their deputy (or deputies) while the delegation runs
        for n, holder in enumerate(deputies_of(session, [approver], today) or [approver]):
            if holder not in holders.values():
                holders[approver if n == 0 else f"{approver}:deputy:{holder}"] = holder
    case = dict(row.case_ref or {})
    ref = case_ref(
        service=str(case.get("service") or row.requester_service),
        kind=str(case.get("kind") or ""),
        id=str(case.get("id") or ""),
        title=str(case.get("title") or ""),
        jurisdiction=row.jurisdiction,
    )
    tasks: dict[str, dict[str, Any]] = {}
    for key, person in holders.items():
        tid = f"intake:approval:{row.id}:{row.current_step}:{key}"
        tasks[tid] = payload(
            task_id=tid,
            case=ref,
            step="approval",
            step_name=f"{step['label']}审批",
            assignee=party("person", person, row.jurisdiction),
            url=f"/m/approvals/{row.id}",
            department=case.get("department"),
            **_due(row.statutory_due_date, row.statutory_provisional, row.statutory_calendar),
        )
    return tasks


def _due(due_date: date | None, provisional: bool, calendar: dict[str, Any] | None) -> dict[str, Any]:
    """A task's statutory date, and the calendar window of its clock (the worklist counts with it)."""
    return {
        "due_date": due_date.isoformat() if due_date else None,
        "provisional": provisional or None,
        "calendar": calendar if due_date else None,
    }


def _due_of(clock: CaseClock | None) -> dict[str, Any]:
    if clock is None:
        return _due(None, False, None)
    return _due(clock.due_date, clock.provisional, clock.calendar)


def _sync(
    uow: UnitOfWork,
    prefix: str,
    wanted: dict[str, dict[str, Any]],
    outcome: Callable[[str], str],
    case_id: str | None = None,
) -> None:
    """``case_id``: the case whose tasks ``prefix`` names, so that ix_worklist_task_case_open finds them (the
    prefix then only tells intake's tasks of it from another service's case of the same id)."""
    session = uow.session
    kept = opened.rows_of(session, WorklistTask, case_id) if case_id is not None else None
    if kept is not None:  # a case opened in this transaction: its tasks are the ones written here, if any
        everything = {row.task_id: row for row in kept if row.task_id.startswith(prefix)}
        open_now = {task_id: row for task_id, row in everything.items() if row.state == worklist.OPEN}
    else:
        query = select(WorklistTask).where(
            WorklistTask.task_id.startswith(prefix, autoescape=True), WorklistTask.state == worklist.OPEN
        )
        if case_id is not None:
            query = query.where(WorklistTask.case_id == case_id)
        open_now = {row.task_id: row for row in session.scalars(query)}
    at = utcnow().isoformat()
    for task_id, wanted_body in wanted.items():
        awaiting_date = bool(wanted_body.pop(AWAITING_DATE, False))
        row = open_now.get(task_id)
        if row is None or _differs(row, wanted_body):
            body = {**wanted_body, "opened_at": at}
            worklist.task_opened(uow, body, worklist.LOOK_UP if kept is None else everything.get(task_id))
            if not awaiting_date:
                uow.publish(NOTIFY, TASK_OPENED, _without_calendar(body))
        elif row.calendar != wanted_body.get("calendar"):  # the worklist counts days, the to-do centre not
            worklist.task_opened(uow, {**wanted_body, "opened_at": at}, row)
    for task_id in sorted(set(open_now) - set(wanted)):
        body = {"task_id": task_id, "outcome": outcome(task_id), "at": at}
        worklist.task_closed(uow, body)
        uow.publish(NOTIFY, TASK_CLOSED, body)


def _without_calendar(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "calendar"}


def _differs(row: WorklistTask, body: dict[str, Any]) -> bool:
    assignee, due = body["assignee"], body.get("due_date")
    return (
        (row.assignee_kind, row.assignee_id, row.assignee_jurisdiction)
        != (assignee["kind"], assignee["id"], assignee["jurisdiction"])
        or row.due_date != (date.fromisoformat(due) if due else None)
        or row.provisional != bool(body.get("provisional"))
        or row.step_name != body["step_name"]
        or row.case_title != body["case"]["title"][:300]
    )
