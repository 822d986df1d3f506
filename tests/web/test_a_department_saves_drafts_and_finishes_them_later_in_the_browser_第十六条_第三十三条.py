"""Drafts in the browser, at 390 px and at 1280 px: 周婷 starts a devolution application (第三十三条), saves a
draft, logs out and in again, finds it in 我的办件 marked 草稿 with the time it was last saved, finishes and
submits it — and the draft is gone. On a coordination application (第十六条) she narrows the department
picker by typing (筛选部门, Chinese through an input method too), adds a row of legal bases (添加一行), saves
it as a draft, opens it refilled from 我的办件, and deletes it after confirming."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _visible(group: Any) -> list[str]:
    return [t.strip() for t in group.locator("label.choice:visible").all_inner_texts()]


def _complete_devolution(page: Any) -> None:
    """The rest of the five items of 第三十三条 and the receiving department's written feedback."""
    first = page.get_by_role("group", name="依据 2", exact=True)
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
    for name, amount, unit, due in [("编制", "2", "名", "2027-01-31"), ("人员", "2", "人", "2027-01-31"),
                                    ("经费", "30", "万元", "2026-12-31"), ("培训", "2", "期", "2027-02-28"),
                                    ("指导", "6", "月", "2027-06-30")]:  # fmt: skip
        page.get_by_label(f"{name}保障措施的内容").fill(f"{name}同步下沉")
        page.get_by_label(f"{name}的数量或金额").fill(amount)
        page.get_by_label(f"{name}的单位").fill(unit)
        page.get_by_label(f"{name}的落实日期").fill(due)


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_clerk_saves_a_devolution_draft_finds_it_after_logging_in_again_and_submits_it_第三十三条(
    suite_of, person, viewport
) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake", "deadlines", "devolution")
    address = suite.address
    clerk = person(viewport)
    clerk.login(address, "周婷")
    page = clerk.page
    expect(page.get_by_role("heading", name="我的办件")).to_be_visible()
    page.get_by_role("link", name="职责下放申请").click()
    page.get_by_label("职责名称").fill("食品小作坊登记")
    page.get_by_role("button", name="职责依据：添加一行").click()  # a fourth 依据, in place
    fourth = page.get_by_role("group", name="依据 4", exact=True)
    fourth.get_by_label("依据类型").select_option(label="上级文件")
    fourth.get_by_label("依据名称").fill("浙江省市场监督管理局关于食品小作坊登记的规定")
    page.get_by_role("group", name="承接部门（海曙区）").get_by_label("海曙区市场监督管理局").check()
    related = page.locator("details", has_text="关联部门（如有）")
    related.locator("summary").click()
    related.get_by_label("筛选部门").fill("综合行政执法")  # every jurisdiction's departments
    assert _visible(related) == ["宁波市综合行政执法局"]
    related.get_by_label("筛选部门").fill("")
    page.get_by_role("button", name="保存草稿").click()
    assert page.get_by_role("status").inner_text().startswith("草稿已保存")
    clerk.check("devolution-draft-saved")
    suite.pump()

    # logged out and in again: the draft waits in 我的办件, marked 草稿, with when it was last saved
    page.get_by_role("button", name="退出登录").click()
    clerk.login(address, "周婷")
    expect(page.get_by_role("heading", name="我的办件")).to_be_visible()
    drafts = page.get_by_role("region", name=re.compile("草稿"))
    card = drafts.locator("li.task", has_text="关于下放“食品小作坊登记”职责的申请")
    expect(card).to_have_count(1)
    text = card.inner_text()
    assert "草稿" in text and re.search(r"最后保存 \d{4}年\d{1,2}月\d{1,2}日（星期.）\d{2}:\d{2}", text), text
    assert "职责下放申请（第三十三条）" in text
    waiting = page.get_by_role("region", name=re.compile("待本部门办理"))
    assert "食品小作坊登记" not in waiting.inner_text()  # a draft is not work waiting
    clerk.check("my-work-with-draft")

    card.get_by_role("link", name="继续填写").click()
    assert page.get_by_label("职责名称").input_value() == "食品小作坊登记"  # refilled
    # the blank rows are not kept: the basis typed in the fourth row is now the first
    kept = page.get_by_role("group", name="依据 1", exact=True).get_by_label("依据名称").input_value()
    assert kept == "浙江省市场监督管理局关于食品小作坊登记的规定"
    _complete_devolution(page)
    page.get_by_role("button", name="保存草稿").click()  # the feedback rows appear for the chosen department
    page.get_by_label("海曙区市场监督管理局反馈文件名称").fill("关于承接食品小作坊登记的反馈意见")
    page.get_by_label("海曙区市场监督管理局反馈文件日期").fill("2026-11-10")
    page.get_by_label("海曙区市场监督管理局的意见", exact=True).select_option(label="同意")
    page.get_by_role("button", name="提交审核").click()
    assert page.get_by_role("status").inner_text().startswith("已提交审核")
    clerk.check("devolution-submitted")
    suite.pump()

    # the draft is gone; the application is now a case of the department, waiting for the office's review
    page.goto(address + "/my")
    expect(page.get_by_role("region", name=re.compile("草稿"))).to_have_count(0)
    assert "审核论证" in page.locator("li.task", has_text="关于下放“食品小作坊登记”职责的申请").inner_text()
    clerk.check("my-work-after-submission")


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_coordination_draft_with_a_filtered_picker_and_an_added_row_is_saved_reopened_and_deleted_第十六条(
    suite_of, person, viewport
) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake", "deadlines")
    address = suite.address
    clerk = person(viewport)
    clerk.login(address, "何静", then="/cases/new/coordination")
    page = clerk.page
    expect(page.get_by_role("heading", name="申请职责分工协调")).to_be_visible()
    expect(page.get_by_text("需要更多项的")).to_have_count(0)
    page.get_by_label("标题").fill("关于餐厨垃圾收运监管职责分工的协调申请")

    # 筛选部门: typing narrows the picker; a chosen department stays in sight
    others = page.get_by_role("group", name="分歧涉及的其他部门")
    everyone = _visible(others)
    assert len(everyone) >= 6
    search = others.get_by_label("筛选部门")
    search.fill("生态")
    assert _visible(others) == ["宁波市生态环境局"]
    others.get_by_label("宁波市生态环境局").check()
    clerk.check("picker-filtered")
    # Chinese through an input method: nothing is filtered while composing, then the composed text filters
    search.dispatch_event("compositionstart")
    search.fill("住房")
    assert _visible(others) == ["宁波市生态环境局"]  # unchanged while the input method composes
    search.dispatch_event("compositionend")
    assert _visible(others) == ["宁波市生态环境局", "宁波市住房和城乡建设局"]
    others.get_by_label("宁波市住房和城乡建设局").check()
    search.fill("")
    assert len(_visible(others)) == len(everyone)

    # 添加一行: one more row of legal bases, in place
    bases = page.get_by_role("group", name="政策法规依据", exact=False).first
    rows = bases.locator("fieldset[data-row]")
    before = rows.count()
    bases.get_by_role("button", name="添加一行").click()
    expect(rows).to_have_count(before + 1)
    added = rows.nth(before)
    assert f"（第{before + 1}项）" in added.locator("legend").first.inner_text()
    added.get_by_label("依据名称").fill("宁波市综合行政执法局三定规定")
    added.get_by_label("依据名称").press("Enter")  # neither submits nor adds a row
    expect(rows).to_have_count(before + 1)
    expect(page.get_by_role("heading", name="申请职责分工协调")).to_be_visible()
    clerk.check("row-added")

    page.get_by_role("button", name="保存草稿").click()
    assert page.get_by_role("status").inner_text().startswith("草稿已保存（")
    expect(rows).to_have_count(before + 1)  # the added row stays
    assert rows.nth(before).get_by_label("依据名称").input_value() == "宁波市综合行政执法局三定规定"
    assert (
        page.get_by_role("group", name="分歧涉及的其他部门")
        .get_by_label("宁波市住房和城乡建设局")
        .is_checked()
    )
    clerk.check("coordination-draft-saved")

    page.goto(address + "/my")
    card = page.get_by_role("region", name=re.compile("草稿")).locator("li.task")
    expect(card).to_have_count(1)
    assert "关于餐厨垃圾收运监管职责分工的协调申请" in card.inner_text() and "第十六条" in card.inner_text()
    card.get_by_role("link", name="继续填写").click()
    assert page.get_by_label("标题").input_value() == "关于餐厨垃圾收运监管职责分工的协调申请"
    page.get_by_role("link", name="删除草稿").click()
    expect(page.get_by_role("heading", name="删除草稿")).to_be_visible()
    clerk.check("confirm-delete")
    page.get_by_role("button", name="确认删除草稿").click()
    assert page.get_by_role("status").inner_text() == "草稿已删除。"
    expect(page.get_by_role("region", name=re.compile("草稿"))).to_have_count(0)
    clerk.check("draft-deleted")
