"""A devolution from the department's draft to the half-year report, every party on its own page through
the one address: the devolving department applies with the five items of 第三十三条 (a draft saved and
finished later), the office reviews it from its 待办 (第三十四条), the three leaders approve on the approval
pages, the office registers the formal issuance, the receiving county department reports after half a year
and the devolving department acknowledges it (第三十五条) — at 390 px and at 1280 px."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from services.intake.api.mobile import COUNTER_KEY as APPROVALS_COUNTER
from services.intake.domain.approvals.workdays import weekdays_between
from services.intake.pages.worklist import COUNTER_KEY as WORKLIST_COUNTER

pytestmark = pytest.mark.browser

#: the formal document's date: more than half a year back, its half-year report is accepted from 2026-10-30
ISSUED_OVER_HALF_A_YEAR_AGO = "2026-04-30"


class Weekdays:
    def count(self, after: date, through: date) -> tuple[int, bool]:
        return weekdays_between(after, through), False


def _counters(name: str, app: Any) -> None:
    if name == "intake":
        app.extensions[APPROVALS_COUNTER] = Weekdays()
        app.extensions[WORKLIST_COUNTER] = Weekdays()


def _apply(page: Any) -> None:
    """周婷 fills in the application; the written feedback rows appear once the departments are chosen."""
    page.get_by_label("职责名称").fill("食品小作坊登记")
    first = page.get_by_role("group", name="依据 1")
    first.get_by_label("依据类型").select_option(label="法律法规")
    first.get_by_label("依据名称").fill("浙江省食品小作坊小餐饮店小食杂店和食品摊贩管理规定")
    first.get_by_label("条款").fill("第十条")
    reasons = {
        "合法性": "地方性法规规定由县级市场监管部门登记",
        "合理性": "小作坊分布在乡镇，就近登记",
        "必要性": "基层管理迫切需要",
        "协同性": "与乡镇综合执法巡查衔接",
        "配套性": "编制、经费、培训同步下沉",
    }
    for aspect, text in reasons.items():
        page.get_by_label(aspect, exact=True).fill(text)
    page.get_by_label("县（市、区）一级的履职方式").fill("区县（市）市场监督管理局负责登记和监督")
    page.get_by_label("乡镇（街道）一级的履职方式").fill("市场监管所负责受理、现场核查")
    page.get_by_role("group", name="承接部门（海曙区）").get_by_label("海曙区市场监督管理局").check()
    page.get_by_role("button", name="保存草稿").click()


def _measures(page: Any) -> None:
    for name, amount, unit, due in [("编制", "2", "名", "2027-01-31"), ("人员", "2", "人", "2027-01-31"),
                                    ("经费", "30", "万元", "2026-12-31"), ("培训", "2", "期", "2027-02-28"),
                                    ("指导", "6", "月", "2027-06-30")]:  # fmt: skip
        page.get_by_label(f"{name}保障措施的内容").fill(f"{name}同步下沉")
        page.get_by_label(f"{name}的数量或金额").fill(amount)
        page.get_by_label(f"{name}的单位").fill(unit)
        page.get_by_label(f"{name}的落实日期").fill(due)


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_devolution_goes_from_draft_to_the_half_year_report_with_every_party_in_the_browser(
    suite_of, person, viewport
) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake", "deadlines", "devolution", configure=_counters)
    address = suite.address

    # 周婷, the devolving department's clerk: a draft first, finished later
    clerk = person(viewport)
    clerk.login(address, "周婷")
    page = clerk.page
    expect(page.get_by_role("heading", name="我的办件")).to_be_visible()
    page.get_by_role("link", name="职责下放申请").click()
    _apply(page)
    assert page.get_by_role("status").inner_text().startswith("草稿已保存")
    assert page.get_by_label("职责名称").input_value() == "食品小作坊登记"  # kept
    clerk.check("draft-saved")
    page.get_by_role("button", name="提交审核").click()  # still incomplete: measures and feedback missing
    assert "补齐下列内容后再提交审核" in page.get_by_role("status").inner_text()
    expect(page.get_by_text("须附承接部门").first).to_be_visible()
    clerk.check("incomplete")
    _measures(page)
    page.get_by_label("海曙区市场监督管理局反馈文件名称").fill("关于承接食品小作坊登记的反馈意见")
    page.get_by_label("海曙区市场监督管理局反馈文件日期").fill("2026-11-10")
    page.get_by_label("海曙区市场监督管理局的意见", exact=True).select_option(label="同意")
    page.get_by_role("button", name="提交审核").click()
    assert page.get_by_role("status").inner_text().startswith("已提交审核")
    expect(page.get_by_text("审核论证中").first).to_be_visible()
    clerk.check("submitted")
    suite.pump()

    # 张敏, the office's handler: from 待办 to the review within 10 working days (第三十四条)
    office = person(viewport)
    office.login(address, "张敏")
    page = office.page
    expect(page.get_by_role("heading", name="待办")).to_be_visible()
    card = page.locator("li.task", has_text="关于下放“食品小作坊登记”职责的申请")
    assert "审核论证" in card.inner_text() and "第三十四条" in card.inner_text()
    office.check("worklist-review")
    card.get_by_role("link").click()
    page.get_by_label("审核论证意见").fill("五项内容齐全，具备下放条件")
    page.get_by_label("具备下放条件，报编办领导审批").check()
    page.get_by_label("权责事项编码").fill("330200-SCJG-XK-012")
    office.check("review-form")
    page.get_by_role("button", name="保存审核论证结论").click()
    assert page.get_by_role("status").inner_text() == "审核论证结论已保存。"
    expect(page.get_by_text("报批中").first).to_be_visible()
    suite.pump()

    # the three leaders approve on the approval pages (第三十四条: 报批)
    for leader in ("李强", "王建国", "陈志远"):
        signer = person(viewport)
        signer.login(address, leader, then="/m/approvals")
        signer.page.get_by_role("link", name="关于下放“食品小作坊登记”职责的申请").click()
        signer.page.get_by_label("同意", exact=True).check()
        signer.page.get_by_label("审批意见（退回或不同意时必填）").fill("同意")
        signer.page.get_by_role("button", name="提交").click()
        assert signer.page.get_by_role("status").inner_text() == "已提交：同意"
        signer.check(f"approved-by-{leader}")
        suite.pump()

    # 张敏 registers the formal issuance of a document issued over half a year ago, so that its half-year
    # report (第三十五条: only after half a year of operation) is due now
    page = office.page
    page.goto(address + "/worklist")
    card = page.locator("li.task", has_text="正式发文")
    assert card.count() == 1
    card.get_by_role("link").click()
    page.get_by_label("发文文号").fill("甬编办〔2026〕12号")
    page.get_by_label("发文日期").fill(ISSUED_OVER_HALF_A_YEAR_AGO)
    page.get_by_role("button", name="登记正式发文").click()
    assert page.get_by_role("status").inner_text().startswith("已登记正式发文")
    office.check("issued")
    suite.pump()

    # 宋佳, the receiving county department: the half-year operation report (第三十五条)
    receiver = person(viewport)
    receiver.login(address, "宋佳")
    page = receiver.page
    waiting = page.get_by_role("region", name="待本部门办理")
    card = waiting.locator("li.task", has_text="运行情况专项报告")
    assert "第三十五条" in card.inner_text()
    receiver.check("my-work-report")
    card.get_by_role("link").click()
    page.get_by_label("便民服务方面的实效").fill("群众就近办理，平均少跑一次")
    page.get_by_role("button", name="提交运行情况专项报告").click()
    expect(page.get_by_text("利企服务方面的实效：须写明").first).to_be_visible()  # beside its field
    assert page.get_by_label("便民服务方面的实效").input_value() == "群众就近办理，平均少跑一次"
    receiver.check("report-refused")
    page.get_by_label("利企服务方面的实效").fill("登记时限由10个工作日缩短为5个")
    page.get_by_label("运行中发现的问题").fill("未发现问题")
    page.get_by_role("button", name="提交运行情况专项报告").click()
    assert page.get_by_role("status").inner_text().startswith("运行情况专项报告已提交")
    receiver.check("reported")
    suite.pump()

    # 周婷 acknowledges it: the devolution is complete
    page = clerk.page
    page.goto(address + "/my")
    page.locator("li.task", has_text="确认运行情况专项报告").get_by_role("link").click()
    page.get_by_role("button", name="确认收到海曙区市场监督管理局的报告").click()
    assert page.get_by_role("status").inner_text() == "已确认收到专项报告。"
    expect(page.get_by_text("运行情况专项报告已确认").first).to_be_visible()
    clerk.check("acknowledged")
