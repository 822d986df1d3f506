"""The 浙政钉 to-do centre (统一待办) through the whole suite as ``make run`` starts it: a department's
coordination application in intake, the office's written solicitation (第二十条) and the leaders' approval of
the coordination opinion (第二十一条), each a to-do in its assignee's list at the stand-in — read through the
stand-in's own API and page — with the statutory due time, grouped by case; finished when the department
replies or the leader decides, moved when the leader delegates, cancelled when the case is terminated or
withdrawn, and never created twice. Everything is driven through the services' public HTTP APIs."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from foundation_support import Suite, running_suite, wait_for

from shared.demo import demo_directory

pytestmark = pytest.mark.e2e

ACCOUNTS = {p["id"]: str(p["zwd_account_id"]) for p in demo_directory().people}
SETTLE_S = 60


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with running_suite(tmp_path_factory.mktemp("todos")) as running:
        assert running.seconds_to_healthy is not None, running.tail()
        yield running


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def todos(suite: Suite, **query: str) -> list[dict[str, Any]]:
    return requests.get(suite.url("standin", "/sandbox/todos"), params=query, timeout=5).json()["todos"]


def of_case(suite: Suite, title: str, person: str | None = None) -> list[dict[str, Any]]:
    """The to-dos at the stand-in whose subject names the case (every test's case has its own title)."""
    query = {"assignee": ACCOUNTS[person]} if person else {}
    return [t for t in todos(suite, **query) if t["subject"].endswith(f"：{title}")]


def statuses(suite: Suite, title: str, step: str) -> dict[str, list[str]]:
    """Who has which to-dos of the case's step, by person id: ``{"sthj.clerk": ["done"]}``."""
    people = {account: person for person, account in ACCOUNTS.items()}
    found: dict[str, list[str]] = {}
    for todo in of_case(suite, title):
        if todo["subject"].startswith(step):
            found.setdefault(people[todo["assigneeId"]], []).append(todo["status"])
    return {person: sorted(s) for person, s in found.items()}


def settled(suite: Suite, title: str, step: str, expected: dict[str, list[str]]) -> dict[str, list[str]]:
    """Waits until the step's to-dos are as expected, and returns what the stand-in shows then."""
    wait_for(lambda: statuses(suite, title, step) == expected, SETTLE_S)
    return statuses(suite, title, step)


def apply(suite: Suite, title: str) -> str:
    host = suite.token("zhzf.clerk")
    upload = requests.post(
        suite.url("intake", "/api/v1/attachments"), headers=host, timeout=10,
        files={"file": ("党组会议纪要.pdf", b"%PDF-1.4\n% minutes\n", "application/pdf")},
    )  # fmt: skip
    assert upload.status_code == 201, upload.text
    application = {
        "title": title,
        "host_department": "nb-zhzf",
        "other_parties": ["nb-sthj", "nb-zjj"],
        "disputed_items": "收运环节的日常监管由哪个部门承担",
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
        headers={**host, "Idempotency-Key": f"e2e-todo-{uuid.uuid4().hex}"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def act(suite: Suite, user: str, case_id: str, step: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(
        suite.url("intake", f"/api/v1/cases/{case_id}/{step}"),
        json=body,
        headers=suite.token(user),
        timeout=15,
    )
    assert response.status_code in (200, 201), f"{step}: {response.status_code} {response.text}"
    return dict(response.json())


def case(suite: Suite, case_id: str) -> dict[str, Any]:
    url = suite.url("intake", f"/api/v1/cases/{case_id}")
    return dict(requests.get(url, headers=suite.token("bb.clerk"), timeout=5).json())


def accepted(suite: Suite, title: str) -> str:
    case_id = apply(suite, title)
    # the office's 受理审查 is a to-do of its clerk, finished when the application is accepted (第十七条)
    assert settled(suite, title, "受理审查", {"bb.clerk": ["open"]}) == {"bb.clerk": ["open"]}, suite.tail()
    act(suite, "bb.head", case_id, "accept", {"note": "材料齐全，予以受理"})
    assert settled(suite, title, "受理审查", {"bb.clerk": ["done"]}) == {"bb.clerk": ["done"]}
    return case_id


def reply_due_times(suite: Suite, case_id: str) -> dict[str, str]:
    """Each solicited department's statutory reply date as intake has it from the deadlines service."""
    detail = case(suite, case_id)
    clocks = {c["clock_id"]: c for c in detail["clocks"]}
    return {
        s["department"]: f"{clocks[s['clock_id']]['due_date']} 23:59:59"
        for s in detail["solicitations"]
        if clocks.get(s["clock_id"], {}).get("due_date")
    }


def test_a_written_solicitation_is_a_todo_of_each_department_s_staff_until_it_replies_第二十条(
    suite: Suite,
) -> None:
    title = "关于餐厨垃圾收运监管职责分工的协调申请"
    case_id = accepted(suite, title)
    question = {"departments": ["nb-sthj", "nb-zjj"], "question": "请就收运环节的监管主体提出意见。"}
    solicited = act(suite, "bb.clerk", case_id, "solicitations", {**question, "reply_working_days": 5})
    staff = ("sthj.clerk", "sthj.leader", "zjj.clerk", "zjj.leader")

    def each_has_its_due_time() -> bool:
        due = reply_due_times(suite, case_id)
        open_ = {p: of_case(suite, title, p) for p in staff}
        return len(due) == 2 and all(
            [t["dueTime"] for t in found if t["status"] == "open"] == [due[f"nb-{p.split('.')[0]}"]]
            for p, found in open_.items()
        )

    assert wait_for(each_has_its_due_time, SETTLE_S), (reply_due_times(suite, case_id), todos(suite))
    due = reply_due_times(suite, case_id)
    expected = requests.get(
        suite.url("deadlines", "/api/v1/calendar/due-date"),
        params={"start": today().isoformat(), "working_days": 5},
        timeout=5,
    ).json()["due_date"]
    assert due["nb-sthj"] >= f"{expected} 23:59:59"  # 5 working days, counted from the day it reached them
    sthj = next(t for t in of_case(suite, title, "sthj.clerk") if t["status"] == "open")
    assert sthj["subject"] == f"书面答复征求意见：{title}"
    assert sthj["url"].startswith(f"{suite.url('gateway', '')}/cases/{case_id}")
    datetime.strptime(sthj["dueTime"], "%Y-%m-%d %H:%M:%S")
    assert {t["packageUuid"] for t in of_case(suite, title)} == {sthj["packageUuid"]}  # one package, the case
    page = requests.get(suite.url("standin", "/todos"), timeout=5).text
    assert "韩雪" in page and f"书面答复征求意见：{title}" in page and sthj["dueTime"] in page

    # 生态环境局 replies: its staff's to-dos are finished, 住建局's stay open
    sthj_solicitation = next(s for s in solicited["solicitations"] if s["department"] == "nb-sthj")
    reply = {"solicitation_id": sthj_solicitation["id"], "kind": "agree", "opinion": "同意由执法局监管"}
    act(suite, "sthj.clerk", case_id, "replies", reply)
    finished = {
        "sthj.clerk": ["done"],
        "sthj.leader": ["done"],
        "zjj.clerk": ["open"],
        "zjj.leader": ["open"],
    }
    assert settled(suite, title, "书面答复征求意见", finished) == finished

    # the office terminates the coordination: what still waits is cancelled (第二十五条)
    act(suite, "bb.head", case_id, "termination", {"reason": "申请部门已自行协商一致"})
    ended = {
        "sthj.clerk": ["done"],
        "sthj.leader": ["done"],
        "zjj.clerk": ["cancelled"],
        "zjj.leader": ["cancelled"],
    }
    assert settled(suite, title, "书面答复征求意见", ended) == ended
    assert wait_for(lambda: not [t for t in of_case(suite, title) if t["status"] == "open"], SETTLE_S), (
        of_case(suite, title)
    )


def approval_waiting_for(suite: Suite, person: str, title: str) -> dict[str, Any] | None:
    inbox = requests.get(
        suite.url("intake", "/api/v1/approvals/inbox"), headers=suite.token(person), timeout=5
    )
    return next((item for item in inbox.json() if item["case_title"] == title), None)


def test_an_approval_is_a_todo_of_its_leader_finished_when_decided_and_moved_when_delegated_第二十一条(
    suite: Suite,
) -> None:
    title = "关于建筑垃圾运输监管职责分工的协调申请"
    case_id = accepted(suite, title)
    act(suite, "bb.clerk", case_id, "agreement", {"summary": "各方同意由执法局负责运输环节"})
    opinion = {"summary": "运输由执法局监管", "text": "经协调，建筑垃圾运输环节由市综合行政执法局监管……"}
    act(suite, "bb.clerk", case_id, "opinion", opinion)

    first = wait_for(lambda: approval_waiting_for(suite, "bb.head", title), SETTLE_S)
    assert first, suite.tail()
    step = "处室负责人审批"
    assert settled(suite, title, step, {"bb.head": ["open"]}) == {"bb.head": ["open"]}, of_case(suite, title)
    [head] = of_case(suite, title, "bb.head")
    assert head["dueTime"] == f"{first['time_left']['due_date']} 23:59:59"  # the case's statutory date
    assert head["url"].startswith(f"{suite.url('gateway', '')}/m/approvals/{first['id']}")

    decision = {"step_no": first["step_no"], "outcome": "approved", "comment": "同意"}
    decided = requests.post(
        suite.url("intake", f"/api/v1/approvals/{first['id']}/decisions"), json=decision,
        headers=suite.token("bb.head"), timeout=10,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert settled(suite, title, step, {"bb.head": ["done"]}) == {"bb.head": ["done"]}
    second = wait_for(lambda: approval_waiting_for(suite, "bb.leader", title), SETTLE_S)
    assert second, suite.tail()
    leaders = "分管领导审批"
    assert settled(suite, title, leaders, {"bb.leader": ["open"]}) == {"bb.leader": ["open"]}

    # 王建国 goes away and delegates to 陈志远: the to-do leaves his list and reaches the deputy's
    delegation = {
        "delegate_id": "bb.director",
        "starts_on": today().isoformat(),
        "ends_on": (today() + timedelta(days=3)).isoformat(),
        "reason": "外出开会",
    }
    delegated = requests.post(
        suite.url("intake", "/api/v1/approvals/delegations"), json=delegation,
        headers=suite.token("bb.leader"), timeout=10,
    )  # fmt: skip
    assert delegated.status_code == 201, delegated.text
    moved = {"bb.leader": ["cancelled"], "bb.director": ["open"]}
    assert settled(suite, title, leaders, moved) == moved
    [deputy] = [t for t in of_case(suite, title, "bb.director") if t["status"] == "open"]
    assert deputy["dueTime"] == head["dueTime"] and deputy["packageUuid"] == head["packageUuid"]

    acting = approval_waiting_for(suite, "bb.director", title)
    assert acting and acting["on_behalf_of"], acting
    decision = {"step_no": acting["step_no"], "outcome": "approved", "comment": "同意（代批）"}
    decided = requests.post(
        suite.url("intake", f"/api/v1/approvals/{acting['id']}/decisions"), json=decision,
        headers=suite.token("bb.director"), timeout=10,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    done = {"bb.leader": ["cancelled"], "bb.director": ["done"]}
    assert settled(suite, title, leaders, done) == done
    assert wait_for(lambda: case(suite, case_id)["status"] == "approved", SETTLE_S)


def test_a_withdrawn_application_cancels_the_office_s_todo_第十七条(suite: Suite) -> None:
    title = "关于园林绿化垃圾收运监管职责分工的协调申请"
    case_id = apply(suite, title)
    assert settled(suite, title, "受理审查", {"bb.clerk": ["open"]}) == {"bb.clerk": ["open"]}
    act(suite, "zhzf.clerk", case_id, "withdraw", {"reason": "已与相关部门协商一致"})
    assert settled(suite, title, "受理审查", {"bb.clerk": ["cancelled"]}) == {"bb.clerk": ["cancelled"]}


def test_no_todo_was_ever_created_twice_and_the_standin_refused_none(suite: Suite) -> None:
    every = todos(suite)
    assert every, "the tests above made to-dos"
    assert len({t["bizTaskId"] for t in every}) == len(every)
    # no person ever had two to-dos open at once for the same step of the same case
    still_open = Counter(
        (t["assigneeId"], t["packageUuid"], t["subject"]) for t in every if t["status"] == "open"
    )
    assert all(n == 1 for n in still_open.values()), still_open
    url = suite.url("standin", "/sandbox/messages")
    for kind in ("todo_create", "todo_finish", "todo_cancel"):
        refused = requests.get(url, params={"kind": kind, "accepted": "false"}, timeout=5).json()["messages"]
        assert refused == [], refused
