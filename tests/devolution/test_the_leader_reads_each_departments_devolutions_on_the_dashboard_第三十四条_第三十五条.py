"""监督统计's 各部门职责下放情况 (第三十三条至第三十五条, 第三十七条第四项), devolution and intake
side by side: what devolution tells (``devolution.figures``) intake counts per devolving department —
applications, duties formally devolved (第三十四条), promised support not in place, half-year reports
awaited, late and received (第三十五条) — beside intake's own 限期纠正 of devolving without approval or
without the support; every number opens the list behind it (devolution's own page, or intake's
findings), and the table is in the ledger."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from html import unescape
from typing import Any

from devolution_factories import USERS
from freezegun import freeze_time
from openpyxl import load_workbook

from services.devolution.app import create_app as devolution_app
from services.intake.pages.login import session_user
from services.intake.tables import DevolutionCount
from services.intake.usecases import directory
from shared.contracts import DEVOLUTION_FIGURES_CHANGED
from shared.localtime import today
from shared.web import session

SCJG = "宁波市市场监督管理局"
REPORT = {
    "public_service_effects": "群众就近办理，平均少跑一次",
    "enterprise_service_effects": "登记时限由10个工作日缩短为5个",
    "problems_found": "未发现问题",
}


def _leader(suite: Any) -> None:
    person = session_user(suite.intake, directory.find_person(suite.intake, "bb.leader"))
    cookie = session.dump(session.new_session(suite.intake.settings, person), suite.intake.settings)
    suite.client.set_cookie(session.COOKIE_NAME, cookie, path=session.COOKIE_PATH)


def _office_on_devolution(suite: Any) -> Any:
    client = devolution_app(runtime=suite.devolution).test_client()
    jurisdiction, department, roles = USERS["bb.clerk"]
    person = session.SessionUser("bb.clerk", "张敏", jurisdiction, department, frozenset(roles))
    cookie = session.dump(session.new_session(suite.devolution.settings, person), suite.devolution.settings)
    client.set_cookie(session.COOKIE_NAME, cookie, path="/")
    return client


def _table(html: str) -> dict[str, dict[str, tuple[int, str]]]:
    """各部门职责下放情况 as read: department → column head → (number, link)."""
    table = html[html.index('aria-label="各部门职责下放情况"') :]
    table = table[: table.index("</table>")]
    heads = re.findall(r'<th title="[^"]*">([^<]+)</th>', table)
    found = {}
    for row in re.findall(r"<tr[^>]*><td><strong>([^<]+)</strong></td>(.*?)</tr>", table, re.S):
        cells = re.findall(r'<td data-label="([^"]+)"><a href="([^"]+)"[^>]*>(-?\d+)</a></td>', row[1])
        assert [c[0] for c in cells] == heads
        found[row[0]] = {head: (int(n), unescape(href)) for head, href, n in cells}
    return found


def test_the_leader_reads_each_departments_devolutions_and_opens_the_devolutions_behind_them_第三十五条(
    suite,
) -> None:
    issued = suite.issued()  # 2026-08-31: its two half-year reports are due on 2027-02-28
    reviewed = suite.under_review()  # applied, not devolved
    past = (today() - timedelta(days=3)).isoformat()
    funds = f"/api/v1/devolutions/{issued}/handover/funds"
    moved = suite.dv.patch(funds, json={"due_date": past}, headers=suite.dv_auth("scjg.clerk"))
    assert moved.status_code == 200
    suite.relay()
    assert suite.order(devolution_id=issued).status_code == 201  # 未落实保障措施
    unapproved = suite.order(ground="devolved_without_approval", title="关于擅自下放食品经营许可的限期纠正")
    assert unapproved.status_code == 201, unapproved.get_json()

    _leader(suite)
    period = f"from={date(today().year, 1, 1).isoformat()}&to={today().isoformat()}"
    html = suite.client.get(f"/supervision?{period}").get_data(as_text=True)
    assert "各部门职责下放情况" in html and "各部门半年运行情况专项报告（第三十五条）" in html
    table = _table(html)
    numbers = {head: n for head, (n, _href) in table[SCJG].items()}
    assert numbers == {
        "申请": 2,
        "正式下放": 1,
        "擅自下放": 1,
        "保障未落实": 1,
        "报告待报": 2,
        "报告逾期": 0,
        "报告已收": 0,
        "限期纠正": 2,
    }
    assert {head: n for head, (n, _h) in table["合计"].items()} == numbers

    office = _office_on_devolution(suite)
    awaited = office.get(table[SCJG]["报告待报"][1]).get_data(as_text=True)
    assert "共 2 份，涉及 1 项职责下放" in awaited and f'href="/devolution/{issued}"' in awaited
    applied = office.get(table[SCJG]["申请"][1]).get_data(as_text=True)
    assert f'href="/devolution/{issued}"' in applied and f'href="/devolution/{reviewed}"' in applied
    support = office.get(table[SCJG]["保障未落实"][1]).get_data(as_text=True)
    assert f'href="/devolution/{issued}"' in support and "已逾期" in support
    findings = suite.client.get(table[SCJG]["擅自下放"][1]).get_data(as_text=True)
    assert "关于擅自下放食品经营许可的限期纠正" in findings and "未落实保障措施的限期纠正" not in findings
    both = suite.client.get(table[SCJG]["限期纠正"][1]).get_data(as_text=True)
    assert "关于擅自下放食品经营许可的限期纠正" in both and "未落实保障措施的限期纠正" in both

    ledger = load_workbook(io.BytesIO(suite.client.get(f"/supervision.xlsx?{period}").data))["各部门职责下放"]
    assert ledger["A1"].value.startswith("各部门职责下放情况") and "期间：" in ledger["A2"].value
    heads = [c.value for c in ledger[4]][:3]
    assert heads == ["下放部门", "本期提出下放申请（第三十三条）", "本期正式下放职责（第三十四条）"]
    assert [c.value for c in ledger[5]] == [SCJG, 2, 1, 1, 1, 2, 0, 0, 2]
    assert ledger["A6"].value == "合计"


def test_a_report_received_moves_from_awaited_to_received_and_a_redelivery_counts_once_第三十五条(
    suite,
) -> None:
    issued = suite.issued()
    with freeze_time("2027-03-02 02:00:00"):  # past the due date 2027-02-28: both reports late
        _late_then_received(suite, issued)


def _late_then_received(suite: Any, issued: str) -> None:
    _leader(suite)
    html = suite.client.get("/supervision?from=2027-01-01&to=2027-03-02").get_data(as_text=True)
    numbers = {head: n for head, (n, _href) in _table(html)[SCJG].items()}
    assert (numbers["报告逾期"], numbers["报告待报"], numbers["正式下放"]) == (2, 0, 0)  # devolved in 2026

    sent = suite.dv.put(
        f"/api/v1/devolutions/{issued}/reports/hs-scjg", json=REPORT, headers=suite.dv_auth("hs.scjg.clerk")
    )
    assert sent.status_code == 200, sent.get_json()
    suite.relay()
    again = [e for _d, e in suite.devolution.sender.sent if e["type"] == DEVOLUTION_FIGURES_CHANGED][-1]
    assert suite.intake.bus.handle(again) is False  # the inbox applies a delivery once
    html = suite.client.get("/supervision?from=2027-01-01&to=2027-03-02").get_data(as_text=True)
    numbers = {head: n for head, (n, _href) in _table(html)[SCJG].items()}
    assert (numbers["报告逾期"], numbers["报告已收"]) == (1, 1)
    with suite.intake.db.transaction() as s:
        assert all(row.n > 0 for row in s.query(DevolutionCount).all())  # settled counters leave no rows
