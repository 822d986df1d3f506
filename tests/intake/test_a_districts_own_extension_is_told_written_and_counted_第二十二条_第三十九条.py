"""第22条 as a district adopts it (第39条): where 海曙区 sets its own extension of the coordination period
(here 15 working days, with its local document), the office's extension step tells the applicant that length,
its letter says it, and the approval inbox shows how the period is counted there; the city's stays 30."""

from __future__ import annotations

import io

from casework_support import Desk, accepted_application, accepted_haishu_application
from docx import Document

from services.intake.domain.approvals.model import rule_bases, statutory_bases
from shared import demo
from shared.contracts import LOCAL_RULES_CHANGED
from shared.local_rules import LocalRules

SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第二十二条"
RULES = {"extension": {"working_days": 15, "source": SOURCE}}


def _letter_text(desk: Desk, user: str, case_id: str) -> str:
    [letter] = [d for d in desk.get(user, f"/cases/{case_id}/documents").json if d["step"] == "extension"]
    data = desk.get(user, f"/attachments/{letter['docx_attachment_id']}").data
    return "".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def _extension_notice(desk: Desk, case_id: str) -> dict:  # type: ignore[type-arg]
    [notice] = [
        p
        for p in desk.sent("notify.send")
        if p["template"] == "extension_notice" and p["case"]["id"] == case_id
    ]
    return notice


def test_a_district_extension_is_told_to_the_applicant_and_written_in_its_letter_第二十二条_第三十九条(
    make_runtime,
):
    desk = Desk(make_runtime("intake"))
    haishu, city = accepted_haishu_application(desk), accepted_application(desk)
    rules = {"jurisdiction": demo.HAISHU, "rules": RULES, "changed_at": "2026-12-01T02:00:00+00:00"}
    assert desk.deliver(LOCAL_RULES_CHANGED, rules)

    reason = {"reason": "涉及部门多，需进一步调研"}
    assert desk.act("hs.bb.leader", haishu, "extension", reason).status_code == 200
    assert desk.act("bb.head", city, "extension", reason).status_code == 200

    assert _extension_notice(desk, haishu)["params"]["working_days"] == 15
    assert _extension_notice(desk, city)["params"]["working_days"] == 30
    assert "办理期限延长15个工作日" in _letter_text(desk, "hs.bb.clerk", haishu)
    assert "办理期限延长30个工作日" in _letter_text(desk, "bb.clerk", city)
    assert {p["clock_id"] for p in desk.sent("clock.extend")} == {
        f"{haishu}:coordination_opinion",
        f"{city}:coordination_opinion",
    }  # the deadlines service counts the extension by the same local rules


def test_the_approval_inbox_says_how_a_districts_period_is_counted_第二十二条_第三十九条():
    local = LocalRules.from_json(demo.HAISHU, RULES)
    assert statutory_bases(local)["extension"] == (
        f"延长期限：原期限届满前决定，自原期限届满日起再计 15 个工作日（第二十二条；本地规定：{SOURCE}）"
    )
    assert "可延长一次 15 个工作日" in rule_bases(local)["coordination_opinion"]
    assert (
        statutory_bases()["extension"]
        == "延长期限：原期限届满前决定，自原期限届满日起再计 30 个工作日（第二十二条）"
    )


def test_a_districts_own_coordination_period_names_the_cases_clock_and_the_inbox_basis_第二十二条_第三十九条(
    make_runtime,
):
    desk = Desk(make_runtime("intake"))
    haishu, city = accepted_haishu_application(desk), accepted_application(desk)
    periods = {"coordination_opinion": {"length": 20, "source": "海编委〔2026〕3号第二十二条"}}
    rules = {
        "jurisdiction": demo.HAISHU,
        "rules": {"periods": periods},
        "changed_at": "2026-12-01T02:00:00+00:00",
    }
    assert desk.deliver(LOCAL_RULES_CHANGED, rules)

    def opinion_clock(user: str, case_id: str) -> str:
        clocks = desk.get(user, f"/cases/{case_id}").json["clocks"]
        return next(c["rule_name"] for c in clocks if c["rule"] == "coordination_opinion")

    assert opinion_clock("hs.bb.clerk", haishu) == "提出协调意见（第二十二条，20个工作日）"
    assert opinion_clock("bb.clerk", city) == "提出协调意见（第二十二条，30个工作日）"
    local = LocalRules.from_json(demo.HAISHU, {"periods": periods})
    assert statutory_bases(local)["coordination_opinion"] == (
        "协调意见：受理之日起 20 个工作日内，可延长一次 30 个工作日"
        "（第二十二条；本地规定：海编委〔2026〕3号第二十二条）"
    )
