"""A coordination application from the department's form to the issued opinion, every party on its own page
through the one address, by what a person sees (labels, buttons): 何静 applies (第十六条), 李强 accepts
(第十七条), 张敏 solicits two departments in writing with the due date previewed from the calendar (第二十条),
韩雪 agrees and 彭芳 disagrees with an opinion, each from the link in the notice, 张敏 records the agreement
and submits the opinion (第二十一条), 李强 and 王建国 approve on the approval pages, 张敏 issues it with the
document number and the document (第二十四条) and 何静 reads it. A filing too (第十五条): 周婷 files sealed
minutes, 李强 agrees to the filing. At 390 px and at 1280 px; screenshots under test-artifacts/."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from services.intake.api.mobile import COUNTER_KEY as APPROVALS_COUNTER
from services.intake.domain.approvals.workdays import weekdays_between
from services.intake.pages.worklist import COUNTER_KEY as WORKLIST_COUNTER

pytestmark = pytest.mark.browser
TITLE = "关于餐厨垃圾收运监管职责分工的协调申请"


class Weekdays:
    def count(self, after: date, through: date) -> tuple[int, bool]:
        return weekdays_between(after, through), False


def _counters(name: str, app: Any) -> None:
    if name == "intake":
        app.extensions[APPROVALS_COUNTER] = Weekdays()
        app.extensions[WORKLIST_COUNTER] = Weekdays()


def _suite(suite_of: Any) -> Any:
    suite = suite_of("intake", "deadlines", configure=_counters)
    intake = suite.runtimes["intake"]
    urls = {
        **intake.settings.service_urls,
        "deadlines": suite.address,
    }  # the calendar through the one address
    intake.settings = intake.settings.with_overrides(service_urls=urls)
    return suite


def _action(page: Any, label: str) -> Any:
    """The form of one action on the case page (opened if it is folded)."""
    details = page.locator("details.action").filter(
        has=page.locator("summary", has_text=re.compile(f"^{re.escape(label)}$"))
    )
    expect(details).to_have_count(1)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.get_by_role("form", name=label)


def _notice_link(suite: Any, case_id: str, department: str) -> str:
    """The path of the link in the notice a department got (the platform is not part of this journey: the
    link is read from the notice the platform would carry)."""
    for _destination, envelope in reversed(suite.elsewhere):
        payload = envelope.get("payload") or {}
        if envelope.get("type") != "notify.send" or (payload.get("params") or {}).get("case_id") != case_id:
            continue
        if {"kind": "department", "id": department} in [
            {"kind": r.get("kind"), "id": r.get("id")} for r in payload.get("recipients", [])
        ]:
            link = str(payload["params"]["link"])
            return "/" + link.split("://", 1)[-1].split("/", 1)[1]
    raise AssertionError(f"no notice to {department} links to {case_id}")


def _case_id(page: Any) -> str:
    match = re.search(r"/cases/([^/?#]+)", page.url)
    assert match, page.url
    return match.group(1)


def _apply(page: Any) -> None:
    form = page.get_by_role("form", name="申请职责分工协调")
    form.get_by_label("标题").fill(TITLE)
    parties = form.get_by_role("group", name="分歧涉及的其他部门")
    parties.get_by_label("宁波市生态环境局").check()
    parties.get_by_label("宁波市住房和城乡建设局").check()
    form.get_by_label("分歧事项").fill("餐厨垃圾收运环节的日常监管由哪个部门承担")
    form.get_by_label("是否已协商未达成一致").check()
    form.get_by_label("协商情况").fill("2026年10月至11月召开两次协商会，未达成一致。")
    decision = form.get_by_role("group", name="党组集体研究")
    decision.get_by_label("党组（党委）会议日期").fill("2026-11-18")
    decision.get_by_label("集体研究情况").fill("局党组会议研究，同意申请协调。")
    form.get_by_label("倾向性意见").fill("收运环节由综合行政执法局监管，处置环节由生态环境局监管。")
    form.get_by_label("申请协调的理由").fill("职责交叉，基层执法无所适从。")


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_coordination_application_reaches_the_issued_opinion_with_every_party_第十六条至第二十四条(
    suite_of, person, viewport, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    suite = _suite(suite_of)
    address = suite.address

    # 何静, the host department's clerk: the application form (第十六条); a refusal keeps every value
    applicant = person(viewport)
    applicant.login(address, "何静")
    page = applicant.page
    expect(page.get_by_role("heading", name="我的办件")).to_be_visible()
    page.get_by_role("link", name="职责分工协调申请").click()
    expect(page.get_by_role("heading", name="申请职责分工协调")).to_be_visible()
    _apply(page)
    applicant.check("application-form")
    page.get_by_role("button", name="提交协调申请").click()
    expect(page.get_by_text("政策法规依据：").first).to_be_visible()  # beside the field, named as labelled
    assert page.get_by_label("协商情况").input_value() == "2026年10月至11月召开两次协商会，未达成一致。"
    applicant.check("application-refused")
    basis = page.get_by_role("group", name="政策法规依据（第1项）")
    basis.get_by_label("依据类型").select_option(label="“三定”规定")
    basis.get_by_label("依据名称").fill("宁波市综合行政执法局职能配置、内设机构和人员编制规定")
    page.get_by_role("button", name="提交协调申请").click()
    expect(page.get_by_role("status")).to_contain_text("已提交")
    expect(page.get_by_text("宁波市生态环境局").first).to_be_visible()
    case_id = _case_id(page)
    applicant.check("application-submitted")
    suite.pump()

    # 李强, the division head: accepts within 5 working days (第十七条)
    head = person(viewport)
    head.login(address, "李强", then=f"/cases/{case_id}")
    page = head.page
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    form = _action(page, "受理")
    form.get_by_label("受理说明").fill("材料齐全，予以受理")
    head.check("accept")
    form.get_by_role("button", name="受理").click()
    expect(page.get_by_role("status")).to_contain_text("已办理")
    suite.pump()

    # 张敏, the handler: a written solicitation, the due date previewed from the calendar (第二十条)
    handler = person(viewport)
    handler.login(address, "张敏", then=f"/cases/{case_id}")
    page = handler.page
    form = _action(page, "书面征求意见")
    picker = form.get_by_role("group", name="征求意见的部门")
    picker.get_by_label("宁波市生态环境局").check()
    picker.get_by_label("宁波市住房和城乡建设局").check()
    form.get_by_label("征求意见的事项").fill("请对餐厨垃圾收运环节监管分工提出意见")
    form.get_by_label("答复期限（工作日）").fill("7")
    expect(page.locator("#reply-due-preview")).to_contain_text("答复截止")
    expect(page.locator("#reply-due-preview")).to_contain_text("星期")
    handler.check("solicit")
    form.get_by_role("button", name="书面征求意见").click()
    expect(page.get_by_role("status")).to_contain_text("已办理")
    suite.pump()

    # the consulted departments open the link in their notice and reply on their own page
    for name, department, kind, opinion in (
        ("韩雪", "nb-sthj", "同意", None),
        ("彭芳", "nb-zjj", "有不同意见", "处置环节的监管宜由生态环境局牵头"),
    ):
        consulted = person(viewport)
        path = _notice_link(suite, case_id, department)
        assert path == f"/cases/{case_id}"  # the notice opens the case page, never JSON
        consulted.login(address, name, then=path)
        page = consulted.page
        expect(page.get_by_role("heading", name="请答复书面征求意见（第二十条）")).to_be_visible()
        expect(page.get_by_text("视为没有不同意见").first).to_be_visible()
        form = _action(page, "答复征求意见")
        form.get_by_label(kind, exact=True).check()
        if opinion:
            form.get_by_label("具体意见").fill(opinion)
        consulted.check(f"reply-{department}")
        form.get_by_role("button", name="答复征求意见").click()
        expect(page.get_by_role("status")).to_contain_text("已办理")
        suite.pump()

    # 张敏: the agreement (how the disagreement was settled, 第二十一条), then the opinion to approval
    page = handler.page
    page.goto(f"{address}/cases/{case_id}")
    form = _action(page, "达成一致")
    form.get_by_label("一致意见").fill("收运环节由综合行政执法局监管，处置环节由生态环境局监管。")
    form.get_by_label("不同意见如何解决").fill("经沟通，住房和城乡建设局同意处置环节由生态环境局牵头。")
    form.get_by_role("button", name="达成一致").click()
    expect(page.get_by_role("status")).to_contain_text("已办理")
    form = _action(page, "协调意见报批")
    form.get_by_label("摘要").fill("收运由执法局监管，处置由生态环境局监管")
    form.get_by_label("协调意见（认定建议）全文").fill("经协调，餐厨垃圾收运环节由市综合行政执法局监管……")
    handler.check("opinion")
    form.get_by_role("button", name="协调意见报批").click()
    expect(page.get_by_role("status")).to_contain_text("已办理")
    suite.pump()

    # the leaders approve on the approval pages
    for leader in ("李强", "王建国"):
        signer = person(viewport)
        signer.login(address, leader, then="/m/approvals")
        signer.page.get_by_role("link", name=TITLE).first.click()
        signer.page.get_by_label("同意", exact=True).check()
        signer.page.get_by_role("button", name="提交").click()
        expect(signer.page.get_by_role("status")).to_have_text("已提交：同意")
        signer.check(f"approved-by-{leader}")
        suite.pump()

    # 张敏 issues it: the document number and the issued document (第二十四条)
    page = handler.page
    page.goto(f"{address}/cases/{case_id}")
    form = _action(page, "发文")
    form.get_by_label("文号").fill("甬编办函〔2026〕31号")
    form.get_by_label("发文日期").fill("2026-12-09")
    document = tmp_path / "协调意见.pdf"
    document.write_bytes(b"%PDF-1.4\n% issued\n")
    form.get_by_label("正式文件").set_input_files(str(document))
    form.get_by_role("button", name="发文").click()
    expect(page.get_by_role("status")).to_contain_text("已办理")
    handler.check("issued")
    suite.pump()

    # 何静 reads the issued opinion on the case page
    page = applicant.page
    page.goto(f"{address}/cases/{case_id}")
    decided = page.locator("#decided")
    expect(decided).to_contain_text("甬编办函〔2026〕31号")
    expect(decided.get_by_role("link", name="下载：协调意见.pdf")).to_be_visible()
    expect(page.get_by_text("2026年12月9日（星期三）").first).to_be_visible()
    applicant.check("issued-seen-by-applicant")


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_department_files_sealed_minutes_and_the_office_agrees_to_the_filing_第十五条(
    suite_of, person, viewport, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    suite = _suite(suite_of)
    address = suite.address
    clerk = person(viewport)
    clerk.login(address, "周婷")
    page = clerk.page
    page.get_by_role("link", name="协商纪要备案").click()
    form = page.get_by_role("form", name="报送协商纪要备案")
    expect(form.get_by_text("单个文件不超过").first).to_be_visible()  # the limit before upload
    form.get_by_label("标题").fill("关于农产品质量安全监管职责分工的协商纪要")
    form.get_by_label("协商事项").fill("食用农产品进入批发、零售市场后的质量安全监管")
    form.get_by_role("group", name="协办部门").get_by_label("宁波市农业农村局").check()
    form.get_by_label("协商一致的意见").fill("进入市场前由农业农村局监管，进入市场后由市场监管局监管。")
    minutes = tmp_path / "协商纪要（盖章）.pdf"
    minutes.write_bytes(b"%PDF-1.4\n% sealed minutes\n")
    form.get_by_label("协商纪要文件").set_input_files(str(minutes))
    for index, (department, day) in enumerate((("宁波市市场监督管理局", "20"), ("宁波市农业农村局", "21"))):
        seal = form.get_by_role("group", name=f"党组（党委）印章（第{index + 1}项）")
        seal.get_by_label("加盖印章的部门").select_option(label=department)
        seal.get_by_label("党组", exact=True).check()
        seal.get_by_label("盖章日期").fill(f"2026-11-{day}")
    clerk.check("filing-form")
    form.get_by_role("button", name="提交备案").click()
    expect(page.get_by_role("status")).to_contain_text("已提交")
    expect(page.get_by_role("link", name="下载：协商纪要（盖章）.pdf").first).to_be_visible()
    case_id = _case_id(page)
    clerk.check("filing-submitted")
    suite.pump()

    head = person(viewport)
    head.login(address, "李强", then=f"/cases/{case_id}")
    page = head.page
    form = _action(page, "同意备案")
    form.get_by_label("备案意见").fill("同意备案")
    head.check("filing-decision")
    form.get_by_role("button", name="同意备案").click()
    expect(page.get_by_role("status")).to_contain_text("已办理")
    expect(page.get_by_text("已备案").first).to_be_visible()
    head.check("filed")
