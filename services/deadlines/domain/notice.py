"""Reading a year's holidays from what the office has in hand: the State Council's notice, or holiday-cn.

Two forms, both turned into a :class:`~services.deadlines.domain.calendar.YearData` (validated afterwards
by :func:`~services.deadlines.domain.calendar.validate_year`):

- **the notice's own wording**, pasted from 国务院办公厅关于YYYY年部分节假日安排的通知::

      二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
      三、清明节：4月4日（周五）至6日（周日）放假，共3天。

  each numbered item names the holiday, its days off (a range ``…至…放假`` or one day ``…放假1天``) and the
  adjusted working days (``…上班``); a date without a year is in the notice's year. Lines of the form
  ``2027-02-07 春节 上班`` / ``2027-02-10 春节 放假`` are read too.
- **the holiday-cn JSON** of that year: ``{"year", "papers": [notice URLs], "days": [{"name", "date",
  "isOffDay"}]}`` — ``isOffDay`` true is a day off, false an adjusted working day.

Pure: no framework, no I/O. Anything it cannot read is a :class:`NoticeUnreadable` naming the line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.deadlines.domain.calendar import YearData
from shared.errors import ValidationFailed

_ITEM = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*(?P<name>[^：:]+)[：:](?P<body>.+)$")
# 2025年1月28日（农历除夕、周二） / 2月4日 / 6日 — the parenthesis (weekday, lunar date) is skipped
_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:（[^）]*）|\([^)]*\))?")
_ISO_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s+(\S+)\s+(放假|休息|上班|补班)\s*$")


class NoticeUnreadable(ValidationFailed):
    """Raised when pasted or uploaded holiday data cannot be read; names the field and the line."""


@dataclass
class _Days:
    holidays: dict[date, str]
    workdays: dict[date, str]


def parse_holiday_cn(raw: str | bytes | dict[str, Any], *, field: str = "data") -> YearData:
    """A year from holiday-cn's JSON (``source``: the first notice URL it cites)."""
    try:
        body = raw if isinstance(raw, dict) else json.loads(raw)
        year = int(body["year"])
        days = body["days"]
        holidays: dict[date, str] = {}
        workdays: dict[date, str] = {}
        for item in days:
            day = date.fromisoformat(str(item["date"]))
            (holidays if item["isOffDay"] else workdays)[day] = str(item.get("name") or "")
    except (ValueError, KeyError, TypeError) as exc:
        message = (
            '不是 holiday-cn 的格式：须为 {"year": 年份, "papers": [...], '
            '"days": [{"name", "date", "isOffDay"}]}'
        )
        raise NoticeUnreadable.for_field(field, message, code="calendar_data_unreadable") from exc
    papers = [str(p) for p in body.get("papers") or [] if p]
    source = f"holiday-cn（{papers[0]}）" if papers else "holiday-cn"
    return YearData(year, holidays, workdays, source)


def _dates(year: int, sentence: str) -> list[tuple[date, int]]:
    """Every date of a sentence with its position; a missing year or month is the one before it."""
    found: list[tuple[date, int]] = []
    current_year, month = year, None
    for match in _DATE.finditer(sentence):
        y, m, d = match.groups()
        if y:
            current_year = int(y)
        if m:
            new_month = int(m)
            if not y and month is not None and new_month < month:
                current_year += 1  # 12月31日至1月2日: into the next year
            month = new_month
        if month is None:
            raise ValueError("a date without its month")
        found.append((date(current_year, month, int(d)), match.start()))
    return found


def _read_item(year: int, name: str, body: str, days: _Days) -> bool:
    """One numbered item of the notice; False when it names no day at all."""
    found = False
    for sentence in re.split(r"[。；;]", body):
        dates = _dates(year, sentence)
        if not dates:
            continue
        if "放假" in sentence or "休息" in sentence:
            first = dates[0][0]
            ranged = len(dates) > 1 and "至" in sentence[dates[0][1] : dates[1][1]]
            last = dates[1][0] if ranged else first
            if last < first:
                raise ValueError("a range that ends before it starts")
            day = first
            while day <= last:
                days.holidays[day] = name
                day += timedelta(days=1)
            found = True
        elif "上班" in sentence or "补班" in sentence:
            for day, _position in dates:
                days.workdays[day] = f"{name}调休上班"
            found = True
    return found


def parse_notice_text(text: str, year: int, *, source: str, field: str = "text") -> YearData:
    """A year from the notice's wording (or ``YYYY-MM-DD 名称 放假|上班`` lines); see the module docstring."""
    days = _Days({}, {})
    read_any = False
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            iso = _ISO_LINE.match(line)
            if iso:
                day = date.fromisoformat(iso.group(1))
                if iso.group(3) in ("放假", "休息"):
                    days.holidays[day] = iso.group(2)
                else:
                    days.workdays[day] = iso.group(2)
                read_any = True
                continue
            item = _ITEM.match(line)
            if item and _read_item(year, item["name"].strip(), item["body"], days):
                read_any = True
        except ValueError as exc:
            message = f"第 {number} 行的日期无法识别：{line[:60]}"
            raise NoticeUnreadable.for_field(field, message, code="calendar_data_unreadable") from exc
    if not read_any:
        message = (
            "没有识别出任何放假或上班日期：请粘贴通知中“一、元旦：……”这样的各项，"
            "或每行“YYYY-MM-DD 名称 放假/上班”"
        )
        raise NoticeUnreadable.for_field(field, message, code="calendar_data_unreadable")
    return YearData(year, days.holidays, days.workdays, source)
