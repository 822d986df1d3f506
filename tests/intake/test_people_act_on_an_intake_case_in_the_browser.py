"""The intake case page for people: what was applied for by name, the statutory dates, the history in Beijing
time, and a form — generated from the action's one declaration — for every action the person may take now."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from casework_support import PDF, Desk, accepted_application, application_body

from services.intake.api.case_schemas import schema_for
from services.intake.domain.coordination import REJECTION_GROUND_NAMES
from services.intake.pages import case_forms
from services.intake.pages.case import PREVIEW_KEY
from services.intake.pages.login import session_user
from services.intake.usecases import directory
from shared.web import session as web_session


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    d = Desk(make_runtime("intake"))
    d.client.application.extensions[PREVIEW_KEY] = lambda start, n: (date(2026, 12, 16), False)
    return d


def _browser(desk: Desk, user_id: str) -> Any:
    client = desk.client.application.test_client()
    user = session_user(desk.runtime, directory.find_person(desk.runtime, user_id))
    started = web_session.new_session(desk.runtime.settings, user)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, desk.runtime.settings), path="/")
    client.csrf = started.csrf_token  # type: ignore[attr-defined]
    return client


def _post(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={"csrf_token": client.csrf, **data}, content_type="multipart/form-data")


def test_every_action_a_person_takes_has_a_generated_form_with_labelled_fields() -> None:
    for declared in case_forms.by_action().values():
        specs = case_forms.fields_of(declared)
        schema = schema_for(declared.command)()
        assert [s.name for s in specs] == [n for n, f in schema.fields.items() if not f.dump_only]
        assert all(s.label and not re.fullmatch(r"[a-z_]+", s.label) for s in specs), declared.action


def test_the_applicant_reads_its_application_by_name_with_its_dates_第十六条_第十七条(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    page = _browser(desk, "zhzf.clerk").get(f"/cases/{case_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "宁波市生态环境局" in html and "nb-sthj" not in html and "nb-zhzf" not in html
    assert "分歧涉及的其他部门" in html and "已提交" in html
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日（星期.）\d{2}:\d{2}", html)  # history in Beijing time
    assert 'aria-label="撤回申请"' in html or "撤回" in html
    assert 'action="/cases/' + case_id + "/actions/withdraw" in html
    assert "/actions/accept" not in html  # the office's, not the department's


def test_the_office_handler_gets_the_six_grounds_of_第十七条_and_accepts(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    office = _browser(desk, "bb.head")
    html = office.get(f"/cases/{case_id}").get_data(as_text=True)
    assert len(REJECTION_GROUND_NAMES) == 6
    assert all(name in html for name in REJECTION_GROUND_NAMES.values())
    done = _post(office, f"/cases/{case_id}/actions/accept", {"note": "材料齐全"})
    assert done.status_code == 303 and done.headers["Location"].startswith(f"/cases/{case_id}?done=accept")
    assert desk.get("bb.head", f"/cases/{case_id}").json["status"] == "coordinating"


def test_a_refused_form_keeps_what_was_typed_and_names_the_field_beside_it_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    office = _browser(desk, "bb.clerk")
    refused = _post(
        office,
        f"/cases/{case_id}/actions/solicit",
        {"departments": "nb-sthj", "question": "请对收运环节监管分工提出意见", "reply_working_days": "abc"},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "请对收运环节监管分工提出意见" in html  # typed value kept
    assert "答复期限（工作日）：" in html  # the message names the field as labelled
    assert re.search(r'value="nb-sthj" checked', html)


def test_the_solicitation_form_previews_the_due_date_from_the_calendar_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    office = _browser(desk, "bb.clerk")
    html = office.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "2026年12月16日（星期三） 24:00 前" in html
    preview = office.get(f"/cases/{case_id}/reply-due?working_days=7").json
    assert preview["due_date"] == "2026-12-16" and "答复截止" in preview["text"]


def test_a_consulted_department_replies_on_its_page_knowing_what_silence_means_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    body = {"departments": ["nb-sthj"], "question": "请对收运环节监管分工提出意见", "reply_working_days": 5}
    solicited = desk.act("bb.clerk", case_id, "solicitations", body).json
    [sol] = solicited["solicitations"]
    desk.schedule_reply(sol)
    desk.delivered(case_id, sol)
    consulted = _browser(desk, "sthj.clerk")
    html = consulted.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "视为没有不同意见" in html and "2026年12月7日（星期一） 24:00 前" in html
    missing = _post(consulted, f"/cases/{case_id}/actions/reply", {"solicitation_id": sol["id"]})
    assert missing.status_code == 422 and "答复：" in missing.get_data(as_text=True)
    replied = _post(
        consulted,
        f"/cases/{case_id}/actions/reply",
        {"solicitation_id": sol["id"], "kind": "disagree", "opinion": "处置环节应由我局监管"},
    )
    assert replied.status_code == 303, replied.get_data(as_text=True)
    [after] = desk.get("bb.clerk", f"/cases/{case_id}").json["solicitations"]
    assert after["status"] == "disagreed"


def test_a_supplement_is_uploaded_with_the_form_and_downloadable_from_the_page(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    assert (
        desk.act("bb.clerk", case_id, "request-supplement", {"reason": "缺党组会议纪要"}).status_code == 200
    )
    clerk = _browser(desk, "zhzf.clerk")
    html = clerk.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "单个文件不超过" in html
    sent = clerk.post(
        f"/cases/{case_id}/actions/supplement",
        data={
            "csrf_token": clerk.csrf,
            "note": "补充纪要",
            "attachment_ids": (io.BytesIO(PDF), "党组会议纪要.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)
    html = clerk.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "下载：党组会议纪要.pdf" in html


def test_links_in_notices_open_the_case_page_and_the_old_phone_link_still_works(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    clerk = _browser(desk, "zhzf.clerk")
    old = clerk.get(f"/m/cases/{case_id}")
    assert old.status_code in (200, 301, 302, 303, 308)
    if old.status_code != 200:
        assert old.headers["Location"].endswith(f"/cases/{case_id}")
