"""Deadlines' HTTP entrypoint: the public calendar, its administration, and the clock view.

Translates HTTP to use cases and nothing more: marshmallow turns query strings and bodies into values (a
bad one is a 422 problem+json naming the field), the use cases live in :mod:`calendar_admin` and
:mod:`clocks`, counting in the domain.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.deadlines.adapters.calendar_store import calendars
from services.deadlines.domain.calendar import MAX_MONTHS, MAX_WORKING_DAYS, LocalOverride, OverrideKind
from services.deadlines.domain.clock import ClockPhase
from services.deadlines.usecases import calendar_admin, clocks, local_rules
from shared.auth import Principal, Role, current_principal, require_roles
from shared.db import utcnow
from shared.errors import ValidationFailed
from shared.http import BEARER
from shared.local_rules import LABELS, NAMES, from_values
from shared.service import current_runtime

calendar_blp = Blueprint(
    "calendar", __name__, url_prefix="/api/v1/calendar", description="工作日历（公开查询）"
)
clocks_blp = Blueprint("clocks", __name__, url_prefix="/api/v1/clocks", description="法定期限计时")
local_rules_blp = Blueprint(
    "local_rules",
    __name__,
    url_prefix="/api/v1/local-rules",
    description="本辖区的本地规定（第三十九条）：答复期限范围（第二十条）、延长期限（第二十二条）、提醒方案",
)
SECURED = {"security": BEARER}


class DueDateQuery(Schema):
    start = fields.Date(required=True, metadata={"description": "起算日（不计入），YYYY-MM-DD"})
    working_days = fields.Integer(
        validate=validate.Range(min=1, max=MAX_WORKING_DAYS), metadata={"description": "工作日数"}
    )
    months = fields.Integer(validate=validate.Range(min=1, max=MAX_MONTHS), metadata={"description": "月数"})
    jurisdiction = fields.String(
        metadata={"description": "行政区划代码：计入该地的本地调整（如台风停止办公）"}
    )

    @validates_schema
    def exactly_one_length(self, data: dict[str, Any], **_kwargs: Any) -> None:
        given = [name for name in ("working_days", "months") if name in data]
        if not given:
            raise ValidationError("须填写 working_days（工作日数）或 months（月数）之一", "working_days")
        if len(given) == 2:
            raise ValidationError("working_days 与 months 只能填写一个", "months")


class JurisdictionQuery(Schema):
    jurisdiction = fields.String(metadata={"description": "行政区划代码：计入该地的本地调整"})


class RequiredJurisdictionQuery(Schema):
    jurisdiction = fields.String(required=True, metadata={"description": "行政区划代码"})


class SkippedDaySchema(Schema):
    date = fields.String()
    reason = fields.String(metadata={"description": "周末、节假日名称或停止办公原因"})


class DueDateSchema(Schema):
    start = fields.String()
    working_days = fields.Integer()
    months = fields.Integer()
    due_date = fields.String()
    provisional = fields.Boolean(
        metadata={
            "description": "可能调整：期间涉及尚未载入节假日安排的年份（按周末暂计），或到期日在12月20日以后"
            "而下一年度的通知尚未载入（该通知可能调整岁末日期）"
        }
    )
    provisional_reason = fields.String(allow_none=True, metadata={"description": "为何可能调整"})
    skipped = fields.List(fields.Nested(SkippedDaySchema))


class DaySchema(Schema):
    date = fields.String()
    working_day = fields.Boolean()
    kind = fields.String(metadata={"description": "workday | weekend | holiday | adjusted_workday | unknown"})
    name = fields.String(allow_none=True)


class NamedDaySchema(Schema):
    date = fields.Date(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class YearBodySchema(Schema):
    year = fields.Integer(
        validate=validate.Range(min=1900, max=2200),
        metadata={"description": "可省略；填写时须与地址中的年份一致"},
    )
    source = fields.String(required=True, metadata={"description": "国务院办公厅通知名称及文号"})
    holidays = fields.List(fields.Nested(NamedDaySchema), load_default=list)
    adjusted_workdays = fields.List(fields.Nested(NamedDaySchema), load_default=list)


class YearSummarySchema(Schema):
    year = fields.Integer()
    source = fields.String()
    holidays = fields.Integer(metadata={"description": "放假日天数"})
    adjusted_workdays = fields.Integer(metadata={"description": "调休上班日天数"})
    loaded_at = fields.String()
    loaded_by = fields.String()


class YearsSchema(Schema):
    years = fields.List(fields.Nested(YearSummarySchema))


class RecomputedSchema(Schema):
    recomputed_clocks = fields.Integer()
    moved_due_dates = fields.Integer()


class OverrideBodySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in OverrideKind]))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class OverrideSchema(Schema):
    jurisdiction = fields.String()
    date = fields.String()
    kind = fields.String()
    reason = fields.String()


class OverridesSchema(Schema):
    overrides = fields.List(fields.Nested(OverrideSchema))


class ClockRuleSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "期限名称"})
    article = fields.String(required=True, metadata={"description": "所据条款，如 第二十二条"})
    basis = fields.String(required=True, metadata={"description": "条文原意"})


class ClockEventSchema(Schema):
    kind = fields.String(required=True)
    at = fields.String(required=True, metadata={"description": "ISO 8601 时间"})
    detail = fields.Dict(required=True)
    command_id = fields.String(allow_none=True)


class ClockSchema(Schema):
    id = fields.String(required=True)
    rule = fields.Nested(ClockRuleSchema, required=True)
    case = fields.Dict(required=True, metadata={"description": "所属事项"})
    jurisdiction = fields.String(required=True)
    responsible = fields.List(fields.Dict(), required=True, metadata={"description": "责任部门或人员"})
    state = fields.String(
        required=True,
        validate=validate.OneOf([p.value for p in ClockPhase]),
        metadata={"description": "计时状态：进行中、已逾期、已届满（沉默有法定含义）、已暂停、已停止"},
    )
    start_date = fields.String(required=True)
    due_date = fields.String(allow_none=True)
    due_at = fields.String(allow_none=True)
    remaining_working_days = fields.Integer(
        allow_none=True, metadata={"description": "今天之后剩余的工作日（到期日为 0，逾期为负；已停止为空）"}
    )
    provisional = fields.Boolean(
        required=True, metadata={"description": "到期日落在尚未公布安排的年份（暂定）"}
    )
    extended = fields.Boolean(required=True)
    calendar_version = fields.String(required=True, metadata={"description": "计算所依据的日历版本"})
    history = fields.List(fields.Nested(ClockEventSchema), required=True)


@calendar_blp.get("/due-date")
@calendar_blp.arguments(DueDateQuery, location="query")
@calendar_blp.response(200, DueDateSchema)
def due_date(query: dict[str, Any]) -> dict[str, Any]:
    """期限到期日：起算日不计入，按工作日（含调休）或自然月计算"""
    start: date = query["start"]
    calendar = _calendar(query.get("jurisdiction"))
    if "working_days" in query:
        result, length = calendar.add_working_days(start, query["working_days"]), "working_days"
    else:
        result, length = calendar.add_months(start, query["months"]), "months"
    return {
        "start": start.isoformat(),
        length: query[length],
        "due_date": result.due_date.isoformat(),
        "provisional": result.provisional,
        "provisional_reason": result.provisional_reason,
        "skipped": [{"date": day.date.isoformat(), "reason": day.reason} for day in result.skipped],
    }


@calendar_blp.get("/days/<string:day>")
@calendar_blp.arguments(JurisdictionQuery, location="query")
@calendar_blp.response(200, DaySchema)
def day_info(query: dict[str, Any], day: str) -> dict[str, Any]:
    """某一天是否为工作日"""
    info = _calendar(query.get("jurisdiction")).day(_path_date(day))
    return {
        "date": info.date.isoformat(),
        "working_day": info.working_day,
        "kind": info.kind.value,
        "name": info.name,
    }


@calendar_blp.get("/years")
@calendar_blp.response(200, YearsSchema)
def years() -> dict[str, Any]:
    """已载入的年份及其来源（国务院办公厅通知）"""
    with current_runtime().unit_of_work() as uow:
        listed = calendar_admin.list_years(uow)
        uow.commit()
    return {"years": listed}


@calendar_blp.put("/years/<int:year>")
@calendar_blp.arguments(YearBodySchema)
@calendar_blp.response(200, RecomputedSchema)
@calendar_blp.doc(**SECURED)
@require_roles(Role.OFFICE_ADMIN)
def load_year(body: dict[str, Any], year: int) -> dict[str, int]:
    """载入或替换一年的节假日安排；重新计算受影响的计时"""
    runtime = current_runtime()
    if not 1900 <= year <= 2200:
        raise ValidationFailed.for_field("year", "年份应在 1900 到 2200 之间", code="year_out_of_range")
    if body.get("year", year) != year:
        raise ValidationFailed.for_field("year", f"与地址中的年份（{year}）不一致", code="year_mismatch")
    data = calendar_admin.year_from_json(year, body)
    with runtime.unit_of_work() as uow:
        result = calendar_admin.load_year(
            uow, calendars(runtime.db), data, actor=current_principal(), now=utcnow()
        )
        uow.commit()
    return result.to_dict()


@calendar_blp.get("/overrides")
@calendar_blp.arguments(RequiredJurisdictionQuery, location="query")
@calendar_blp.response(200, OverridesSchema)
def overrides(query: dict[str, Any]) -> dict[str, Any]:
    """某地的本地调整（停止办公、增加工作日）"""
    with current_runtime().unit_of_work() as uow:
        return {"overrides": calendar_admin.list_overrides(uow, query["jurisdiction"])}


@calendar_blp.put("/overrides/<string:day>")
@calendar_blp.arguments(OverrideBodySchema)
@calendar_blp.response(200, RecomputedSchema)
@calendar_blp.doc(**SECURED)
@require_roles(Role.OFFICE_ADMIN)
def set_override(body: dict[str, Any], day: str) -> dict[str, int]:
    """本辖区的本地调整：如台风停止办公（closure）或增加工作日（extra_workday），须写明原因"""
    runtime = current_runtime()
    override = LocalOverride(_path_date(day), OverrideKind(body["kind"]), body["reason"])
    me = current_principal()
    with runtime.unit_of_work() as uow:
        result = calendar_admin.set_override(
            uow, calendars(runtime.db), me.jurisdiction, override, actor=me, now=utcnow()
        )
        uow.commit()
    return result.to_dict()


@calendar_blp.delete("/overrides/<string:day>")
@calendar_blp.response(200, RecomputedSchema)
@calendar_blp.doc(**SECURED)
@require_roles(Role.OFFICE_ADMIN)
def remove_override(day: str) -> dict[str, int]:
    """撤销本辖区某天的本地调整"""
    runtime = current_runtime()
    with runtime.unit_of_work() as uow:
        me = current_principal()
        result = calendar_admin.remove_override(
            uow, calendars(runtime.db), me.jurisdiction, _path_date(day), actor=me, now=utcnow()
        )
        uow.commit()
    return result.to_dict()


@clocks_blp.get("/<string:clock_id>")
@clocks_blp.response(200, ClockSchema)
@clocks_blp.doc(**SECURED)
@require_roles()
def clock(clock_id: str) -> dict[str, Any]:
    """一项计时：规则、状态、到期日、剩余工作日、历史、是否待定"""
    runtime = current_runtime()
    with runtime.unit_of_work() as uow:
        row = clocks.get_row(uow.session, clock_id)
        _authorise(current_principal(), row.jurisdiction, row.responsible)
        shown = clocks.view(uow.session, calendars(runtime.db), row, now=utcnow())
        uow.commit()
    return shown


def _figure(name: str) -> fields.Integer:
    """A figure of a local setting, described by its label and the setting it belongs to."""
    setting = next(code for code, figures in local_rules.CITY_FIGURES.items() if name in figures)
    return fields.Integer(strict=True, metadata={"description": f"{LABELS[name]}（{setting}）"})


class LocalSettingBodySchema(Schema):
    """The figures of the setting named in the path (the others are ignored) and its local document."""

    min_working_days = _figure("min_working_days")
    max_working_days = _figure("max_working_days")
    working_days = _figure("working_days")
    due_soon_working_days_before = _figure("due_soon_working_days_before")
    overdue_every_working_days = _figure("overdue_every_working_days")
    escalate_after_overdue_working_days = _figure("escalate_after_overdue_working_days")
    source = fields.String(
        required=True,
        validate=validate.Length(max=500),
        metadata={"description": "依据的本地文件（名称及文号）"},
    )


class LocalSettingSchema(Schema):
    setting = fields.String(metadata={"description": "reply_range | extension | reminders"})
    name = fields.String()
    article = fields.String()
    city = fields.String(metadata={"description": "办法规定（或默认提醒方案）"})
    city_figures = fields.Dict()
    own = fields.String(allow_none=True, metadata={"description": "本辖区执行（未另行规定时为空）"})
    figures = fields.Dict(allow_none=True)
    source = fields.String(allow_none=True)


class LocalRulesSchema(Schema):
    jurisdiction = fields.String()
    settings = fields.List(fields.Nested(LocalSettingSchema))


@local_rules_blp.get("")
@local_rules_blp.response(200, LocalRulesSchema)
@local_rules_blp.doc(**SECURED)
@require_roles(Role.OFFICE_CLERK, Role.OFFICE_DIVISION_HEAD, Role.OFFICE_LEADER, Role.OFFICE_ADMIN)
def local_rules_of_mine() -> dict[str, Any]:
    """本辖区的本地规定及办法规定（第三十九条）"""
    return _local_rules(current_principal().jurisdiction)


def _local_rules(jurisdiction: str) -> dict[str, Any]:
    with current_runtime().db.transaction() as session:
        shown = local_rules.overview(session, jurisdiction)
    return {"jurisdiction": jurisdiction, "settings": shown["settings"]}


@local_rules_blp.put("/<string:setting>")
@local_rules_blp.arguments(LocalSettingBodySchema)
@local_rules_blp.response(200, LocalRulesSchema)
@local_rules_blp.doc(**SECURED)
@require_roles(Role.OFFICE_ADMIN)
def set_local_rule(body: dict[str, Any], setting: str) -> dict[str, Any]:
    """设定本辖区的一项本地规定（reply_range、extension 或 reminders），须写明依据的本地文件；区县（市）编办
    管理员，市级执行办法的规定。每次变更告知收件系统（local_rules.changed）"""
    me = current_principal()
    local = from_values(setting, body, body["source"])
    runtime = current_runtime()
    with runtime.unit_of_work() as uow:
        local_rules.set_setting(uow, me.jurisdiction, local, actor=me, now=utcnow())
        uow.commit()
    return _local_rules(me.jurisdiction)


class WithdrawalBodySchema(Schema):
    source = fields.String(
        required=True,
        validate=validate.Length(max=500),
        metadata={"description": "恢复执行办法规定所依据的本地文件（名称及文号）"},
    )


@local_rules_blp.post("/<string:setting>/withdrawal")
@local_rules_blp.arguments(WithdrawalBodySchema)
@local_rules_blp.response(200, LocalRulesSchema)
@local_rules_blp.doc(**SECURED)
@require_roles(Role.OFFICE_ADMIN)
def withdraw_local_rule(body: dict[str, Any], setting: str) -> dict[str, Any]:
    """本辖区的一项本地规定恢复执行办法的规定，须写明依据的本地文件；未另行规定的，不作变更"""
    me = current_principal()
    if setting not in NAMES:
        from_values(setting, {}, body["source"])  # names the unknown setting
    runtime = current_runtime()
    with runtime.unit_of_work() as uow:
        local_rules.withdraw(uow, me.jurisdiction, setting, body["source"], actor=me, now=utcnow())
        uow.commit()
    return _local_rules(me.jurisdiction)


def _authorise(principal: Principal, jurisdiction: str, responsible: list[dict[str, str]]) -> None:
    """Office roles of the clock's jurisdiction, another service, or the responsible department/person."""
    if principal.has_any([Role.SERVICE]):
        return
    principal.require_jurisdiction(jurisdiction)  # another jurisdiction's clock: 404, not revealed
    if principal.is_office:
        return
    mine = {("department", principal.department), ("person", principal.user_id)}
    if not any((p.get("kind"), p.get("id")) in mine for p in responsible):
        principal.require(Role.OFFICE_CLERK, Role.OFFICE_DIVISION_HEAD, Role.OFFICE_LEADER, Role.OFFICE_ADMIN)


def _calendar(jurisdiction: str | None) -> Any:
    runtime = current_runtime()
    with runtime.unit_of_work() as uow:
        calendar = calendars(runtime.db).get(uow.session, jurisdiction)
        uow.commit()  # the first use of an empty database seeds the chinesecalendar years
    return calendar


def _path_date(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise ValidationFailed.for_field(
            "date", "不是有效的日期（格式 YYYY-MM-DD）", code="invalid_date"
        ) from None


def blueprints() -> Iterable[Blueprint]:
    return [calendar_blp, clocks_blp, local_rules_blp]
