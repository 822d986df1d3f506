"""The office admin's calendar pages (工作日历), on the shared layout and login session.

- ``GET /admin/calendar`` — which years are loaded and from which notice, the missing-year warning, the
  local closures and extra working days of the admin's jurisdiction (with a form to add and to withdraw).
- ``GET /admin/calendar/load`` — load a year: paste the State Council notice's dates, or upload them (the
  notice's wording as text, or holiday-cn's JSON for that year).
- ``POST /admin/calendar/load`` — read and check the data, then show a preview: the days it makes holidays
  and working days, and every open clock whose due date would move, and to what. Nothing is stored yet.
- ``POST /admin/calendar/confirm`` — load it (the same use case as ``PUT /api/v1/calendar/years/<year>``).
- ``POST /admin/calendar/overrides`` and ``…/overrides/<date>/withdraw`` — local closures and extra
  working days, each with its reason.
- ``GET /admin/periods`` — the periods a district or county adopts (第三十九条): each working-day limit of the
  measures with the city's length and the jurisdiction's own (with its local document), a form to set one,
  a button to go back to the measures', and who changed what when. Every clock of the jurisdiction started
  afterwards counts by them. Below, the other local rules (第三十九条): the usual range of a written
  solicitation's reply period (第二十条), the length of the coordination period's extension (第二十二条)
  and the reminder plan, each with its form, its local document and a button back to the city's
  (``POST /admin/periods/settings/<setting>`` and ``…/withdraw``); intake is told of every change.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from services.deadlines.adapters.calendar_store import SEEDED_BY, calendars
from services.deadlines.domain.calendar import LocalOverride, OverrideKind, YearData
from services.deadlines.domain.local_periods import CITY, LocalPeriod
from services.deadlines.domain.notice import parse_holiday_cn, parse_notice_text
from services.deadlines.domain.rules import RULES
from services.deadlines.usecases import calendar_admin, local_periods, local_rules
from services.deadlines.usecases.calendar_watch import missing_year
from shared.auth import current_principal
from shared.db import utcnow
from shared.errors import AppError, ValidationFailed
from shared.identity import Role
from shared.jurisdictions import jurisdiction_name
from shared.local_rules import LABELS, NAMES
from shared.localtime import local_date
from shared.service import current_runtime
from shared.web import pages
from shared.web.formatting import chinese_date
from shared.web.forms import Form

calendar_pages = Blueprint(
    "deadlines_pages", __name__, url_prefix="/admin/calendar", template_folder="templates"
)
admin_only = pages.login_required(Role.OFFICE_ADMIN)

LOAD_LABELS = {
    "year": "年份",
    "source": "通知名称及文号",
    "text": "通知中的放假和调休安排",
    "file": "或上传文件",
    "holidays": "放假日",
    "adjusted_workdays": "调休上班日",
}
OVERRIDE_LABELS = {"date": "日期", "kind": "调整类型", "reason": "原因"}
KIND_NAMES = {
    OverrideKind.CLOSURE.value: "停止办公（不计工作日）",
    OverrideKind.EXTRA_WORKDAY.value: "增加工作日",
}


def _loaded_by(value: str) -> str:
    """Who loaded a year, as a person reads it: the name, never an account id."""
    if value == SEEDED_BY:
        return "系统自带数据"
    return value.split("（", 1)[0] or "编办系统管理员"


@calendar_pages.get("")
@calendar_pages.get("/")
@admin_only
def overview() -> ResponseReturnValue:
    return _overview()


def _overview(
    *, status: int = 200, override_form: Form | None = None, notice: str | None = None
) -> ResponseReturnValue:
    runtime, me = current_runtime(), current_principal()
    with runtime.unit_of_work() as uow:
        years = calendar_admin.list_years(uow)
        overrides = calendar_admin.list_overrides(uow, me.jurisdiction)
        uow.commit()  # the first use of an empty database seeds the years chinesecalendar knows
    for year in years:
        year["loaded_by_name"] = _loaded_by(year["loaded_by"])
    today = local_date(utcnow())
    return pages.render_page(
        "deadlines/calendar.html",
        status=status,
        years=years,
        missing=missing_year(today, tuple(y["year"] for y in years)),
        today=today,
        overrides=overrides,
        kind_names=KIND_NAMES,
        jurisdiction=jurisdiction_name(me.jurisdiction),
        override_form=override_form or Form(labels=OVERRIDE_LABELS),
        notice=notice or request.args.get("done"),
    )


@calendar_pages.get("/load")
@admin_only
def load_form() -> ResponseReturnValue:
    today = local_date(utcnow())
    year = str(request.args.get("year") or today.year + 1)
    return _load_form(
        Form.of({"year": year, "source": f"国务院办公厅关于{year}年部分节假日安排的通知"}, LOAD_LABELS)
    )


def _load_form(form: Form, status: int = 200) -> ResponseReturnValue:
    return pages.render_page("deadlines/load.html", status=status, form=form)


def _year_from_form(form: Form) -> YearData:
    """What the admin pasted or uploaded, read as the notice's wording or as holiday-cn's JSON."""
    upload = request.files.get("file")
    raw = upload.read().decode("utf-8-sig", errors="replace") if upload and upload.filename else ""
    text = raw or form.value("text")
    field = "file" if raw else "text"
    if not text.strip():
        raise ValidationFailed.for_field(
            "text", "请粘贴通知中的放假和调休安排，或上传文件", code="calendar_data_missing"
        )
    if text.lstrip().startswith("{"):
        data = parse_holiday_cn(text, field=field)
        year = _year(form.value("year") or str(data.year))
        if data.year != year:
            raise ValidationFailed.for_field(field, f"文件是{data.year}年的数据，与所填年份（{year}）不一致")
        source = form.value("source").strip() or data.source
        return YearData(data.year, data.holidays, data.adjusted_workdays, source)
    return parse_notice_text(
        text, _year(form.value("year")), source=form.value("source").strip(), field=field
    )


def _year(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed.for_field("year", "请填写四位数的年份，如 2027", code="invalid_year") from None


def _as_json(data: YearData) -> str:
    return json.dumps(
        {
            "year": data.year,
            "source": data.source,
            "holidays": [{"date": d.isoformat(), "name": n} for d, n in sorted(data.holidays.items())],
            "adjusted_workdays": [
                {"date": d.isoformat(), "name": n} for d, n in sorted(data.adjusted_workdays.items())
            ],
        },
        ensure_ascii=False,
    )


@calendar_pages.post("/load")
@admin_only
def preview() -> ResponseReturnValue:
    form = Form.posted(LOAD_LABELS)
    try:
        data = _year_from_form(form)
        calendar_admin.validate_notice(data)
        runtime = current_runtime()
        with runtime.unit_of_work() as uow:
            result = calendar_admin.preview_year(uow, data, actor=current_principal(), now=utcnow())
            uow.rollback()  # a preview: nothing is stored, nothing is sent
    except AppError as refused:
        return _load_form(form.with_error(refused), status=refused.status)
    return pages.render_page(
        "deadlines/preview.html",
        data=data,
        payload=_as_json(data),
        changes=[_change_view(c) for c in result.changes],
        recomputed=result.recomputed,
    )


def _change_view(change: calendar_admin.DueDateChange) -> dict[str, Any]:
    rule = RULES.get(change.rule)
    return {
        "title": change.case.get("title") or "（未命名事项）",
        "rule": f"{rule.name}（{rule.article_label}）" if rule else change.rule,
        "before": change.before,
        "after": change.after,
        "provisional_before": change.provisional_before,
        "provisional_after": change.provisional_after,
        "moved": change.before != change.after,
    }


@calendar_pages.post("/confirm")
@admin_only
def confirm() -> ResponseReturnValue:
    runtime = current_runtime()
    try:
        body = json.loads(request.form.get("payload", ""))
        data = calendar_admin.year_from_json(_year(str(body.get("year"))), body)
        with runtime.unit_of_work() as uow:
            result = calendar_admin.load_year(
                uow, calendars(runtime.db), data, actor=current_principal(), now=utcnow()
            )
            uow.commit()
    except (ValueError, AttributeError):
        return pages.error_page(
            400, "无法载入", "提交的数据不完整，请重新粘贴或上传后预览。", back="/admin/calendar/load"
        )
    except AppError as refused:
        return pages.error_page(refused.status, "无法载入", refused.detail, back="/admin/calendar/load")
    return _done(f"已载入{data.year}年节假日安排", result)


def _done(what: str, result: calendar_admin.Recomputed) -> ResponseReturnValue:
    """Back to the overview, saying what was done and what it did to the open clocks."""
    told = "，已通知相关人员" if result.moved else ""
    done = f"{what}；重新计算 {result.recomputed} 项计时，其中 {result.moved} 项到期日有变化{told}。"
    return pages.redirect_to("/admin/calendar?" + urlencode({"done": done}))


@calendar_pages.post("/overrides")
@admin_only
def add_override() -> ResponseReturnValue:
    form = Form.posted(OVERRIDE_LABELS)
    runtime, me = current_runtime(), current_principal()
    try:
        try:
            day = date.fromisoformat(form.value("date"))
        except ValueError:
            raise ValidationFailed.for_field("date", "请选择日期", code="invalid_date") from None
        try:
            kind = OverrideKind(form.value("kind"))
        except ValueError:
            raise ValidationFailed.for_field(
                "kind", "请选择停止办公或增加工作日", code="invalid_kind"
            ) from None
        override = LocalOverride(day, kind, form.value("reason").strip())
        with runtime.unit_of_work() as uow:
            result = calendar_admin.set_override(
                uow, calendars(runtime.db), me.jurisdiction, override, actor=me, now=utcnow()
            )
            uow.commit()
    except AppError as refused:
        return _overview(status=refused.status, override_form=form.with_error(refused))
    return _done(f"已保存{jurisdiction_name(me.jurisdiction)}的本地调整", result)


@calendar_pages.post("/overrides/<string:day>/withdraw")
@admin_only
def withdraw_override(day: str) -> ResponseReturnValue:
    runtime, me = current_runtime(), current_principal()
    try:
        with runtime.unit_of_work() as uow:
            result = calendar_admin.remove_override(
                uow, calendars(runtime.db), me.jurisdiction, date.fromisoformat(day), actor=me, now=utcnow()
            )
            uow.commit()
    except ValueError:
        return pages.error_page(404, "未找到", "没有这一天的本地调整。", back="/admin/calendar")
    except AppError as refused:
        return pages.error_page(refused.status, "无法撤销", refused.detail, back="/admin/calendar")
    return _done(f"已撤销{chinese_date(day)}的本地调整", result)


# --- 第39条: the periods a district or county adopts -------------------------------------------------------

period_pages = Blueprint(
    "deadlines_period_pages", __name__, url_prefix="/admin/periods", template_folder="templates"
)
PERIOD_LABELS = {
    "rule": "期限",
    "length": "本地期限（工作日）",
    "source": "本地文件名称及文号",
    "jurisdiction": "辖区",
}


@period_pages.get("")
@period_pages.get("/")
@admin_only
def periods() -> ResponseReturnValue:
    return _periods()


def _periods(
    *,
    status: int = 200,
    form: Form | None = None,
    setting_form: tuple[str, Form] | None = None,
    notice: str | None = None,
) -> ResponseReturnValue:
    runtime, me = current_runtime(), current_principal()
    with runtime.db.transaction() as session:
        shown = local_periods.overview(session, me.jurisdiction)
        settings = local_rules.overview(session, me.jurisdiction)
    history = sorted(
        [*shown["history"], *settings["history"]], key=lambda c: c["changed_at"], reverse=True
    )  # one record of every local change, newest first
    for change in history:
        change["changed_by_name"] = _loaded_by(change["changed_by"])
    forms = {s["setting"]: _setting_form(s) for s in settings["settings"]}
    if setting_form is not None:
        forms[setting_form[0]] = setting_form[1]
    return pages.render_page(
        "deadlines/periods.html",
        status=status,
        periods=shown["periods"],
        settings=settings["settings"],
        setting_forms=forms,
        setting_fields={code: list(figures) for code, figures in local_rules.CITY_FIGURES.items()},
        labels=LABELS,
        history=history,
        city=me.jurisdiction == CITY,
        jurisdiction=jurisdiction_name(me.jurisdiction),
        form=form or Form(labels=PERIOD_LABELS),
        rule_options=[
            (p["rule"], f"{p['name']}（{p['article']}，办法规定{p['city_length']}个工作日）")
            for p in shown["periods"]
        ],
        notice=notice or request.args.get("done"),
    )


@period_pages.post("")
@period_pages.post("/")
@admin_only
def set_period() -> ResponseReturnValue:
    form = Form.posted(PERIOD_LABELS)
    runtime, me = current_runtime(), current_principal()
    rule = RULES.get(form.value("rule"))
    try:
        if rule is None:
            raise ValidationFailed.for_field("rule", "请选择期限", code="rule_unknown")
        text = form.value("length").strip()
        if not text.isdigit():
            raise ValidationFailed.for_field("length", "请填写工作日数（整数）", code="invalid_length")
        period = LocalPeriod(rule.code, int(text), form.value("source"))
        with runtime.unit_of_work() as uow:
            changed = local_periods.set_period(uow, me.jurisdiction, period, actor=me, now=utcnow())
            uow.commit()
    except AppError as refused:
        return _periods(status=refused.status, form=form.with_error(refused))
    done = f"已将{rule.name}期限设为{period.length}个工作日" if changed else "期限未变化"
    return pages.redirect_to("/admin/periods?" + urlencode({"done": done}))


@period_pages.post("/<string:rule_code>/withdraw")
@admin_only
def withdraw_period(rule_code: str) -> ResponseReturnValue:
    form = Form.posted({"source": "本地文件名称及文号"})
    runtime, me = current_runtime(), current_principal()
    rule = RULES.get(rule_code)
    if rule is None:
        return pages.error_page(404, "未找到", "没有这一期限。", back="/admin/periods")
    try:
        with runtime.unit_of_work() as uow:
            changed = local_periods.withdraw_period(
                uow, me.jurisdiction, rule_code, form.value("source"), actor=me, now=utcnow()
            )
            uow.commit()
    except AppError as refused:
        return pages.error_page(refused.status, "无法恢复", refused.detail, back="/admin/periods")
    done = f"{rule.name}已恢复执行本办法规定的期限" if changed else "该期限本来就执行本办法的规定"
    return pages.redirect_to("/admin/periods?" + urlencode({"done": done}))


# --- 第39条: the other local rules (第二十条 range, 第二十二条 extension, reminder plan) ----------------


def _setting_labels(code: str) -> dict[str, str]:
    names = [*local_rules.CITY_FIGURES.get(code, {}), "source"]
    return {"jurisdiction": "辖区", **{f"{code}.{name}": LABELS[name] for name in names}}


def _setting_form(shown: dict[str, Any]) -> Form:
    """A setting's form, filled with the jurisdiction's own figures or the city's."""
    code = shown["setting"]
    figures = shown["figures"] or shown["city_figures"]
    values = {f"{code}.{name}": value for name, value in figures.items()}
    return Form.of({**values, f"{code}.source": shown["source"] or ""}, _setting_labels(code))


