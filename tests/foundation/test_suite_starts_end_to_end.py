"""`make run` as a newcomer runs it: every service answers within a minute, a department's application
travels through the real broker to the deadlines service and back, the office's decision reaches the
浙政钉 stand-in as a work notification, and stopping the suite leaves no process behind."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from foundation_support import OFFSETS, Suite, running_suite, wait_for

from shared.demo import demo_directory

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with running_suite(tmp_path_factory.mktemp("suite")) as running:
        yield running


def _session_members(sid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == sid:
                    members.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return members


def test_every_service_answers_healthz_within_a_minute(suite: Suite) -> None:
    assert suite.seconds_to_healthy is not None, f"not every service answered /healthz:\n{suite.tail()}"
    assert suite.seconds_to_healthy < 60, f"healthy only after {suite.seconds_to_healthy:.0f} s"
    for name in OFFSETS:
        assert requests.get(suite.url(name, "/healthz"), timeout=5).json()["status"] == "ok"
    assert requests.get(suite.url("intake", "/readyz"), timeout=5).json()["checks"]["broker"] == "ok"


def test_the_directory_reaches_notify_through_the_outbox_and_the_broker(suite: Suite) -> None:
    headers = suite.token("bb.admin")
    url = suite.url("notify", "/api/v1/recipients")
    people = sum(1 for p in demo_directory().people if p["jurisdiction_code"] == "330200")
    replicated = wait_for(lambda: len(requests.get(url, headers=headers, timeout=5).json()) >= people, 45)
    assert replicated, suite.tail()


def _apply_for_coordination(suite: Suite) -> str:
    host = suite.token("zhzf.clerk")
    upload = requests.post(
        suite.url("intake", "/api/v1/attachments"), headers=host, timeout=10,
        files={"file": ("党组会议纪要.pdf", b"%PDF-1.4\n% minutes\n", "application/pdf")},
    )  # fmt: skip
    assert upload.status_code == 201, upload.text
    application = {
        "title": "关于餐厨垃圾收运监管职责分工的协调申请",
        "host_department": "nb-zhzf",
        "other_parties": ["nb-sthj", "nb-zjj"],
        "disputed_items": "餐厨垃圾收运环节的日常监管由哪个部门承担",
        "consultation_failed": True,
        "consultation_history": "两次协商会未达成一致。",
        "collective_decision": {
            "meeting_date": "2026-11-18",
            "minutes_summary": "局党组会议集体研究，同意申请协调",
            "minutes_attachment_id": upload.json()["id"],
        },
        "leaning_opinion": "收运环节由综合行政执法局监管。",
        "reasons": "职责交叉，基层执法无所适从。",
        "legal_bases": [{"type": "sanding", "name": "宁波市综合行政执法局“三定”规定"}],
    }
    response = requests.post(
        suite.url("intake", "/api/v1/cases/coordination-applications"), json=application, timeout=10,
        headers={**host, "Idempotency-Key": "e2e-zhzf-001"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_an_application_gets_its_statutory_deadline_and_the_decision_reaches_浙政钉_第十七条(
    suite: Suite,
) -> None:
    case_id = _apply_for_coordination(suite)
    host = suite.token("zhzf.clerk")
    case_url = suite.url("intake", f"/api/v1/cases/{case_id}")

    # clock.start → deadlines → clock.scheduled → intake, through Redis: the 5-working-day acceptance date.
    clocks = wait_for(
        lambda: [
            c for c in requests.get(case_url, headers=host, timeout=5).json()["clocks"] if c["due_date"]
        ],
        30,
    )
    assert clocks, suite.tail()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    expected = requests.get(
        suite.url("deadlines", "/api/v1/calendar/due-date"),
        params={"start": today, "working_days": 5},
        timeout=5,
    ).json()["due_date"]
    assert clocks[0]["due_date"] == expected

    accepted = requests.post(
        suite.url("intake", f"/api/v1/cases/{case_id}/accept"), headers=suite.token("bb.head"), timeout=10,
        json={"note": "材料齐全，予以受理"},
    )  # fmt: skip
    assert accepted.status_code == 200, accepted.text

    # intake → notify → the stand-in: the host department's clerk (浙政钉 account 100011) is told.
    account = next(p["zwd_account_id"] for p in demo_directory().people if p["id"] == "zhzf.clerk")
    inbox = suite.url("standin", f"/sandbox/messages?kind=work_notification&receiver={account}&accepted=true")
    told = wait_for(
        lambda: [
            m
            for m in requests.get(inbox, timeout=5).json()["messages"]
            if "受理" in json.dumps(m, ensure_ascii=False)
        ],
        45,
    )
    assert told, suite.tail()


def _csrf(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def test_one_address_serves_every_service_and_one_login_works_on_all_of_them(suite: Suite) -> None:
    address = suite.url("gateway", "")
    assert f"    {address}\n" in suite.log.read_text(), "make run must print the one address to open"
    assert requests.get(f"{address}/api/v1/calendar/years", timeout=5).status_code in (200, 401)
    browser = requests.Session()
    login = browser.get(f"{address}/m/approvals", timeout=5)  # → /login?next=/m/approvals
    assert login.url.startswith(f"{address}/login?next="), login.url
    assert "李强" in login.text and "中共宁波市委机构编制委员会办公室" in login.text  # names, never codes
    head = next(p["zwd_account_id"] for p in demo_directory().people if p["id"] == "bb.head")
    form = {"csrf_token": _csrf(login.text), "authCode": f"demo-{head}", "next": "/m/approvals"}
    approvals = browser.post(f"{address}/login", data=form, timeout=10)  # 免登 through the stand-in
    assert approvals.url == f"{address}/m/approvals" and "待我审批" in approvals.text, approvals.text[:500]
    for path in ("/docs", "/api/deadlines/docs", "/api/devolution/docs", "/api/notify/docs"):
        docs = browser.get(f"{address}{path}", timeout=5)
        assert docs.ok and "/assets/swagger-ui/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
    bundle = browser.get(f"{address}/assets/swagger-ui/swagger-ui-bundle.js", timeout=5)
    assert bundle.ok and len(bundle.content) > 100_000
    missing = browser.get(f"{address}/no-such-page", headers={"Accept": "text/html"}, timeout=5)
    assert missing.status_code == 404 and "返回" in missing.text
    assert missing.headers["Content-Type"].startswith("text/html")


def test_stopping_the_suite_leaves_no_process_behind(suite: Suite) -> None:
    suite.stop()
    assert wait_for(lambda: not _session_members(suite.process.pid), 15), "processes were left behind"
