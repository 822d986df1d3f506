"""The approval pages for a leader who uses them daily: a refused decision (退回 without a reason) keeps the
chosen decision and the comment — never a pre-selected 同意 that a second tap would send; 已办 and 我发起的
lists; 常用意见; and the badge never contradicts the page (a stopped clock shows no days left, a provisional
date says 暂定 on the list too, 第二十二条)."""

from __future__ import annotations

import re

from approvals_support import logged_in

from shared.contracts import CLOCK_SCHEDULED, NOTIFY_SEND
from shared.messaging import Envelope


def _checked(html: str) -> list[str]:
    return re.findall(r'name="outcome" value="(\w+)" checked', html)


def test_no_decision_is_preselected_and_a_refused_one_stays_as_chosen(app, intake, ask) -> None:  # type: ignore[no-untyped-def]
    approval_id = ask()
    head = app.test_client()
    session = logged_in(head, intake, "bb.head")
    page = head.get(f"/m/approvals/{approval_id}").get_data(as_text=True)
    assert _checked(page) == []  # nothing chosen until the leader chooses
    refused = head.post(
        f"/m/approvals/{approval_id}/decision",
        data={"csrf_token": session.csrf_token, "step_no": "0", "outcome": "returned", "comment": ""},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert _checked(html) == ["returned"]  # 退回 stays chosen: not 同意
    assert 'id="decide-error"' in html and "已保留" in html
    typed = head.post(
        f"/m/approvals/{approval_id}/decision",
        data={"csrf_token": session.csrf_token, "step_no": "0", "outcome": "", "comment": "再议"},
    )
    assert typed.status_code == 422 and ">再议</textarea>" in typed.get_data(as_text=True)
    assert _checked(typed.get_data(as_text=True)) == []


def test_done_and_mine_lists_and_common_phrases(app, intake, ask) -> None:  # type: ignore[no-untyped-def]
    approval_id = ask()
    head = app.test_client()
    session = logged_in(head, intake, "bb.head")
    page = head.get(f"/m/approvals/{approval_id}").get_data(as_text=True)
    assert "填入：同意，按程序办理" in page  # 常用意见
    head.post(
        f"/m/approvals/{approval_id}/decision",
        data={
            "csrf_token": session.csrf_token,
            "step_no": "0",
            "outcome": "approved",
            "comment": "同意受理，抓紧办理",
        },
    )
    done = head.get("/m/approvals/done").get_data(as_text=True)
    assert "关于农贸市场活禽监管职责分工的协调申请" in done and "我的决定：<strong>同意</strong>" in done
    assert "待分管领导审批" in done or "待" in done
    next_one = ask()
    assert "填入：同意受理，抓紧办理" in head.get(f"/m/approvals/{next_one}").get_data(as_text=True)
    clerk = app.test_client()
    logged_in(clerk, intake, "bb.clerk")
    mine = clerk.get("/m/approvals/mine").get_data(as_text=True)
    assert mine.count("关于农贸市场活禽监管职责分工的协调申请") == 2
    assert clerk.get(f"/m/approvals/{approval_id}").status_code == 200  # the requester may follow it


def test_a_stopped_clock_shows_no_days_left_and_a_provisional_date_says_so(app, intake, ask) -> None:  # type: ignore[no-untyped-def]
    approval_id = ask(statutory_due_date="2099-12-31", statutory_clock_id="clk-9", statutory_provisional=True)
    head = app.test_client()
    logged_in(head, intake, "bb.head")
    inbox = head.get("/m/approvals").get_data(as_text=True)
    assert "（暂定）" in inbox and "2099年12月31日" in inbox
    card = [m for dest, m in intake.sender.sent if m["type"] == NOTIFY_SEND][-1]["payload"]["params"]
    assert card.get("provisional") is True and card["days_left"].endswith("（暂定）")
    stopped = {
        "clock_id": "clk-9",
        "rule": "acceptance_decision",
        "state": "stopped",
        "due_date": "2099-12-31",
    }
    intake.bus.handle(Envelope(type=CLOCK_SCHEDULED, payload=stopped, source="deadlines").to_dict())
    inbox = head.get("/m/approvals").get_data(as_text=True)
    page = head.get(f"/m/approvals/{approval_id}").get_data(as_text=True)
    assert "剩余" not in inbox and "无法定期限" in inbox
    assert "剩余" not in page and "没有正在计算的法定期限" in page
