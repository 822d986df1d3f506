"""第20条 as a district adopts it (第39条): 海曙区 sets its own usual reply range with its local document;
the deadlines service tells intake (``local_rules.changed``), and intake holds a 海曙区 solicitation to that
range — a period outside it without a reason is refused with problem+json naming the field and the local
document — while the city's cases keep 5–10 working days. A late or repeated set changes nothing."""

from __future__ import annotations

from typing import Any

from casework_support import Desk, accepted_haishu_application, application_body

from shared import demo
from shared.contracts import LOCAL_RULES_CHANGED
from shared.errors import ValidationFailed

SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第二十条"


def _city_case(desk: Desk) -> str:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    assert desk.act("bb.head", case_id, "accept", {"note": "材料齐全"}).status_code == 200
    return case_id


def _range(low: int, high: int, changed_at: str = "2026-12-01T02:00:00+00:00") -> dict[str, Any]:
    rules = {"reply_range": {"min_working_days": low, "max_working_days": high, "source": SOURCE}}
    return {"jurisdiction": demo.HAISHU, "rules": rules, "changed_at": changed_at}


def _solicit(desk: Desk, user: str, case_id: str, days: int, **extra: Any) -> Any:
    body = {
        "departments": [extra.pop("department")],
        "question": "请就监管分工提出意见",
        "reply_working_days": days,
    }
    return desk.act(user, case_id, "solicitations", {**body, **extra})


def test_a_district_solicitation_outside_its_own_reply_range_is_refused_naming_the_field_第二十条_第三十九条(
    make_runtime,
):
    desk = Desk(make_runtime("intake"))
    haishu, city = accepted_haishu_application(desk), _city_case(desk)
    assert desk.deliver(LOCAL_RULES_CHANGED, _range(7, 15))

    short = _solicit(desk, "hs.bb.clerk", haishu, 6, department="hs-scjg")
    assert short.status_code == 422
    assert short.headers["Content-Type"].startswith("application/problem+json")
    problem = short.json
    assert problem["code"] == "reply_period"
    [error] = problem["errors"]
    assert error["field"] == "reply_working_days"
    assert "答复期限一般为7至15个工作日" in error["messages"][0] and SOURCE in error["messages"][0]

    within = _solicit(desk, "hs.bb.clerk", haishu, 12, department="hs-scjg")
    assert within.status_code == 200, within.json
    [solicitation] = within.json["solicitations"]
    assert (solicitation["reply_working_days"], solicitation["reply_period_reason"]) == (12, None)
    [start] = [p for p in desk.sent("clock.start") if p["rule"] == "written_reply"]
    assert (start["working_days"], start.get("working_days_reason")) == (12, None)

    # the city's cases keep the measures' own 5–10 working days
    refused = _solicit(desk, "bb.clerk", city, 12, department="nb-sthj")
    assert refused.status_code == 422
    assert "5至10个工作日（第二十条）" in refused.json["errors"][0]["messages"][0]


def test_a_reason_still_allows_a_period_outside_the_range_as_第二十条_says_一般(make_runtime):
    desk = Desk(make_runtime("intake"))
    haishu = accepted_haishu_application(desk)
    desk.deliver(LOCAL_RULES_CHANGED, _range(7, 15))
    reasoned = _solicit(desk, "hs.bb.clerk", haishu, 20, department="hs-scjg", reply_period_reason="涉及面广")
    assert reasoned.status_code == 200
    assert reasoned.json["solicitations"][0]["reply_period_reason"] == "涉及面广"


def test_an_older_or_repeated_set_of_local_rules_changes_nothing_第三十九条(make_runtime):
    desk = Desk(make_runtime("intake"))
    haishu = accepted_haishu_application(desk)
    assert desk.deliver(LOCAL_RULES_CHANGED, _range(7, 15, "2026-12-02T02:00:00+00:00"))
    desk.deliver(LOCAL_RULES_CHANGED, _range(3, 4, "2026-12-01T02:00:00+00:00"))  # sent earlier, arrived late
    assert _solicit(desk, "hs.bb.clerk", haishu, 4, department="hs-scjg").status_code == 422

    # withdrawn: back to the measures' range
    desk.deliver(
        LOCAL_RULES_CHANGED,
        {"jurisdiction": demo.HAISHU, "rules": {}, "changed_at": "2026-12-03T02:00:00+00:00"},
    )
    assert _solicit(desk, "hs.bb.clerk", haishu, 12, department="hs-scjg").status_code == 422
    assert _solicit(desk, "hs.bb.clerk", haishu, 10, department="hs-scjg").status_code == 200


def test_a_set_intake_cannot_count_by_is_refused_and_not_kept_第三十九条(make_runtime):
    desk = Desk(make_runtime("intake"))
    haishu = accepted_haishu_application(desk)
    broken = {"reply_range": {"min_working_days": 12, "max_working_days": 3, "source": ""}}
    try:
        kept = desk.deliver(
            LOCAL_RULES_CHANGED,
            {"jurisdiction": demo.HAISHU, "rules": broken, "changed_at": "2026-12-01T02:00:00+00:00"},
        )
    except ValidationFailed as refused:
        assert refused.code == "local_rule_invalid"
    else:
        assert not kept
    assert _solicit(desk, "hs.bb.clerk", haishu, 12, department="hs-scjg").status_code == 422  # still 5–10
