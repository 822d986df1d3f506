"""When the office's review concludes a devolution is not yet ready, the applying department is told so in
writing (第三十四条): a letter in the layout of GB/T 9704-2012 in devolution's own series
(甬编办下放函〔2026〕N号), as .docx and PDF in the attachment store, downloadable from the devolution's
page by everyone who may see the devolution, the applicant (and the receivers copied) told with the links.
The number is taken in the review's transaction, the files are rendered after it committed; a rendering that
fails never loses the review: the letter is flagged for the office and rendered by the sweep or the office's
重新生成 later."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from devolution_factories import NOT_READY_REASONS, concluded_not_ready, sent
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader
from test_every_link_devolution_sends_opens_a_page import _browser

from services.devolution import usecases
from shared.contracts import NOTIFY_SEND
from shared.documents.pdf_render import FontMissing
from shared.localtime import today

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "written_documents"
ISSUER = "中共宁波市委机构编制委员会办公室"
APPLICANT, RECEIVER, OFFICE, STRANGER = "scjg.clerk", "hs.scjg.clerk", "bb.clerk", "nyj.clerk"
pytestmark = pytest.mark.usefixtures("chinese_font")  # skips with the reason on a machine without one


def _png(name: str, pdf: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(pdf)
    for index in range(len(document)):
        document[index].render(scale=1).to_pil().save(ARTIFACTS / f"{name}-{index + 1}.png")


def _docx(data: bytes) -> dict[str, Any]:
    doc = Document(io.BytesIO(data))
    paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    section = doc.sections[0]
    return {
        "texts": [p.text for p in paragraphs],
        "fonts": [p.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) for p in paragraphs],
        "red": [str(p.runs[0].font.color.rgb) == "E60012" for p in paragraphs],
        "size_mm": (round(section.page_width.mm), round(section.page_height.mm)),
        "margins_mm": (round(section.top_margin.mm), round(section.left_margin.mm)),
    }


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def test_a_not_ready_review_is_told_in_a_numbered_letter_in_the_standards_layout_with_a_link_第三十四条(
    client, auth, devolution
) -> None:  # type: ignore[no-untyped-def]
    view = concluded_not_ready(client, auth)
    assert view["state"] == "not_ready"
    [document] = view["documents"]
    year = today().year
    assert (
        document["number"] == f"甬编办下放函〔{year}〕1号"
    )  # devolution's own series, not intake's 甬编办函
    assert document["title"] == "关于“食品小作坊登记”职责暂不具备下放条件的函"
    assert document["main_recipient"] == "宁波市市场监督管理局"
    assert document["state"] == "issued"

    applicant = _browser(devolution, APPLICANT)
    docx = applicant.get(document["docx_url"])  # the applicant downloads the .docx from the page's link
    assert docx.status_code == 200 and docx.mimetype.endswith("wordprocessingml.document")
    facts = _docx(docx.data)
    texts = facts["texts"]
    assert texts[0] == ISSUER and facts["red"][0] and not any(facts["red"][1:])  # 发文机关标志, red
    assert texts[1] == f"甬编办下放函〔{year}〕1号"  # 发文字号
    assert texts[2] == document["title"] and facts["fonts"][2] == "方正小标宋简体"
    assert texts[3] == "宁波市市场监督管理局："  # 主送机关: the applying department
    body = "".join(texts[4:])
    assert "第三十四条" in body and "关于下放“食品小作坊登记”职责的申请" in body
    assert f"理由：{NOT_READY_REASONS}。" in body
    assert "（四）编制、人员、经费、培训、指导等保障措施" in body  # the item the review found unmet
    assert "相关责任仍由你单位负责" in body  # 第三十四条第二款
    assert set(facts["fonts"][3:]) == {"仿宋_GB2312"}
    on = today()
    assert f"{on.year}年{on.month}月{on.day}日" in texts and ISSUER in texts[4:]  # 署名, 成文日期
    assert "抄送：海曙区市场监督管理局，鄞州区市场监督管理局。" in texts  # the receiving departments
    assert facts["size_mm"] == (210, 297) and facts["margins_mm"] == (37, 28)

    pdf = _browser(devolution, RECEIVER).get(document["pdf_url"])  # a receiving department may read it too
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = _pdf_text(pdf.data)
    for element in (
        ISSUER,
        f"甬编办下放函〔{year}〕1号",
        "宁波市市场监督管理局：",
        "第三十四条",
        NOT_READY_REASONS,
        "抄送：",
    ):
        assert element in text
    _png("devolution-not-ready", pdf.data)
    assert _browser(devolution, STRANGER).get(document["pdf_url"]).status_code == 404  # not its devolution

    [told] = [n for n in sent(devolution, NOTIFY_SEND) if n["template"] == "document_issued"]
    assert [r["id"] for r in told["recipients"]] == ["nb-scjg", "hs-scjg", "yz-scjg"]
    assert told["params"]["document_number"] == document["number"]
    assert told["params"]["pdf_link"] == devolution.settings.public_base_url.rstrip("/") + document["pdf_url"]
    assert told["link"].endswith(f"/devolution/{view['id']}")  # the notice itself opens the page
    assert "devolution_not_ready" in [n["template"] for n in sent(devolution, NOTIFY_SEND)]  # as before

    page = applicant.get(f"/devolution/{view['id']}").get_data(as_text=True)
    assert "书面文书" in page and document["number"] in page
    assert f'href="{document["pdf_url"]}"' in page and f'href="{document["docx_url"]}"' in page
    history = client.get(f"/api/v1/devolutions/{view['id']}", headers=auth(OFFICE)).get_json()["history"]
    assert "书面文书已制发并送达" in [h["label"] for h in history]


def test_each_not_ready_letter_takes_the_next_number_of_the_series_第三十四条(client, auth) -> None:  # type: ignore[no-untyped-def]
    first = concluded_not_ready(client, auth, "食品小作坊登记")["documents"][0]["number"]
    second = concluded_not_ready(client, auth, "小餐饮店备案")["documents"][0]["number"]
    year = today().year
    assert (first, second) == (f"甬编办下放函〔{year}〕1号", f"甬编办下放函〔{year}〕2号")


def test_a_letter_that_fails_to_render_never_loses_the_review_and_is_rendered_later_第三十四条(
    client, auth, devolution, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    real = usecases.render_pdf

    def no_font(document: Any) -> bytes:
        raise FontMissing("未找到中文字体：请安装 fonts-wqy-microhei（或 fonts-noto-cjk）")

    monkeypatch.setattr(usecases, "render_pdf", no_font)
    view = concluded_not_ready(client, auth)
    assert view["state"] == "not_ready"  # the review committed
    [document] = view["documents"]
    assert document["state"] == "failed" and document["pdf_url"] is None
    assert document["number"] == f"甬编办下放函〔{today().year}〕1号"  # numbered all the same
    assert "document_issued" not in [n["template"] for n in sent(devolution, NOTIFY_SEND)]
    assert "devolution_not_ready" in [n["template"] for n in sent(devolution, NOTIFY_SEND)]

    office = _browser(devolution, OFFICE)
    page = office.get(f"/devolution/{view['id']}").get_data(as_text=True)
    assert "生成失败（将自动重试）" in page and ">重新生成</button>" in page and "FontMissing" in page
    applicant_page = _browser(devolution, APPLICANT).get(f"/devolution/{view['id']}").get_data(as_text=True)
    assert (
        "生成失败（将自动重试）" in applicant_page
        and ">重新生成</button>" not in applicant_page
        and "FontMissing" not in applicant_page
    )

    devolution.run_periodic()  # the sweep's next try waits for its backoff (see the retries' own tests)
    again = client.get(f"/api/v1/devolutions/{view['id']}", headers=auth(OFFICE)).get_json()["documents"][0]
    assert again["state"] == "failed" and again["retried_automatically"]

    monkeypatch.setattr(usecases, "render_pdf", real)  # the font installed: the office renders it again
    response = office.post(
        f"/devolution/{view['id']}/documents/{document['id']}/render", data={"csrf_token": office.csrf}
    )
    assert response.status_code in (302, 303) and "done=rendered" in response.headers["Location"]
    done = client.get(f"/api/v1/devolutions/{view['id']}", headers=auth(OFFICE)).get_json()["documents"][0]
    assert done["state"] == "issued" and done["number"] == document["number"]  # the same number
    assert _browser(devolution, APPLICANT).get(done["pdf_url"]).data.startswith(b"%PDF")
    [told] = [n for n in sent(devolution, NOTIFY_SEND) if n["template"] == "document_issued"]
    assert told["recipients"][0]["id"] == "nb-scjg"
