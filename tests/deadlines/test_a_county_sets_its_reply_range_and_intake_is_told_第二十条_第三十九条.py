"""第20条 as a district adopts it (第39条): 海曙区's office sets its usual reply range with its local
document; the change is kept, intake is told the jurisdiction's whole set through the outbox
(``local_rules.changed``), and the reply clocks of 海曙区 accept a period within that range without a
reason; the city's keep 5–10."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from deadlines_support import NINGBO, shanghai
from sqlalchemy import select

from services.deadlines.domain.local_periods import LocalPeriod
from services.deadlines.tables import AuditEntry, ClockRecord
from services.deadlines.usecases import local_periods, local_rules
from shared.contracts import INTAKE, LOCAL_RULES_CHANGED
from shared.errors import ValidationFailed
from shared.identity import Principal
from shared.local_rules import LocalRules, ReplyRange, check_setting

HAISHU = "330203"
ADMIN = Principal("hs.bb.admin", "梁宇", HAISHU, "hs-bb", frozenset({"office_admin"}))
SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第二十条"
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _set(deadlines, setting, jurisdiction: str = HAISHU) -> bool:  # type: ignore[no-untyped-def]
    with deadlines.unit_of_work() as uow:
        changed = local_rules.set_setting(uow, jurisdiction, setting, actor=ADMIN, now=NOW)
        uow.commit()
    return changed


def test_a_reply_range_names_each_wrong_field_in_chinese_第二十条_第三十九条():
    with pytest.raises(ValidationFailed) as city:
        check_setting(NINGBO, ReplyRange(min_working_days=5, max_working_days=10, source=SOURCE))
    assert "第三十九条" in city.value.fields["jurisdiction"][0]
    with pytest.raises(ValidationFailed) as upside_down:
        check_setting(HAISHU, ReplyRange(min_working_days=12, max_working_days=8, source=" "))
    assert upside_down.value.code == "local_rule_invalid"
    assert upside_down.value.fields["max_working_days"] == ["“答复期限上限（工作日）”不能小于下限"]
    assert "本地文件名称及文号" in upside_down.value.fields["source"][0]
    with pytest.raises(ValidationFailed) as zero:
        check_setting(HAISHU, ReplyRange(min_working_days=0, max_working_days=300, source=SOURCE))
    assert set(zero.value.fields) == {"min_working_days", "max_working_days"}
    assert "答复期限下限（工作日）" in zero.value.fields["min_working_days"][0]


def test_a_county_range_is_told_to_intake_and_its_reply_clocks_count_by_it_第二十条_第三十九条(
    deadlines, sent, start_clock
):
    assert _set(deadlines, ReplyRange(min_working_days=7, max_working_days=15, source=SOURCE))
    assert not _set(deadlines, ReplyRange(min_working_days=7, max_working_days=15, source=SOURCE))
    [told] = [(q, env) for q, env in sent.sent if env["type"] == LOCAL_RULES_CHANGED]
    queue, envelope = told
    assert queue == INTAKE
    assert envelope["payload"] == {
        "jurisdiction": HAISHU,
        "rules": {"reply_range": {"min_working_days": 7, "max_working_days": 15, "source": SOURCE}},
        "changed_at": NOW.isoformat(),
    }
    told_rules = LocalRules.from_json(HAISHU, envelope["payload"]["rules"])
    assert told_rules.written_reply().period == "7至15个工作日"

    monday = shanghai(2026, 11, 2)
    start_clock("clk-hs", "written_reply", at=monday, jurisdiction=HAISHU, case_id="c-hs", working_days=12)
    with pytest.raises(ValidationFailed) as city:  # the city's 5–10: 12 days need a reason there
        start_clock("clk-nb", "written_reply", at=monday, case_id="c-nb", working_days=12)
    assert "5至10个工作日（第二十条）" in city.value.fields["period_length"][0]
    with deadlines.db.transaction() as session:
        haishu = session.get(ClockRecord, "clk-hs")
        assert (haishu.period_length, str(haishu.due_date)) == (12, "2026-11-18")
        assert SOURCE in haishu.events[0]["detail"]["local_rule"]
        assert session.get(ClockRecord, "clk-nb") is None


def test_withdrawing_the_range_tells_intake_the_measures_apply_again_第三十九条(deadlines, sent):
    _set(deadlines, ReplyRange(min_working_days=7, max_working_days=15, source=SOURCE))
    with deadlines.unit_of_work() as uow:
        with pytest.raises(ValidationFailed) as no_source:
            local_rules.withdraw(uow, HAISHU, "reply_range", " ", actor=ADMIN, now=NOW)
        assert "source" in no_source.value.fields
        assert local_rules.withdraw(uow, HAISHU, "reply_range", "海编委〔2026〕9号", actor=ADMIN, now=NOW)
        uow.commit()
    last = [env for _q, env in sent.sent if env["type"] == LOCAL_RULES_CHANGED][-1]
    assert last["payload"]["rules"] == {}
    with deadlines.db.transaction() as session:
        history = local_rules.overview(session, HAISHU)["history"]
    with deadlines.db.transaction() as session:
        audited = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(a.action, a.actor_name) for a in audited] == [
            ("local_rule.set", "梁宇"),
            ("local_rule.withdraw", "梁宇"),
        ]
        assert audited[0].summary == (
            f"海曙区将书面征求意见答复期限由办法规定改为7至15个工作日；依据：{SOURCE}"
        )
    assert [(h["old"], h["new"]) for h in history] == [
        ("7至15个工作日", "办法规定"),
        ("办法规定", "7至15个工作日"),
    ]


def test_a_county_period_is_told_to_intake_with_its_other_local_rules_第二十二条_第三十九条(deadlines, sent):
    period = LocalPeriod("coordination_opinion", 20, "海编委〔2026〕3号第二十二条")
    with deadlines.unit_of_work() as uow:
        local_periods.set_period(uow, HAISHU, period, actor=ADMIN, now=NOW)
        uow.commit()
    [envelope] = [env for _q, env in sent.sent if env["type"] == LOCAL_RULES_CHANGED]
    told = LocalRules.from_json(HAISHU, envelope["payload"]["rules"])
    assert envelope["payload"]["rules"] == {
        "periods": {"coordination_opinion": {"length": 20, "source": "海编委〔2026〕3号第二十二条"}}
    }
    assert (told.coordination_opinion().length, told.extension_working_days) == (20, 30)
    with deadlines.unit_of_work() as uow:
        local_periods.withdraw_period(
            uow, HAISHU, "coordination_opinion", "海编委〔2026〕9号", actor=ADMIN, now=NOW
        )
        uow.commit()
    assert [env for _q, env in sent.sent if env["type"] == LOCAL_RULES_CHANGED][-1]["payload"]["rules"] == {}
