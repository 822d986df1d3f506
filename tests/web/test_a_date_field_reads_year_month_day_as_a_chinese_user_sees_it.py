"""A date field reads year first, as a Chinese user's browser draws it — 年/月/日 while empty, 2026/12/04
once filled — not the American mm/dd/yyyy: the journeys' chromium runs in zh-CN (its interface language,
with Debian's zh-CN resources) and every page in the locale zh-CN and Asia/Shanghai's time, so the journeys
and their screenshots show what people in Ningbo see — at a phone's 390 px and the PC client's 1280 px."""

from __future__ import annotations

import pytest
from web_support import require_chinese_resources

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_audit_trails_date_filter_reads_year_month_day(suite_of, person, viewport) -> None:  # type: ignore[no-untyped-def]
    require_chinese_resources()
    suite = suite_of("intake")
    admin = person(viewport)
    admin.login(suite.address, "赵磊")
    page = admin.page
    page.goto(suite.address + "/admin/audit/intake")
    assert page.evaluate("[navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone]") == [
        "zh-CN",
        "Asia/Shanghai",
    ]
    assert admin.date_field_text("#f-from") == "年/月/日"
    admin.check("audit-date-filter-empty")

    page.get_by_label("起始日期").fill("2026-12-04")
    assert admin.date_field_text("#f-from") == "2026/12/04"
    admin.check("audit-date-filter-filled")
