"""台账: a list exported to Excel as the office hands it to its leadership and to inspections — a title, the
filters written at the top, the export date, bold Chinese headers frozen above the rows, dates as dates.
Every page that offers a ``.xlsx`` beside a list builds it here (supervision's figures and cases, 待办,
我的办件), so they all look alike."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from flask import send_file
from flask.typing import ResponseReturnValue

from shared import localtime

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the first row of data: title, filters, export date and headers come before it
FIRST_ROW = 5


def sheet_header(sheet: Any, title: str, filters: Sequence[str], headers: Sequence[str]) -> None:
    """The four rows above a ledger's data: title, 筛选条件, 导出时间, the column headers."""
    from openpyxl.styles import Font

    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["筛选条件：" + ("；".join(filters) if filters else "无")])
    sheet.append(["导出时间：" + localtime.today().isoformat()])
    sheet.append(list(headers))
    for cell in sheet[FIRST_ROW - 1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{FIRST_ROW}"


def dated(sheet: Any) -> None:
    """Every date below the headers shown as a date (yyyy-mm-dd), sortable and filterable in Excel."""
    for row in sheet.iter_rows(min_row=FIRST_ROW):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"


def workbook_response(book: Any, name: str) -> ResponseReturnValue:
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=name)


def ledger(
    sheet_title: str,
    title: str,
    filters: Sequence[str],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> ResponseReturnValue:
    """A one-sheet ledger as a download named after its title and the export date."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet_header(sheet, title, filters, headers)
    for row in rows:
        sheet.append(list(row))
    dated(sheet)
    return workbook_response(book, f"{title}-{localtime.today().isoformat()}.xlsx")
