"""Every written step of the measures produces its document in the layout of GB/T 9704-2012: the .docx names
the standard's fonts and carries every element (authority mark, number, title, main recipient, body citing the
article, issuing organ and date, copy-to), the PDF says the same, the document is the case's attachment,
downloadable by whoever may see the case, and the addressee is told with a link. Each PDF page is rendered to
PNG under test-artifacts/ for a person to look at."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from casework_support import Desk, accepted_application, application_body, filing_body
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from services.intake.domain import documents as rules
from services.intake.pages.login import session_user
from services.intake.usecases import directory
from shared.documents.docx_render import render_docx
from shared.documents.model import DocumentNumber, OfficialDocument, issuer_for, series_for
from shared.documents.pdf_render import render_pdf
from shared.localtime import today
from shared.web import session

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "written_documents"
ISSUER = "中共宁波市委机构编制委员会办公室"
pytestmark = pytest.mark.usefixtures("chinese_font")  # skips with the reason on a machine without one


def _png(name: str, pdf: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(pdf)
    for index in range(len(document)):
        document[index].render(scale=1).to_pil().save(ARTIFACTS / f"{name}-{index + 1}.png")


def _docx_facts(data: bytes) -> dict[str, Any]:
    doc = Document(io.BytesIO(data))
    paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    fonts = [p.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) for p in paragraphs]
    section = doc.sections[0]
    return {
        "texts": [p.text for p in paragraphs],
        "fonts": fonts,
        "red": [str(p.runs[0].font.color.rgb) == "E60012" for p in paragraphs],
        "margins_mm": (round(section.top_margin.mm), round(section.left_margin.mm)),
        "size_mm": (round(section.page_width.mm), round(section.page_height.mm)),
        "footer": section.footer._element.xml,
    }


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def _download(desk: Desk, user: str, attachment_id: str) -> Any:
    return desk.get(user, f"/attachments/{attachment_id}")


def _issue(desk: Desk, case_id: str, step: str, user: str = "bb.clerk") -> dict[str, Any]:
    response = desk.post(user, f"/cases/{case_id}/documents", {"step": step})
    assert response.status_code == 200, response.json
    return response.json


def test_acceptance_comes_with_its_step_as_a_numbered_letter_in_the_standards_layout_to_the_party_第十七条(
    make_runtime,
) -> None:
    desk = Desk(make_runtime("intake"))
    case_id = accepted_application(desk)  # the office records the acceptance: its letter is produced with it
    [issued] = desk.get("bb.clerk", f"/cases/{case_id}/documents").json
    assert issued["step"] == "acceptance" and issued["issued_by"] == "bb.head"
    year = today().year
    assert issued["number"] == f"甬编办函〔{year}〕1号"
    assert issued["title"] == "关于餐厨垃圾收运监管职责分工的协调申请予以受理的函"
    assert issued["main_recipient"] == "宁波市综合行政执法局"

    docx = _download(desk, "zhzf.clerk", issued["docx_attachment_id"])  # the applicant may download it
    assert docx.status_code == 200
    facts = _docx_facts(docx.data)
    texts = facts["texts"]
    assert texts[0] == ISSUER and facts["red"][0] and not any(facts["red"][1:])  # 发文机关标志, red
    assert facts["fonts"][0] == "方正小标宋简体"
    assert texts[1] == f"甬编办函〔{year}〕1号"  # 发文字号 under the mark
    assert texts[2] == issued["title"] and facts["fonts"][2] == "方正小标宋简体"
    assert texts[3] == "宁波市综合行政执法局："  # 主送机关
    body = "".join(texts[4:])
    assert "第十七条" in body and "《关于餐厨垃圾收运监管职责分工的协调申请》" in body and "材料齐全" in body
    assert set(facts["fonts"][3:]) == {"仿宋_GB2312"}
    on = today()
    assert f"{on.year}年{on.month}月{on.day}日" in texts  # 成文日期, Arabic numerals
    assert ISSUER in texts[4:]  # 发文机关署名
    assert "抄送：宁波市生态环境局，宁波市住房和城乡建设局。" in texts  # the other parties
    assert facts["size_mm"] == (210, 297) and facts["margins_mm"] == (37, 28)  # A4, 天头 37 mm, 订口 28 mm
    assert "PAGE" in facts["footer"]  # page numbers

    pdf = _download(desk, "sthj.clerk", issued["pdf_attachment_id"])  # a party may download it too
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = _pdf_text(pdf.data)
    for element in (
        ISSUER,
        f"甬编办函〔{year}〕1号",
        "宁波市综合行政执法局：",
        "第十七条",
        "抄送：",
        "材料齐全",
    ):
        assert element in text
    _png("acceptance", pdf.data)
    assert _download(desk, "nyj.clerk", issued["pdf_attachment_id"]).status_code == 404  # not its case

    notices = [p for p in desk.sent("notify.send") if p["template"] == "document_issued"]
    assert [r["id"] for r in notices[0]["recipients"]] == ["nb-sthj", "nb-zhzf", "nb-zjj"]
    assert notices[0]["params"]["pdf_link"].endswith(f"/api/v1/attachments/{issued['pdf_attachment_id']}")
    assert notices[0]["params"]["document_number"] == issued["number"]

    again = _issue(desk, case_id, "acceptance")  # the same step's record: the same document, no new number
    assert again["id"] == issued["id"]
    listed = desk.get("zhzf.clerk", f"/cases/{case_id}/documents").json
    assert [d["number"] for d in listed] == [issued["number"]]

    person = session_user(desk.runtime, directory.find_person(desk.runtime, "sthj.clerk"))
    cookie = session.dump(session.new_session(desk.runtime.settings, person), desk.runtime.settings)
    desk.client.set_cookie(session.COOKIE_NAME, cookie, path=session.COOKIE_PATH)
    page = desk.client.get(f"/cases/{case_id}").get_data(as_text=True)  # the case page of a party
    assert "书面文书" in page and issued["number"] in page
    assert f'href="/m/attachments/{issued["pdf_attachment_id"]}"' in page
    assert desk.client.get(f"/m/attachments/{issued['pdf_attachment_id']}").data.startswith(b"%PDF")


def test_extension_suspension_resumption_and_termination_each_get_the_next_number_第二十二条_第二十五条(
    make_runtime,
) -> None:
    desk = Desk(make_runtime("intake"))
    case_id = accepted_application(desk)
    assert (
        desk.act("bb.head", case_id, "extension", {"reason": "涉及部门多，需进一步调研"}).status_code == 200
    )
    suspended = desk.act(
        "bb.head", case_id, "suspension", {"ground": "restructuring", "reason": "待上级明确"}
    )
    assert suspended.status_code == 200, suspended.json
    assert desk.act("bb.head", case_id, "resumption", {"reason": "上级已明确"}).status_code == 200
    assert desk.act("bb.head", case_id, "termination", {"reason": "争议已通过立法解决"}).status_code == 200
    year = today().year
    expected = {
        "extension": (
            "关于延长餐厨垃圾收运监管职责分工的协调申请办理期限的函",
            "涉及部门多，需进一步调研",
            "第二十二条",
        ),
        "suspension": ("关于中止餐厨垃圾收运监管职责分工的协调申请协调的函", "待上级明确", "第二十五条"),
        "resumption": ("关于恢复餐厨垃圾收运监管职责分工的协调申请协调的函", "上级已明确", "第二十五条"),
        "termination": (
            "关于终止餐厨垃圾收运监管职责分工的协调申请协调的函",
            "争议已通过立法解决",
            "第二十五条",
        ),
    }
    listed = [d["step"] for d in desk.get("bb.clerk", f"/cases/{case_id}/documents").json]
    assert listed == ["acceptance", *expected]  # each letter was produced with its step
    for sequence, (step, (title, reason, article)) in enumerate(expected.items(), 2):  # 1: the acceptance
        issued = _issue(desk, case_id, step)  # asking again gives back the letter produced with the step
        assert issued["number"] == f"甬编办函〔{year}〕{sequence}号" and issued["title"] == title
        texts = _docx_facts(_download(desk, "zhzf.clerk", issued["docx_attachment_id"]).data)["texts"]
        assert texts[2] == title and reason in "".join(texts) and article in "".join(texts)
        pdf = _download(desk, "zhzf.clerk", issued["pdf_attachment_id"]).data
        assert reason in _pdf_text(pdf)
        _png(step, pdf)


def test_a_step_not_taken_or_not_of_the_kind_has_no_document_and_departments_cannot_issue_第十七条(
    make_runtime,
) -> None:
    desk = Desk(make_runtime("intake"))
    submitted = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body())
    case_id = submitted.json["id"]
    not_taken = desk.post("bb.clerk", f"/cases/{case_id}/documents", {"step": "acceptance"})
    assert not_taken.status_code == 422 and not_taken.json["code"] == "document_step_not_taken"
    assert not_taken.json["errors"][0]["field"] == "step"
    wrong_kind = desk.post("bb.clerk", f"/cases/{case_id}/documents", {"step": "rectification_order"})
    assert wrong_kind.json["code"] == "document_step_not_applicable"
    assert desk.post("zhzf.clerk", f"/cases/{case_id}/documents", {"step": "acceptance"}).status_code == 403
    rejected = desk.act(
        "bb.head", case_id, "reject", {"ground": "internal", "reasons": "属于部门内部职责划分"}
    )
    assert rejected.status_code == 200, rejected.json
    issued = _issue(desk, case_id, "rejection")
    texts = _docx_facts(_download(desk, "zhzf.clerk", issued["docx_attachment_id"]).data)["texts"]
    body = "".join(texts)
    assert texts[2] == "关于餐厨垃圾收运监管职责分工的协调申请不予受理的函"
    assert "第十七条" in body and "部门内部的职责分工分歧" in body and "理由：属于部门内部职责划分。" in body
    _png("rejection", _download(desk, "zhzf.clerk", issued["pdf_attachment_id"]).data)


def test_the_filing_opinion_and_the_rectification_order_are_documents_too_第十五条_第三十七条(
    make_runtime,
) -> None:
    desk = Desk(make_runtime("intake"))
    minutes = desk.upload("scjg.clerk").json["id"]
    filing = desk.post("scjg.clerk", "/cases/filings", filing_body(minutes)).json["id"]
    assert desk.act("bb.head", filing, "file", {"opinion": "分工清晰，同意备案"}).status_code == 200
    issued = _issue(desk, filing, "filing_opinion")
    texts = _docx_facts(_download(desk, "nyj.clerk", issued["docx_attachment_id"]).data)["texts"]
    assert texts[2] == "关于农产品质量安全监管职责分工的协商纪要备案意见的函"
    assert texts[3] == "宁波市市场监督管理局：" and "抄送：宁波市农业农村局。" in texts
    assert "第十五条" in "".join(texts) and "同意备案" in "".join(texts)
    _png("filing_opinion", _download(desk, "scjg.clerk", issued["pdf_attachment_id"]).data)

    due = date(today().year + 1, 1, 29).isoformat()
    order = {
        "title": "关于宁波市交通运输局未按三定规定履行职责的限期纠正",
        "department": "nb-jtj",
        "ground": "not_as_defined",
        "facts": "网约车监管职责长期未落实",
        "due_date": due,
    }
    ordered = desk.post("bb.head", "/cases/rectifications", order)
    assert ordered.status_code in (200, 201), ordered.json
    issued = _issue(desk, ordered.json["id"], "rectification_order")
    texts = _docx_facts(_download(desk, "jtj.clerk", issued["docx_attachment_id"]).data)["texts"]
    body = "".join(texts)
    assert texts[2] == "关于责令宁波市交通运输局限期纠正的通知" and texts[3] == "宁波市交通运输局："
    due_on = date.fromisoformat(due)
    assert (
        f"{due_on.year}年{due_on.month}月{due_on.day}日前纠正完毕" in body
        and "网约车监管职责长期未落实" in body
    )
    assert "第三十七条" in body
    assert issued["number"] == f"甬编办函〔{today().year}〕2号"  # one series for the office's letters
    _png("rectification_order", _download(desk, "jtj.clerk", issued["pdf_attachment_id"]).data)


def test_opinion_determination_proposal_and_interpretation_say_what_was_decided_第二十一条_第二十六条() -> (
    None
):
    facts = rules.Facts(
        case_id="c-1",
        kind="coordination",
        source="interpretation",
        title="关于餐厨垃圾收运监管职责分工的协调申请",
        applicant="宁波市综合行政执法局",
        parties=("宁波市生态环境局",),
        reason="",
        progress={
            "coordination_opinion": {
                "text": "收运环节由宁波市综合行政执法局监管。\n处置环节由宁波市生态环境局监管。"
            },
            "determination": {"text": "建议由宁波市综合行政执法局承担收运环节监管职责。"},
            "determination_reasons": "职责边界不清",
        },
        content={"disputed_items": "餐厨垃圾收运环节的日常监管"},
    )
    for step, article, decided in (
        ("coordination_opinion", "第十九条至第二十一条", "处置环节由宁波市生态环境局监管。"),
        ("determination", "第二十一条", "建议由宁波市综合行政执法局承担收运环节监管职责。"),
        ("interpretation", "第二十六条", "收运环节由宁波市综合行政执法局监管。"),
    ):
        content = rules.STEPS[step].build(facts)
        document = OfficialDocument(
            issuer=issuer_for("330200"),
            number=DocumentNumber(series_for("330200"), 2026, 7),
            title=content.title,
            main_recipient=content.main_recipient,
            body=content.body,
            organ=issuer_for("330200"),
            dated=date(2026, 12, 2),
            copy_to=content.copy_to,
        )
        texts = _docx_facts(render_docx(document))["texts"]
        assert texts[1] == "甬编办函〔2026〕7号" and article in "".join(texts) and decided in texts
        pdf = render_pdf(document)
        assert decided in _pdf_text(pdf) and "2026年12月2日" in _pdf_text(pdf)
        _png(step, pdf)
    proposal = rules.STEPS["determination"].build(facts)
    assert proposal.main_recipient == "市委编委" and ("一、争议事项和各方意见", 1) in [
        (b.text, b.level) for b in proposal.body
    ]


def test_a_letter_that_fails_to_render_keeps_its_step_and_number_and_the_office_renders_it_again_第十七条(
    make_runtime, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from services.intake.usecases import documents as written
    from shared.documents.pdf_render import FontMissing

    real = written.render_pdf

    def no_font(document: Any) -> bytes:
        raise FontMissing("未找到中文字体")

    monkeypatch.setattr(written, "render_pdf", no_font)
    desk = Desk(make_runtime("intake"))
    case_id = accepted_application(desk)  # the acceptance commits though its letter could not be rendered
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "coordinating"
    [failed] = desk.get("bb.clerk", f"/cases/{case_id}/documents").json
    number = f"甬编办函〔{today().year}〕1号"
    assert failed["state"] == "failed" and failed["number"] == number and failed["pdf_url"] is None
    assert "document_issued" not in [p["template"] for p in desk.sent("notify.send")]
    monkeypatch.setattr(written, "render_pdf", real)  # the font installed: the office renders it again
    person = session_user(desk.runtime, directory.find_person(desk.runtime, "bb.clerk"))
    web = session.new_session(desk.runtime.settings, person)
    desk.client.set_cookie(
        session.COOKIE_NAME, session.dump(web, desk.runtime.settings), path=session.COOKIE_PATH
    )
    page = desk.client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert number in page and "生成失败（将自动重试）" in page and "重新生成" in page
    assert 'value="acceptance"' not in page  # numbered already: not offered to be issued a second time

    posted = desk.client.post(
        f"/cases/{case_id}/documents/{failed['id']}/render", data={"csrf_token": web.csrf_token}
    )
    assert posted.status_code == 303 and posted.headers["Location"].endswith(f"/cases/{case_id}#documents")
    [issued] = desk.get("bb.clerk", f"/cases/{case_id}/documents").json
    assert issued["state"] == "issued" and issued["number"] == number  # the number it was given at first
    page = desk.client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/m/attachments/{issued["pdf_attachment_id"]}"' in page and "生成失败" not in page
    refused = desk.client.post(
        f"/cases/{case_id}/documents", data={"step": "termination", "csrf_token": web.csrf_token}
    )
    assert refused.status_code == 422 and "尚未办理此步骤" in refused.get_data(as_text=True)


def test_a_rectification_names_the_evaluation_behind_it_on_its_page_and_in_its_order_第二十六条_第三十七条(
    make_runtime,
) -> None:
    desk = Desk(make_runtime("intake"))
    evaluation = desk.post(
        "bb.clerk",
        "/cases/evaluations",
        {
            "department": "nb-scjg",
            "period": "2026年度",
            "findings": "网络餐饮服务监管职责未落实到位。",
            "conclusion": "needs_sorting_out",
            "departments_concerned": ["nb-scjg", "nb-zhzf"],
        },
    ).json
    other = accepted_application(desk)
    order = {
        "title": "关于宁波市市场监督管理局履职不到位的限期纠正",
        "department": "nb-scjg",
        "ground": "poor_performance",
        "facts": "经“三定”规定执行情况评估，网络餐饮服务监管履职不到位",
        "due_date": date(today().year + 1, 1, 29).isoformat(),
    }
    for wrong, department in (("e-nowhere", "nb-scjg"), (other, "nb-scjg"), (evaluation["id"], "nb-jtj")):
        refused = desk.post(
            "bb.head",
            "/cases/rectifications",
            {**order, "department": department, "evaluation_case_id": wrong},
        )
        assert refused.status_code == 422, (wrong, refused.json)
        assert [e["field"] for e in refused.json["errors"]] == ["evaluation_case_id"]
    ordered = desk.post("bb.head", "/cases/rectifications", {**order, "evaluation_case_id": evaluation["id"]})
    assert ordered.status_code == 201, ordered.json
    shown = f"{evaluation['title']}（{evaluation['id']}）"

    person = session_user(desk.runtime, directory.find_person(desk.runtime, "bb.head"))
    cookie = session.dump(session.new_session(desk.runtime.settings, person), desk.runtime.settings)
    desk.client.set_cookie(session.COOKIE_NAME, cookie, path=session.COOKIE_PATH)
    page = desk.client.get(f"/cases/{ordered.json['id']}").get_data(as_text=True)
    assert "所依据的“三定”执行情况评估编号（第二十六条）" in page and shown in page

    issued = _issue(desk, ordered.json["id"], "rectification_order")
    body = "".join(_docx_facts(_download(desk, "scjg.clerk", issued["docx_attachment_id"]).data)["texts"])
    assert f"证据：“三定”规定执行情况评估：{shown}" in body and "第三十七条" in body
