"""第22条 as a district adopts it (第39条): a 海曙区 coordination clock extended after its office set a
15-working-day extension is moved by 15 working days from the old due date, the length kept on the clock's
event (a later change of the setting or a calendar recount does not move it); the city's moves by 30."""

from __future__ import annotations

from datetime import UTC, datetime

from deadlines_support import shanghai

from services.deadlines.adapters.calendar_store import calendars
from services.deadlines.mapping import to_domain
from services.deadlines.tables import ClockRecord
from services.deadlines.usecases import local_rules
from shared.contracts import CLOCK_EXTEND
from shared.identity import Principal
from shared.local_rules import ExtensionLength

HAISHU = "330203"
ADMIN = Principal("hs.bb.admin", "梁宇", HAISHU, "hs-bb", frozenset({"office_admin"}))
SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第二十二条"


def _set_extension(deadlines, days: int) -> None:  # type: ignore[no-untyped-def]
    with deadlines.unit_of_work() as uow:
        now = datetime(2026, 10, 1, tzinfo=UTC)
        setting = ExtensionLength(working_days=days, source=SOURCE)
        local_rules.set_setting(uow, HAISHU, setting, actor=ADMIN, now=now)
        uow.commit()


def test_a_district_extension_moves_the_due_date_by_its_own_length_第二十二条_第三十九条(
    deadlines, send, start_clock
):
    _set_extension(deadlines, 15)
    monday = shanghai(2026, 11, 2)
    start_clock("clk-hs", "coordination_opinion", at=monday, jurisdiction=HAISHU, case_id="c-hs")
    start_clock("clk-nb", "coordination_opinion", at=monday, case_id="c-nb")
    later = shanghai(2026, 11, 10)
    for clock_id in ("clk-hs", "clk-nb"):
        send(CLOCK_EXTEND, {"clock_id": clock_id, "reason": "涉及部门多"}, at=later)
    with deadlines.db.transaction() as session:
        haishu, city = session.get(ClockRecord, "clk-hs"), session.get(ClockRecord, "clk-nb")
        # 30 working days after 2 November 2026 end on 14 December; +15 → 4 January 2027, +30 → 25 January
        assert str(haishu.due_date) == "2027-01-04" and str(city.due_date) == "2027-01-25"
        assert haishu.events[-1]["detail"]["working_days"] == "15"

    _set_extension(deadlines, 20)  # a later change does not move a clock already extended
    with deadlines.unit_of_work() as uow:
        row = uow.session.get(ClockRecord, "clk-hs")
        clock = to_domain(row)
        clock.recompute(calendars(deadlines.db).get(uow.session, HAISHU), at=shanghai(2026, 11, 20))
        assert str(clock.due_date) == "2027-01-04"
