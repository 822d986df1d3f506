"""The office loads a newly published year and a local closure from the command line, without a release;
the clocks they touch are recomputed and the messages wait in the outbox for the workers (第二十二条)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from deadlines_support import shanghai

from services.deadlines import cli
from services.deadlines.tables import ClockRecord, Outbox
from shared.contracts import NOTIFY_SEND


@pytest.fixture
def deadlines_env(deadlines, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DEADLINES_DATABASE_URL", deadlines.settings.database_url)
    monkeypatch.setenv("DM_VAR_DIR", str(deadlines.settings.var_dir))
    return deadlines


def test_load_year_from_a_notice_file_recomputes_provisional_clocks(
    deadlines_env, start_clock, tmp_path, capsys
) -> None:
    start_clock(rule="coordination_opinion", at=shanghai(2026, 12, 10))
    notice = tmp_path / "notice.json"
    notice.write_text(
        json.dumps(
            {
                "source": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
                "holidays": [{"date": "2027-01-01", "name": "元旦"}],
                "adjusted_workdays": [],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert cli.main(["load-year", "2027", "--file", str(notice), "--by", "张三"]) == 0
    assert "重新计算 1 项计时，其中 1 项到期日变化" in capsys.readouterr().out
    with deadlines_env.db.transaction() as session:
        row = session.get(ClockRecord, "clk-1")
        assert (row.due_date, row.provisional) == (date(2027, 1, 22), False)
        pending = [o.message_type for o in session.query(Outbox).filter(Outbox.published_at.is_(None))]
    assert NOTIFY_SEND in pending
    assert cli.main(["years"]) == 0
    assert (
        "2027  国务院办公厅关于2027年部分节假日安排的通知（测试数据）  (张三（cli）)"
        in capsys.readouterr().out
    )


def test_add_override_and_a_bad_file_is_refused_naming_the_field(deadlines_env, tmp_path, capsys) -> None:
    args = ["add-override", "--jurisdiction", "330200", "--date", "2025-09-10", "--kind", "closure"]
    assert cli.main([*args, "--reason", "台风停止办公"]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"source": "x", "holidays": [{"date": "2026-06-01", "name": "元旦"}]}))
    assert cli.main(["load-year", "2027", "--file", str(bad)]) == 2
    assert "holidays" in capsys.readouterr().err
