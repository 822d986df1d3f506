"""The intake case page for people: what was applied for by name, the statutory dates, the history in Beijing
time, and a form — generated from the action's one declaration — for every action the person may take now."""

from __future__ import annotations

import io
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from casework_support import PDF, Desk, accepted_application, application_body
from werkzeug.datastructures import MultiDict

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
    assert "答复书面征求意见（第二十条） · 宁波市生态环境局" in html  # whose reply clock it is
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


def test_a_department_files_consultation_minutes_with_the_seals_on_a_form_第十五条(desk) -> None:
    clerk = _browser(desk, "scjg.clerk")
    form = clerk.get("/cases/new/filing").get_data(as_text=True)
    assert "单个文件不超过" in form and "协商纪要文件" in form and "加盖印章的部门" in form
    assert "nb-scjg" not in form.replace('value="nb-scjg"', "")  # codes only as values, names shown
    typed = {
        "csrf_token": clerk.csrf,
        "title": "关于农产品质量安全监管职责分工的协商纪要",
        "matter": "食用农产品进入市场后的质量安全监管",
        "host_department": "nb-scjg",
        "assisting_departments": "nb-nyj",
        "agreed_points": "进入市场前由农业农村局监管，进入市场后由市场监管局监管。",
        "seals[0].department": "nb-scjg",
        "seals[0].party_group": "党组",
        "seals[0].sealed_on": "2026-11-20",
    }
    refused = clerk.post("/cases/new/filing", data=typed, content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "协商纪要文件：" in html and "关于农产品质量安全监管职责分工的协商纪要" in html
    typed["minutes_attachment_id"] = (io.BytesIO(PDF), "协商纪要（盖章）.pdf")
    typed["seals[1].department"], typed["seals[1].party_group"] = "nb-nyj", "党组"
    typed["seals[1].sealed_on"] = "2026-11-21"
    sent = clerk.post("/cases/new/filing", data=typed, content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    case_page = clerk.get(sent.headers["Location"]).get_data(as_text=True)
    assert "已提交" in case_page and "下载：协商纪要（盖章）.pdf" in case_page
    assert "宁波市农业农村局" in case_page


def test_a_coordination_application_on_the_form_keeps_every_typed_value_on_refusal_第十六条(desk) -> None:
    clerk = _browser(desk, "zhzf.clerk")
    form = clerk.get("/cases/new/coordination").get_data(as_text=True)
    assert "党组（党委）会议日期" in form and "政策法规依据" in form and "分歧涉及的其他部门" in form
    typed = {
        "csrf_token": clerk.csrf,
        "title": "关于餐厨垃圾收运监管职责分工的协调申请",
        "host_department": "nb-zhzf",
        "other_parties": ["nb-sthj", "nb-zjj"],
        "disputed_items": "餐厨垃圾收运环节的日常监管",
        "consultation_failed": "on",
        "consultation_history": "两次协商会，未达成一致。",
        "collective_decision.meeting_date": "2026-11-18",
        "collective_decision.minutes_summary": "局党组会议研究同意申请协调",
        "leaning_opinion": "收运环节由综合行政执法局监管。",
        "reasons": "职责交叉，基层无所适从。",
    }
    refused = clerk.post("/cases/new/coordination", data=typed, content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422, html[:500]
    assert "政策法规依据" in html and "两次协商会，未达成一致。" in html
    typed["legal_bases[0].type"], typed["legal_bases[0].name"] = "sanding", "宁波市综合行政执法局三定规定"
    key = re.search(r'name="submission_key" value="([^"]+)"', form)
    assert key, "the form carries its idempotency key"
    typed["submission_key"] = key.group(1)
    sent = clerk.post("/cases/new/coordination", data=typed, content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)[:3000]
    again = clerk.post("/cases/new/coordination", data=typed, content_type="multipart/form-data")
    assert again.headers["Location"] == sent.headers["Location"]  # a second tap opens no second case
    case_id = sent.headers["Location"].split("/")[2].split("?")[0]
    shown = desk.get("zhzf.clerk", f"/cases/{case_id}").json
    assert shown["content"]["legal_bases"][0]["name"] == "宁波市综合行政执法局三定规定"
    assert shown["content"]["collective_decision"]["meeting_date"] == "2026-11-18"


def test_the_duty_plan_form_asks_each_duty_with_its_basis_and_internal_body_第八条_第九条(desk) -> None:
    html = _browser(desk, "scjg.clerk").get("/cases/new/duty-plan").get_data(as_text=True)
    assert "部门主要职责（第1项）" in html and 'name="main_duties[0].bases[0].type"' in html
    assert 'name="internal_bodies[0].main_duties"' in html and "每行一个序号" in html


def test_the_office_issues_with_the_document_number_and_the_document_itself_第二十四条(desk) -> None:
    declared = case_forms.by_action()["issue"]
    widgets = {s.name: s.widget for s in case_forms.fields_of(declared)}
    assert widgets == {
        "document_number": "text",
        "issued_on": "date",
        "note": "textarea",
        "attachment_ids": "files",
    }


def test_the_department_withdraws_before_acceptance_on_its_page(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    clerk = _browser(desk, "zhzf.clerk")
    done = _post(clerk, f"/cases/{case_id}/actions/withdraw", {"reason": "已自行协商一致"})
    assert done.status_code == 303
    html = clerk.get(done.headers["Location"]).get_data(as_text=True)
    assert "已撤回" in html and "已自行协商一致" in html and "/actions/" not in html


def test_an_urgent_applicant_reports_interim_measures_naming_who_was_told_第二十二条第二款(desk) -> None:
    body = application_body(urgent=True, interim_measures="先行由执法局收运", interim_told=["nb-sthj"])
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", body).json["id"]
    assert desk.act("bb.head", case_id, "accept", {"note": "紧急，受理"}).status_code == 200
    clerk = _browser(desk, "zhzf.clerk")
    html = clerk.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'aria-label="报告临时处置措施"' in html
    refused = _post(clerk, f"/cases/{case_id}/actions/interim_measures", {"measures": "增派收运车辆"})
    assert refused.status_code in (404, 422)
    refused = _post(clerk, f"/cases/{case_id}/actions/report_interim_measures", {"measures": "增派收运车辆"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "已告知的对象：" in page and "增派收运车辆" in page
    done = _post(
        clerk,
        f"/cases/{case_id}/actions/report_interim_measures",
        {"measures": "增派收运车辆", "told": "nb-sthj"},
    )
    assert done.status_code == 303
    assert "增派收运车辆" in clerk.get(f"/cases/{case_id}").get_data(as_text=True)


def test_the_ordered_department_reports_its_correction_on_its_page_第三十七条(desk) -> None:
    order = {
        "title": "关于市生态环境局未按协调意见履行餐厨垃圾处置监管职责的限期纠正",
        "department": "nb-sthj",
        "ground": "not_as_coordinated",
        "facts": "协调意见发文后，处置环节监管仍未落实",
        "due_date": "2099-01-31",
    }
    case_id = desk.post("bb.head", "/cases/rectifications", order).json["id"]
    clerk = _browser(desk, "sthj.clerk")
    html = clerk.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "2099年1月31日（星期六）" in html and "纠正情况" in html
    done = _post(clerk, f"/cases/{case_id}/actions/report_correction", {"report": "已明确处置环节监管科室"})
    assert done.status_code == 303
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "correction_reported"


def test_a_returned_duty_plan_is_revised_on_a_form_that_starts_from_what_was_submitted_第十一条第一项(
    desk,
) -> None:
    from services.intake.api.cases import DUTY_PLAN_EXAMPLE

    case_id = desk.post("scjg.clerk", "/cases/duty-plans", DUTY_PLAN_EXAMPLE).json["id"]
    review = {"function_transformation": "请细化", "main_duties": "依据充分", "internal_bodies": "已分解"}
    assert (
        desk.act("bb.clerk", case_id, "return", {**review, "reasons": "职能转变表述过于笼统"}).status_code
        == 200
    )
    clerk = _browser(desk, "scjg.clerk")
    html = clerk.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "负责食用农产品进入批发、零售市场后的质量安全监督管理。" in html  # prefilled from the submission
    assert 'name="main_duties[2].text"' in html  # and one empty row more
    form = re.search(r"<form[^>]*actions/revise_plan.*?</form>", html, re.S)
    assert form, "the revision form"
    values = MultiDict(_as_submitted(form.group(0)))
    values["function_transformation"] = "强化信用监管和智慧监管。"
    posted = clerk.post(
        f"/cases/{case_id}/actions/revise_plan", data=values, content_type="multipart/form-data"
    )
    assert posted.status_code == 303, posted.get_data(as_text=True)[:3000]
    content = desk.get("scjg.clerk", f"/cases/{case_id}").json["content"]
    assert content["function_transformation"] == "强化信用监管和智慧监管。"
    assert content["main_duties"][1]["bases"][0]["provision"] == "第三十六条"


class _Fields(HTMLParser):
    """What a browser would submit from a form: inputs, checked boxes, textareas, selected options."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") != "file":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.pairs.append((a["name"], ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.pairs.append((self._select, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, value = self.pairs[-1]
            self.pairs[-1] = (name, value + data)


def _as_submitted(form_html: str) -> list[tuple[str, str]]:
    parser = _Fields()
    parser.feed(form_html)
    return parser.pairs


def test_the_office_orders_a_rectification_on_a_form_and_a_department_may_not_第三十七条(desk) -> None:
    assert _browser(desk, "sthj.clerk").get("/cases/new/rectification").status_code == 403
    head = _browser(desk, "bb.head")
    form = head.get("/cases/new/rectification?coordination_case_id=c-1").get_data(as_text=True)
    assert "责令纠正的部门" in form and "纠正期限" in form and 'value="c-1"' in form
    key = re.search(r'name="submission_key" value="([^"]+)"', form)
    assert key
    typed = {
        "csrf_token": head.csrf,
        "submission_key": key.group(1),
        "title": "关于市生态环境局未按协调意见履行餐厨垃圾处置监管职责的限期纠正",
        "department": "nb-sthj",
        "ground": "not_as_coordinated",
        "facts": "协调意见发文后，处置环节监管仍未落实",
        "due_date": "2099-01-31",
    }
    sent = head.post("/cases/new/rectification", data=typed, content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    case_id = sent.headers["Location"].split("/")[2].split("?")[0]
    assert desk.get("sthj.clerk", f"/cases/{case_id}").json["status"] == "ordered"


def test_a_department_records_a_written_reflection_on_a_form_第二十六条第四款(desk) -> None:
    clerk = _browser(desk, "zhzf.clerk")
    form = clerk.get("/cases/new/reflection").get_data(as_text=True)
    assert "反映人类型" in form and "收到日期" in form
    key = re.search(r'name="submission_key" value="([^"]+)"', form)
    assert key
    typed = {
        "csrf_token": clerk.csrf,
        "submission_key": key.group(1),
        "title": "关于餐饮油烟扰民投诉无人受理的反映",
        "submitter.name": "某小区业主委员会",
        "submitter.kind": "group",
        "submitter.contact": "0574-88888888",
        "received_on": "2026-11-30",
        "content": "多次投诉餐饮油烟扰民，相关部门互相推诿。",
    }
    sent = clerk.post("/cases/new/reflection", data=typed, content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    case_id = sent.headers["Location"].split("/")[2].split("?")[0]
    assert desk.get("zhzf.clerk", f"/cases/{case_id}").json["kind"] == "reflection"
    assert "/cases/new/reflection" in clerk.get("/my").get_data(as_text=True)


def test_the_office_starts_a_coordination_itself_on_a_form_from_its_worklist_第二十六条(desk) -> None:
    assert _browser(desk, "zhzf.clerk").get("/cases/new/office-coordination").status_code == 403
    office = _browser(desk, "bb.clerk")
    assert "/cases/new/office-coordination" in office.get("/worklist").get_data(as_text=True)
    form = office.get("/cases/new/office-coordination").get_data(as_text=True)
    assert "新业态新领域管理职责不明确" in form  # the sources by name, never by code
    key = re.search(r'name="submission_key" value="([^"]+)"', form)
    assert key
    typed = MultiDict(
        [
            ("csrf_token", office.csrf),
            ("submission_key", key.group(1)),
            ("title", "关于网络直播营销监管职责的协调"),
            ("source", "new_business"),
            ("description", "网络直播营销属新业态，监管职责不明确。"),
            ("parties", "nb-scjg"),
            ("parties", "nb-zhzf"),
        ]
    )
    sent = office.post("/cases/new/office-coordination", data=typed, content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)[:3000]
    case_id = sent.headers["Location"].split("/")[2].split("?")[0]
    seen = desk.get("bb.clerk", f"/cases/{case_id}").json
    assert (seen["kind"], seen["status"]) == ("coordination", "coordinating")
