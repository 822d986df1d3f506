"""How the pages write dates, times, numbers and article references (pure: no Flask).

- dates: ``2026年12月9日（星期三）``; instants in Beijing time: ``2026年12月9日（星期三）14:30``;
- article numbers in one style, Chinese numerals: ``第二十条``, ``第二十二条第二款``;
  :func:`chinese_articles` rewrites ``第20条`` and ``第22条第2款`` in a text to that style.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.localtime import zone

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_DIGITS = "零一二三四五六七八九"


def _as_date(value: date | datetime | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(zone()).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def chinese_date(value: date | datetime | str | None, *, weekday: bool = True) -> str:
    """``2026年12月9日（星期三）``; an instant counts in Beijing time; nothing for nothing."""
    day = _as_date(value)
    if day is None:
        return ""
    text = f"{day.year}年{day.month}月{day.day}日"
    return f"{text}（{WEEKDAYS[day.weekday()]}）" if weekday else text


def chinese_datetime(value: datetime | str | None) -> str:
    """An instant as a person in Ningbo reads it: ``2026年12月9日（星期三）14:30``."""
    if value is None or value == "":
        return ""
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    local = instant.astimezone(zone())
    return f"{chinese_date(local)}{local:%H:%M}"


def chinese_number(n: int) -> str:
    """1–999 in Chinese numerals as article numbers are written: 十, 十七, 二十, 一百零五."""
    if n <= 0 or n >= 1000:
        return str(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    parts = []
    if hundreds:
        parts.append(_DIGITS[hundreds] + "百")
        if tens == 0 and ones:
            parts.append("零")
    if tens:
        parts.append(("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十")
    if ones:
        parts.append(_DIGITS[ones])
    return "".join(parts)


def article(number: int, clause: int | None = None, item: int | None = None) -> str:
    """``article(22, 2)`` → ``第二十二条第二款``; ``item`` adds ``第（二）项``."""
    text = f"第{chinese_number(number)}条"
    if clause:
        text += f"第{chinese_number(clause)}款"
    if item:
        text += f"第（{chinese_number(item)}）项"
    return text


_ARABIC_ARTICLE = re.compile(r"第(\d{1,3})条(?:第(\d{1,2})款)?")


def chinese_articles(text: str | None) -> str:
    """Every ``第20条`` / ``第22条第2款`` in ``text`` written (``第二十条``, ``第二十二条第二款``)."""
    if not text:
        return ""
    return _ARABIC_ARTICLE.sub(
        lambda m: article(int(m.group(1)), int(m.group(2)) if m.group(2) else None), text
    )


def file_size(n_bytes: int) -> str:
    """A size limit or a file's size as people read it: ``20 MB``, ``350 KB``."""
    if n_bytes >= 1024 * 1024:
        value = n_bytes / (1024 * 1024)
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    if n_bytes >= 1024:
        return f"{n_bytes // 1024} KB"
    return f"{n_bytes} 字节"
