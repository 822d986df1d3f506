"""第三十五条 in the browser: a devolution issued today, so half a year of operation has not yet run.
宋佳, the receiving county department, sends her report: refused, beside the 中期报告 box, with the date
from which the half-year report can be sent; she ticks 中期报告 and it is accepted as such. The half-year
report stays on her 我的办件, and 周婷, the devolving department, reads the 中期报告 apart from the
半年运行情况报告 still awaited — at 390 px and at 1280 px."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from services.devolution.app import create_app
from services.intake.api.mobile import COUNTER_KEY as APPROVALS_COUNTER
from services.intake.domain.approvals.workdays import weekdays_between
from services.intake.pages.worklist import COUNTER_KEY as WORKLIST_COUNTER
from shared import localtime
from shared.auth import Principal, issue_token
from shared.contracts import APPROVAL_DECIDED, APPROVAL_REQUEST
from shared.measures import months_after
from shared.messaging import Envelope

pytestmark = pytest.mark.browser

PEOPLE = {  # user id → (name, jurisdiction, department, roles), as in shared/demo.py
    "scjg.clerk": ("周婷", "330200", "nb-scjg", {"dept_clerk"}),
    "bb.clerk": ("张敏", "330200", "nb-bb", {"office_clerk"}),
}
APPLICATION = {
    "duty_name": "食品小作坊登记",
    "legal_bases": [{"type": "law", "name": "浙江省食品小作坊小餐饮店小食杂店和食品摊贩管理规定",
                     "provision": "第十条"}],
    "reasons": {"legality": "地方性法规规定由县级登记", "rationality": "就近登记", "necessity": "基层需要",
                "coordination": "与乡镇执法衔接", "support": "编制、经费、培训同步下沉"},
    "performance": {"county_level": "区县（市）市场监督管理局负责登记", "township_level": "市场监管所受理"},
    "support_measures": [
        {"kind": kind, "description": f"{kind}同步下沉", "amount": 1, "unit": "项", "due_date": "2027-06-30"}
        for kind in ("staffing_posts", "personnel", "funds", "training", "guidance")
    ],
    "receiving_departments": ["hs-scjg"],
    "related_departments": [],
    "feedback": [{"department": "hs-scjg", "role": "receiving", "document_title": "关于承接的反馈意见",
                  "document_date": "2026-11-10", "position": "agree"}],
}  # fmt: skip
READY_REVIEW = {
    "checklist": [{"item": item, "satisfied": True, "note": "符合"}
                  for item in ("name_and_basis", "reasons", "performance", "support_measures", "feedback")],
    "notes": "具备下放条件",
    "conclusion": "ready",
    "power_list_entries": [{"code": "330200-SCJG-XK-012", "name": "食品小作坊登记",
                            "from_department": "nb-scjg", "to_level": "county"}],
}  # fmt: skip


class Weekdays:
    def count(self, after: date, through: date) -> tuple[int, bool]:
        return weekdays_between(after, through), False


def _counters(name: str, app: Any) -> None:
    if name == "intake":
        app.extensions[APPROVALS_COUNTER] = Weekdays()
        app.extensions[WORKLIST_COUNTER] = Weekdays()


def _issued_today(suite: Any) -> str:
    """The steps before issuance through devolution's API (the full journey is the other browser test)."""
    runtime = suite.runtimes["devolution"]
    api = create_app(runtime=runtime).test_client()

    def auth(user: str) -> dict[str, str]:
        name, jurisdiction, department, roles = PEOPLE[user]
        principal = Principal(user, name, jurisdiction, department, frozenset(roles))
        token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=600)
        return {"Authorization": f"Bearer {token}"}

    devolution_id = api.post("/api/v1/devolutions", json=APPLICATION, headers=auth("scjg.clerk")).get_json()[
        "id"
    ]
    base = f"/api/v1/devolutions/{devolution_id}"
    assert api.post(f"{base}/submission", headers=auth("scjg.clerk")).status_code == 200
    assert api.post(f"{base}/review", json=READY_REVIEW, headers=auth("bb.clerk")).status_code == 200
    request = runtime.sender.of_type(APPROVAL_REQUEST)[-1]["payload"]
    decided = {"request_id": request["request_id"], "case": request["case"],
               "decision_kind": "devolution_decision", "outcome": "approved",
               "decided_by": {"user_id": "bb.leader", "name": "王建国"}, "comment": "同意",
               "decided_at": localtime.now_utc().isoformat()}  # fmt: skip
    runtime.bus.handle(Envelope(type=APPROVAL_DECIDED, payload=decided, source="intake").to_dict())
    body = {"document_number": "甬编办〔2026〕12号", "document_date": localtime.today().isoformat()}
    assert api.post(f"{base}/issuance", json=body, headers=auth("bb.clerk")).status_code == 200
    suite.pump()
    return devolution_id


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_report_before_half_a_year_goes_as_an_interim_report_and_the_half_year_report_stays_due_第三十五条(
    suite_of, person, viewport
) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake", "deadlines", "devolution", configure=_counters)
    address = suite.address
    _issued_today(suite)
    today = localtime.today()
    half_year = months_after(today, 6)
    half_year_cn = f"{half_year.year}年{half_year.month}月{half_year.day}日"

    # 宋佳, the receiving county department, from 我的办件 to the case page
    receiver = person(viewport)
    receiver.login(address, "宋佳")
    page = receiver.page
    card = page.get_by_role("region", name="待本部门办理").locator("li.task", has_text="运行情况专项报告")
    card.get_by_role("link").click()
    expect(page.get_by_text(f"自{half_year_cn}").first).to_be_visible()
    page.get_by_label("便民服务方面的实效").fill("群众就近办理，平均少跑一次")
    page.get_by_label("利企服务方面的实效").fill("登记时限由10个工作日缩短为5个")
    page.get_by_label("运行中发现的问题").fill("部分市场监管所人员不足")
    page.get_by_role("button", name="提交运行情况专项报告").click()
    refusal = page.locator(".field-error", has_text="请勾选“中期报告”").first
    expect(refusal).to_be_visible()  # beside the box, naming the date
    assert f"自{half_year_cn}起可以报送" in refusal.inner_text()
    assert page.get_by_label("运行中发现的问题").input_value() == "部分市场监管所人员不足"  # kept
    receiver.check("report-too-early")
    page.get_by_label("中期报告（运行未满半年，不作为半年运行情况报告）").check()
    page.get_by_role("button", name="提交运行情况专项报告").click()
    assert page.get_by_role("status").inner_text().startswith("中期报告已提交")
    expect(page.get_by_text("提交中期报告").first).to_be_visible()  # the history names it
    receiver.check("interim-sent")
    suite.pump()
    page.goto(address + "/my")
    waiting = page.get_by_role("region", name="待本部门办理")
    expect(waiting.locator("li.task", has_text="运行情况专项报告")).to_have_count(1)  # still due
    receiver.check("half-year-report-still-due")

    # 周婷, the devolving department, reads the interim report apart; nothing to acknowledge yet
    clerk = person(viewport)
    clerk.login(address, "周婷")
    page = clerk.page
    page.goto(address + "/my")
    assert page.locator("li.task", has_text="确认运行情况专项报告").count() == 0
    page.goto(address + "/devolution/")
    page.get_by_role("link", name="食品小作坊登记").first.click()
    reports = page.locator("#reports")
    expect(reports.get_by_text("半年运行情况报告 · 待报告")).to_be_visible()
    reports.get_by_text("中期报告 ·").first.click()
    expect(reports.get_by_text("部分市场监管所人员不足")).to_be_visible()
    assert page.get_by_role("button", name="确认收到海曙区市场监督管理局的报告").count() == 0
    clerk.check("interim-read-by-the-devolving-department")
