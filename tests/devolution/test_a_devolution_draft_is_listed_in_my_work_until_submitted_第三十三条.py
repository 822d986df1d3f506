"""A devolution application saved as a draft (第三十三条) is listed in the department's 我的办件 as 草稿
with the time it was last saved — told to intake only, not to the 浙政钉 to-do centre, since nothing waits
and no clock runs — and is no longer a draft once submitted."""

from __future__ import annotations

from typing import Any

from devolution_factories import complete_application

from services.intake.usecases import directory, worklist
from shared import demo
from shared.contracts import INTAKE, NOTIFY

APPLICANT, COLLEAGUE, OTHER = "scjg.clerk", "scjg.leader", "sthj.clerk"


def _sync(intake: Any, devolution: Any) -> None:
    for destination, envelope in devolution.sender.sent:
        if destination == INTAKE and envelope["type"].startswith("task."):
            intake.bus.handle(envelope)
    devolution.sender.sent.clear()


def _drafts(intake: Any, user_id: str) -> list[worklist.DraftView]:
    return worklist.department_drafts(intake, directory.principal_of(directory.find_person(intake, user_id)))


def test_a_devolution_draft_is_in_my_work_as_a_draft_until_it_is_submitted_第三十三条(
    client, auth, devolution, make_runtime
) -> None:  # type: ignore[no-untyped-def]
    intake = make_runtime("intake")
    directory.load_directory(intake, demo.demo_directory())
    half = {"duty_name": "食品小作坊登记"}
    created = client.post("/api/v1/devolutions", json=half, headers=auth(APPLICANT))
    assert created.status_code == 201, created.get_json()
    dv = created.get_json()["id"]
    told = [
        (d, e["type"], e["payload"].get("step"))
        for d, e in devolution.sender.sent
        if e["type"].startswith("task.")
    ]
    assert told == [(INTAKE, "task.opened", "draft")]  # not NOTIFY: no to-do for a draft
    _sync(intake, devolution)

    (draft,) = _drafts(intake, COLLEAGUE)  # anyone of the department
    assert draft.title == "关于下放“食品小作坊登记”职责的申请" and draft.url == f"/devolution/{dv}/edit"
    assert draft.article == "第三十三条"
    first_saved = draft.saved_at
    assert _drafts(intake, OTHER) == []
    me = directory.principal_of(directory.find_person(intake, APPLICANT))
    # a draft is not work waiting for the department, nor one of its cases
    assert worklist.department_tasks(intake, me, worklist.Filters(), counter=_Weekdays()) == []
    assert worklist.department_cases(intake, me, worklist.Filters(), counter=_Weekdays()) == []

    edited = client.put(
        f"/api/v1/devolutions/{dv}/application", json=complete_application(), headers=auth(APPLICANT)
    )
    assert edited.status_code in (200, 204), edited.get_json()
    _sync(intake, devolution)
    (draft,) = _drafts(intake, APPLICANT)
    assert draft.saved_at >= first_saved

    submitted = client.post(f"/api/v1/devolutions/{dv}/submission", json={}, headers=auth(APPLICANT))
    assert submitted.status_code == 200, submitted.get_json()
    closed = [(d, e["payload"]["task_id"]) for d, e in devolution.sender.sent if e["type"] == "task.closed"]
    assert closed == [(INTAKE, f"devolution:{dv}:draft")]
    assert all(
        d != NOTIFY or "draft" not in e["payload"].get("task_id", "") for d, e in devolution.sender.sent
    )
    _sync(intake, devolution)
    assert _drafts(intake, APPLICANT) == []
    cases = worklist.department_cases(intake, me, worklist.Filters(), counter=_Weekdays())
    assert [c.step_name for c in cases] == ["审核论证"]


class _Weekdays:
    def count(self, after: Any, through: Any) -> tuple[int, bool]:
        from services.intake.domain.approvals.workdays import weekdays_between

        return weekdays_between(after, through), False


def _browser(devolution: Any, user: str) -> Any:
    from devolution_factories import USERS

    from services.devolution.app import create_app
    from shared.web import session as web_session

    client = create_app(runtime=devolution).test_client()
    jurisdiction, department, roles = USERS[user]
    person = web_session.SessionUser(user, user, jurisdiction, department, frozenset(roles))
    started = web_session.new_session(devolution.settings, person)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, devolution.settings), path="/")
    client.csrf = started.csrf_token
    return client


def test_the_applying_department_deletes_its_draft_after_confirming_and_nobody_else_may_第三十三条(
    client, auth, devolution, make_runtime
) -> None:  # type: ignore[no-untyped-def]
    intake = make_runtime("intake")
    directory.load_directory(intake, demo.demo_directory())
    dv = client.post(
        "/api/v1/devolutions", json={"duty_name": "食品小作坊登记"}, headers=auth(APPLICANT)
    ).get_json()["id"]
    _sync(intake, devolution)
    applicant = _browser(devolution, APPLICANT)
    assert f'href="/devolution/{dv}/delete"' in applicant.get(f"/devolution/{dv}/edit").get_data(as_text=True)
    asked = applicant.get(f"/devolution/{dv}/delete").get_data(as_text=True)
    assert (
        "<h1>删除草稿</h1>" in asked
        and "确认删除草稿" in asked
        and "关于下放“食品小作坊登记”职责的申请" in asked
    )

    stranger = _browser(devolution, "nyj.clerk")
    refused = stranger.post(f"/devolution/{dv}/delete", data={"csrf_token": stranger.csrf})
    assert refused.status_code == 404 and "未找到该职责下放事项" in refused.get_data(as_text=True)
    office = _browser(devolution, "bb.clerk")
    assert office.post(f"/devolution/{dv}/delete", data={"csrf_token": office.csrf}).status_code == 403
    assert _drafts(intake, APPLICANT) != []

    done = applicant.post(f"/devolution/{dv}/delete", data={"csrf_token": applicant.csrf})
    assert done.status_code == 303 and done.headers["Location"] == "/my?done=draft-deleted"
    closed = [e["payload"] for d, e in devolution.sender.sent if e["type"] == "task.closed"]
    assert closed and closed[-1]["outcome"] == "cancelled"
    _sync(intake, devolution)
    assert _drafts(intake, APPLICANT) == []
    assert client.get(f"/api/v1/devolutions/{dv}", headers=auth(APPLICANT)).status_code == 404


def test_a_submitted_devolution_application_cannot_be_deleted_as_a_draft_第三十三条(
    client, auth, devolution
) -> None:  # type: ignore[no-untyped-def]
    dv = client.post("/api/v1/devolutions", json=complete_application(), headers=auth(APPLICANT)).get_json()[
        "id"
    ]
    assert client.post(f"/api/v1/devolutions/{dv}/submission", headers=auth(APPLICANT)).status_code == 200
    applicant = _browser(devolution, APPLICANT)
    assert "删除草稿" not in applicant.get(f"/devolution/{dv}/edit").get_data(as_text=True)
    refused = applicant.post(f"/devolution/{dv}/delete", data={"csrf_token": applicant.csrf})
    assert refused.status_code == 409 and "申请已提交，不能删除" in refused.get_data(as_text=True)
