"""第39条: a district or county adopts the measures with its own local rules. Its office admin sets the
periods its local document sets (each with that document), every clock of that jurisdiction started
afterwards counts by them, the city's are the measures' own; who changed what, when and on which document
is kept; each office sees and sets only its own jurisdiction's."""

from __future__ import annotations

import re

import pytest
from deadlines_support import NINGBO, page_client, shanghai

from services.deadlines.domain.local_periods import ADOPTABLE, LocalPeriod, check_local_period
from services.deadlines.tables import ClockRecord
from shared.errors import ValidationFailed

HAISHU = "330203"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" （", "（").replace(" ：", "：")


SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第十七条"


def test_only_fixed_working_day_periods_of_a_district_or_county_with_their_document_are_adopted_第三十九条():
    assert {r.code for r in ADOPTABLE} == {
        "filing_opinion",
        "acceptance_decision",
        "coordination_opinion",
        "devolution_review",
    }
    with pytest.raises(ValidationFailed) as city:
        check_local_period(NINGBO, LocalPeriod("acceptance_decision", 3, SOURCE))
    assert "第三十九条" in city.value.fields["jurisdiction"][0]
    with pytest.raises(ValidationFailed) as refused:
        check_local_period(HAISHU, LocalPeriod("written_reply", 0, " "))
    assert set(refused.value.fields) == {"rule", "length", "source"}


def test_a_county_admin_sets_a_period_and_its_clocks_count_by_it_while_the_citys_do_not_第三十九条(
    deadlines, start_clock
):
    admin = page_client(deadlines, "hs.bb.admin", "梁宇", HAISHU)
    page = admin.get("/admin/periods")
    assert page.status_code == 200
    html = _text(page.get_data(as_text=True))
    assert "海曙区执行的办理期限" in html and "受理决定（第十七条）" in html and "执行办法规定" in html

    missing = admin.post(
        "/admin/periods", data={"csrf_token": admin.csrf, "rule": "acceptance_decision", "length": "3"}
    )
    assert missing.status_code == 422
    assert "应写明规定该期限的本地文件名称及文号（第三十九条）" in missing.get_data(as_text=True)
    assert 'value="3"' in missing.get_data(as_text=True)  # what was typed stays

    saved = admin.post(
        "/admin/periods",
        data={"csrf_token": admin.csrf, "rule": "acceptance_decision", "length": "3", "source": SOURCE},
    )
    assert saved.status_code in (302, 303)
    html = _text(admin.get(saved.headers["Location"]).get_data(as_text=True))
    assert "已将受理决定期限设为3个工作日" in html and "3个工作日" in html and SOURCE in html
    assert "梁宇" in html and "hs.bb.admin" not in html

    monday = shanghai(2026, 11, 2)
    start_clock("clk-hs", at=monday, jurisdiction=HAISHU, case_id="c-hs")
    start_clock("clk-nb", at=monday, case_id="c-nb")
    with deadlines.db.transaction() as session:
        haishu, city = session.get(ClockRecord, "clk-hs"), session.get(ClockRecord, "clk-nb")
        assert (haishu.period_length, str(haishu.due_date)) == (3, "2026-11-05")
        assert (city.period_length, str(city.due_date)) == (5, "2026-11-09")

    # the city's office sees the city's periods only, and cannot change them here
    city_admin = page_client(deadlines, "bb.admin", "赵磊", NINGBO)
    city_page = _text(city_admin.get("/admin/periods").get_data(as_text=True))
    assert (
        "宁波市执行的办理期限" in city_page
        and SOURCE not in city_page
        and "市级期限即办法的规定" in city_page
    )
    refused = city_admin.post(
        "/admin/periods",
        data={"csrf_token": city_admin.csrf, "rule": "acceptance_decision", "length": "3", "source": "x"},
    )
    assert refused.status_code == 422


def test_going_back_to_the_measures_period_is_recorded_with_who_and_which_document_第三十九条(deadlines):
    admin = page_client(deadlines, "hs.bb.admin", "梁宇", HAISHU)
    form = {"csrf_token": admin.csrf, "rule": "coordination_opinion", "length": "20", "source": SOURCE}
    admin.post("/admin/periods", data=form)
    admin.post("/admin/periods", data={**form, "length": "25"})
    back = admin.post(
        "/admin/periods/coordination_opinion/withdraw",
        data={"csrf_token": admin.csrf, "source": "海编委〔2026〕9号"},
    )
    assert back.status_code in (302, 303)
    html = _text(admin.get(back.headers["Location"]).get_data(as_text=True))
    assert "协调意见已恢复执行本办法规定的期限" in html
    assert "协调意见：25个工作日 → 办法规定" in html
    assert "协调意见：20个工作日 → 25个工作日" in html
    assert "协调意见：办法规定 → 20个工作日" in html
    assert html.count("梁宇") >= 3 and "海编委〔2026〕9号" in html


def test_the_page_is_the_office_admins_only_第三十九条(deadlines):
    client = page_client(deadlines, "hs.bb.clerk", "林晓", HAISHU, "office_clerk")
    assert client.get("/admin/periods").status_code == 403