def _on_form(code: str, refused: AppError) -> AppError:
    """The use case names ``min_working_days``; the page's field is ``reply_range.min_working_days``."""
    if not isinstance(refused, ValidationFailed):
        return refused
    fields = {f"{code}.{name}" if name != "jurisdiction" else name: m for name, m in refused.fields.items()}
    return ValidationFailed(refused.detail, code=refused.code, fields=fields)


@period_pages.post("/settings/<string:code>")
@admin_only
def set_setting(code: str) -> ResponseReturnValue:
    if code not in NAMES:
        return pages.error_page(404, "未找到", "没有这项本地规定。", back="/admin/periods")
    form = Form.posted(_setting_labels(code))
    runtime, me = current_runtime(), current_principal()
    figures = {name: form.value(f"{code}.{name}") for name in local_rules.CITY_FIGURES[code]}
    try:
        setting = local_rules.setting_from_form(code, figures, form.value(f"{code}.source"))
        with runtime.unit_of_work() as uow:
            changed = local_rules.set_setting(uow, me.jurisdiction, setting, actor=me, now=utcnow())
            uow.commit()
    except AppError as refused:
        shown = form.with_error(_on_form(code, refused))
        return _periods(status=refused.status, setting_form=(code, shown))
    done = f"已将{setting.name}设为{setting.describe()}" if changed else f"{NAMES[code]}未变化"
    return pages.redirect_to("/admin/periods?" + urlencode({"done": done}) + "#settings")


@period_pages.post("/settings/<string:code>/withdraw")
@admin_only
def withdraw_setting(code: str) -> ResponseReturnValue:
    if code not in NAMES:
        return pages.error_page(404, "未找到", "没有这项本地规定。", back="/admin/periods")
    form = Form.posted({"source": LABELS["source"]})
    runtime, me = current_runtime(), current_principal()
    try:
        with runtime.unit_of_work() as uow:
            changed = local_rules.withdraw(
                uow, me.jurisdiction, code, form.value("source"), actor=me, now=utcnow()
            )
            uow.commit()
    except AppError as refused:
        return pages.error_page(refused.status, "无法恢复", refused.detail, back="/admin/periods")
    done = f"{NAMES[code]}已恢复执行办法的规定" if changed else f"{NAMES[code]}本来就执行办法的规定"
    return pages.redirect_to("/admin/periods?" + urlencode({"done": done}))
