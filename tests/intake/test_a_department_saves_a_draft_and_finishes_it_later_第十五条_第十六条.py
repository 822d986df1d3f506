"""Drafts (草稿) of the department's forms: a half-filled coordination application (第十六条) or filing
(第十五条) is saved without opening a case, listed in 我的办件 with the time it was last saved, opened by
anyone of the department, finished and submitted — and then it is gone. Nobody else may see, change or
delete it. Lists of rows grow by 添加一行, also without JavaScript."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from casework_support import PDF, Desk
from sqlalchemy import func, select

from services.intake.pages.login import session_user
from services.intake.tables import Attachment, CaseDraft, CaseRecord
from services.intake.usecases import directory, drafts
from shared.web import session as web_session

HALF_FILLED = {
    "title": "关于餐厨垃圾收运监管职责分工的协调申请",
    "host_department": "nb-zhzf",
    "other_parties": ["nb-sthj", "nb-zjj"],
    "disputed_items": "餐厨垃圾收运环节的日常监管",
    "consultation_history": "两次协商会，未达成一致。",
}
REST = {
    "consultation_failed": "on",
    "collective_decision.meeting_date": "2026-11-18",
    "collective_decision.minutes_summary": "局党组会议研究同意申请协调",
    "leaning_opinion": "收运环节由综合行政执法局监管。",
    "reasons": "职责交叉，基层无所适从。",
    "legal_bases[0].type": "sanding",
    "legal_bases[0].name": "宁波市综合行政执法局三定规定",
}


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _browser(desk: Desk, user_id: str) -> Any:
    client = desk.client.application.test_client()
    user = session_user(desk.runtime, directory.find_person(desk.runtime, user_id))
    started = web_session.new_session(desk.runtime.settings, user)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, desk.runtime.settings), path="/")
    client.csrf = started.csrf_token  # type: ignore[attr-defined]
    return client


def _post(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={"csrf_token": client.csrf, **data}, content_type="multipart/form-data")


def _cases(desk: Desk) -> int:
    with desk.runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(CaseRecord)) or 0)


def _save(client: Any, slug: str = "coordination", **typed: Any) -> str:
    saved = _post(client, f"/cases/new/{slug}", {**typed, "intent": "draft"})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    found = re.search(r"draft=(d-[0-9a-f]+)&saved=1$", saved.headers["Location"])
    assert found, saved.headers["Location"]
    return found.group(1)


def test_a_half_filled_coordination_application_is_kept_as_a_draft_and_submitted_later_第十六条(desk) -> None:
    clerk = _browser(desk, "zhzf.clerk")
    draft_id = _save(clerk, **HALF_FILLED)
    assert _cases(desk) == 0  # no case opened, no clock started

    page = clerk.get(f"/cases/new/coordination?draft={draft_id}&saved=1").get_data(as_text=True)
    assert "草稿已保存（" in page and "关于餐厨垃圾收运监管职责分工的协调申请" in page
    assert "两次协商会，未达成一致。" in page and 'value="nb-sthj" checked' in page
    assert f'name="draft_id" value="{draft_id}"' in page and "删除草稿" in page

    # the department's list says 草稿 and when it was last saved; its leader opens it too
    leader = _browser(desk, "zhzf.leader")
    mine = leader.get("/my").get_data(as_text=True)
    assert "草稿（1）" in mine and "关于餐厨垃圾收运监管职责分工的协调申请" in mine
    assert re.search(r"最后保存 \d{4}年\d{1,2}月\d{1,2}日（星期.）\d{2}:\d{2}（何静）", mine)
    assert f"/cases/new/coordination?draft={draft_id}" in mine
    opened = leader.get(f"/cases/new/coordination?draft={draft_id}").get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', opened)
    assert key and "餐厨垃圾收运环节的日常监管" in opened

    sent = _post(
        leader,
        "/cases/new/coordination",
        {**HALF_FILLED, **REST, "submission_key": key.group(1), "draft_id": draft_id, "intent": "submit"},
    )
    assert sent.status_code == 303 and "/cases/c" in sent.headers["Location"], sent.get_data(as_text=True)[
        :2000
    ]
    assert _cases(desk) == 1
    assert "草稿（" not in clerk.get("/my").get_data(as_text=True)  # the draft is gone
    gone = clerk.get(f"/cases/new/coordination?draft={draft_id}")
    assert gone.status_code == 404 and "未找到该草稿" in gone.get_data(as_text=True)


def test_a_draft_saved_again_keeps_its_id_and_the_last_values_第十六条(desk) -> None:
    clerk = _browser(desk, "zhzf.clerk")
    draft_id = _save(clerk, **HALF_FILLED)
    again = _save(clerk, **HALF_FILLED, reasons="职责交叉。", draft_id=draft_id)
    assert again == draft_id
    draft = drafts.get(
        desk.runtime, directory.principal_of(directory.find_person(desk.runtime, "zhzf.clerk")), draft_id
    )
    assert ("reasons", "职责交叉。") in draft.values and ("other_parties", "nb-zjj") in draft.values
    assert "csrf_token" not in dict(draft.values) and "intent" not in dict(draft.values)


def test_another_department_cannot_open_change_or_delete_a_draft_and_is_told_in_chinese_第十六条(
    desk,
) -> None:
    draft_id = _save(_browser(desk, "zhzf.clerk"), **HALF_FILLED)
    for outsider in ("sthj.clerk", "hs.scjg.clerk"):  # another department; another jurisdiction
        other = _browser(desk, outsider)
        opened = other.get(f"/cases/new/coordination?draft={draft_id}")
        assert opened.status_code == 404
        assert "未找到该草稿" in opened.get_data(as_text=True)
        assert "餐厨垃圾" not in opened.get_data(as_text=True)
        assert "草稿（" not in other.get("/my").get_data(as_text=True)
        changed = _post(
            other, "/cases/new/coordination", {"title": "改", "draft_id": draft_id, "intent": "draft"}
        )
        assert changed.status_code == 404 and "未找到该草稿" in changed.get_data(as_text=True)
        assert other.get(f"/cases/drafts/{draft_id}/delete").status_code == 404
        deleted = _post(other, f"/cases/drafts/{draft_id}/delete", {})
        assert deleted.status_code == 404 and "不属于本部门" in deleted.get_data(as_text=True)
    with desk.runtime.db.transaction() as session:
        kept = session.get(CaseDraft, draft_id)
        assert kept is not None and kept.title == HALF_FILLED["title"]


def test_a_draft_is_deleted_only_after_the_department_confirms_第十六条(desk) -> None:
    clerk = _browser(desk, "zhzf.clerk")
    draft_id = _save(clerk, **HALF_FILLED)
    asked = clerk.get(f"/cases/drafts/{draft_id}/delete").get_data(as_text=True)
    assert "<h1>删除草稿</h1>" in asked and "确认删除草稿" in asked and "不能恢复" in asked
    assert _browser(desk, "zhzf.clerk").get("/my").get_data(as_text=True).count("删除草稿") == 1  # not yet
    done = _post(clerk, f"/cases/drafts/{draft_id}/delete", {})
    assert done.status_code == 303 and done.headers["Location"] == "/my?done=draft-deleted"
    mine = clerk.get("/my?done=draft-deleted").get_data(as_text=True)
    assert "草稿已删除。" in mine and "草稿（" not in mine
    assert _cases(desk) == 0


def test_saving_a_draft_asks_for_nothing_required_but_refuses_a_value_no_field_takes(desk) -> None:
    clerk = _browser(desk, "zhzf.clerk")
    assert _save(clerk, title="只写了标题")  # every required field left empty: still a draft
    refused = _post(clerk, "/cases/new/coordination", {**HALF_FILLED, "title": "长" * 201, "intent": "draft"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "草稿未保存" in html and "标题：长度应在 1 到 200 之间" in html
    assert "两次协商会，未达成一致。" in html  # what was typed stays
    refused = _post(
        clerk, "/cases/new/coordination", {**HALF_FILLED, "legal_bases[0].type": "x", "intent": "draft"}
    )
    assert refused.status_code == 422 and "依据类型：" in refused.get_data(as_text=True)
    nul = _post(clerk, "/cases/new/coordination", {**HALF_FILLED, "reasons": "a\x00b", "intent": "draft"})
    assert nul.status_code in (400, 422) and "空字符" in nul.get_data(as_text=True)
    with desk.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CaseDraft)) == 1


def test_a_filings_draft_keeps_its_uploaded_minutes_until_it_is_submitted_第十五条(desk) -> None:
    clerk = _browser(desk, "scjg.clerk")
    draft_id = _save(
        clerk,
        "filing",
        title="关于农产品质量安全监管职责分工的协商纪要",
        minutes_attachment_id=(io.BytesIO(PDF), "协商纪要（盖章）.pdf"),
    )
    draft = drafts.get(
        desk.runtime, directory.principal_of(directory.find_person(desk.runtime, "scjg.clerk")), draft_id
    )
    assert len(draft.attachment_ids) == 1
    with desk.runtime.db.transaction() as session:
        assert drafts.referenced_attachments(session) == set(draft.attachment_ids)  # a cleanup keeps it
    page = clerk.get(f"/cases/new/filing?draft={draft_id}").get_data(as_text=True)
    assert "已上传：协商纪要（盖章）.pdf（无需重新选择）" in page
    typed = {
        "title": "关于农产品质量安全监管职责分工的协商纪要",
        "matter": "食用农产品进入市场后的质量安全监管",
        "host_department": "nb-scjg",
        "assisting_departments": "nb-nyj",
        "agreed_points": "进入市场前由农业农村局监管，进入市场后由市场监管局监管。",
        "seals[0].department": "nb-scjg",
        "seals[0].party_group": "党组",
        "seals[0].sealed_on": "2026-11-20",
        "seals[1].department": "nb-nyj",
        "seals[1].party_group": "党组",
        "seals[1].sealed_on": "2026-11-21",
        "minutes_attachment_id.kept": draft.attachment_ids[0],
        "minutes_attachment_id.kept_name": "协商纪要（盖章）.pdf",
        "draft_id": draft_id,
        "intent": "submit",
    }
    sent = _post(clerk, "/cases/new/filing", typed)
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    case_id = sent.headers["Location"].split("/")[2].split("?")[0]
    with desk.runtime.db.transaction() as session:
        assert session.get(Attachment, draft.attachment_ids[0]).case_id == case_id
        assert session.scalar(select(func.count()).select_from(CaseDraft)) == 0


def test_a_list_of_rows_grows_by_one_without_javascript_and_nothing_is_submitted_第十六条(desk) -> None:
    clerk = _browser(desk, "zhzf.clerk")
    form = clerk.get("/cases/new/coordination").get_data(as_text=True)
    assert "需要更多项的" not in form and "添加一行" in form
    assert 'name="legal_bases[2].name"' in form and 'name="legal_bases[3].name"' not in form
    grown = _post(clerk, "/cases/new/coordination", {**HALF_FILLED, "intent": "add-row:legal_bases"})
    html = grown.get_data(as_text=True)
    assert grown.status_code == 200 and 'name="legal_bases[3].name"' in html
    assert 'name="rows.legal_bases" value="4"' in html and "两次协商会，未达成一致。" in html
    again = _post(
        clerk, "/cases/new/coordination", {"rows.legal_bases": "4", "intent": "add-row:legal_bases"}
    )
    assert 'name="legal_bases[4].name"' in again.get_data(as_text=True)
    assert _cases(desk) == 0
    with desk.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CaseDraft)) == 0


def test_a_devolution_draft_told_by_its_task_event_is_listed_in_my_work_as_a_draft_第三十三条(desk) -> None:
    from shared.contracts import TASK_CLOSED, TASK_OPENED

    opened = {
        "task_id": "devolution:dv-1:draft",
        "case": {"service": "devolution", "kind": "devolution", "id": "dv-1", "jurisdiction": "330200",
                 "title": "关于下放“食品小作坊登记”职责的申请"},
        "step": "draft", "step_name": "草稿", "article": "第三十三条",
        "assignee": {"kind": "department", "id": "nb-scjg", "jurisdiction": "330200"},
        "due_date": None, "opened_at": "2026-12-03T10:00:00+08:00", "url": "/devolution/dv-1/edit",
        "department": "nb-scjg",
    }  # fmt: skip
    assert desk.deliver(TASK_OPENED, opened, source="devolution")
    mine = _browser(desk, "scjg.leader").get("/my").get_data(as_text=True)
    assert "草稿（1）" in mine and "关于下放“食品小作坊登记”职责的申请" in mine
    assert "最后保存 2026年12月3日（星期四）10:00" in mine and 'href="/devolution/dv-1/edit"' in mine
    assert "职责下放申请（第三十三条）" in mine
    assert "目前没有等待本部门办理的事项" in mine and "本部门目前没有事项" in mine  # not work, not a case
    assert "草稿（" not in _browser(desk, "sthj.clerk").get("/my").get_data(as_text=True)
    closed = {"task_id": "devolution:dv-1:draft", "outcome": "done", "at": "2026-12-03T11:00:00+08:00"}
    assert desk.deliver(TASK_CLOSED, closed, source="devolution")
    assert "草稿（" not in _browser(desk, "scjg.leader").get("/my").get_data(as_text=True)


def test_the_offices_own_drafts_wait_in_its_worklist_第二十六条(desk) -> None:
    handler = _browser(desk, "bb.clerk")
    draft_id = _save(handler, "office-coordination", title="关于新业态监管职责的协调")
    listed = _browser(desk, "bb.head").get("/worklist").get_data(as_text=True)  # the office's people
    assert "草稿（1）" in listed and "关于新业态监管职责的协调" in listed and "第二十六条" in listed
    assert "草稿（" not in _browser(desk, "zhzf.clerk").get("/my").get_data(as_text=True)
    done = _post(handler, f"/cases/drafts/{draft_id}/delete", {})
    assert done.headers["Location"] == "/worklist?done=draft-deleted"
    assert "草稿已删除。" in handler.get(done.headers["Location"]).get_data(as_text=True)


def test_saving_a_new_form_twice_before_it_knows_its_draft_keeps_one_draft_第十六条(desk) -> None:
    clerk = _browser(desk, "zhzf.clerk")
    key = re.search(
        r'name="submission_key" value="([^"]+)"', clerk.get("/cases/new/coordination").get_data(as_text=True)
    )
    assert key
    first = _save(clerk, **HALF_FILLED, submission_key=key.group(1))
    second = _save(clerk, **HALF_FILLED, reasons="第二次点保存", submission_key=key.group(1))  # a double tap
    assert first == second
    with desk.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CaseDraft)) == 1
    other_form = _save(clerk, **HALF_FILLED)  # another form (no key, or another one) is another draft
    assert other_form != first


def test_the_office_is_told_its_drafts_are_in_its_worklist_第二十六条(desk) -> None:
    handler = _browser(desk, "bb.clerk")
    assert "草稿列在“待办”中" in handler.get("/cases/new/office-coordination").get_data(as_text=True)
    draft_id = _save(handler, "office-coordination", title="关于新业态监管职责的协调")
    page = handler.get(f"/cases/new/office-coordination?draft={draft_id}&saved=1").get_data(as_text=True)
    assert "草稿在“待办”中" in page
    assert "草稿列在“我的办件”中" in _browser(desk, "zhzf.clerk").get("/cases/new/coordination").get_data(
        as_text=True
    )
