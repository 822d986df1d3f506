"""The messages the measures need, in Chinese, and how one is rendered from a request's parameters.

Templates are Jinja2 text rendered in a sandbox with strict undefined variables: an office admin may edit a
template's wording, never make it run code, and a missing parameter is an error rather than a blank.

Every deadline template shows the case title, the due date as a date (``2026年12月4日（星期五）``), the
working days left or overdue (``还剩2个工作日`` / ``已逾期3个工作日``) and the link.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment

KINDS = ("text", "markdown", "link", "oa", "action_card")
WEEKDAYS = "一二三四五六日"
MAX_TITLE_CHARS = 60


class RenderError(ValueError):
    """Raised when a template cannot be rendered from the parameters given (missing or malformed)."""


@dataclass(frozen=True)
class TemplateSpec:
    """One message: its code, a Chinese name for people, the title and body, and the kinds it may take."""

    code: str
    name: str
    title: str
    body: str
    default_kind: str = "markdown"
    kinds: tuple[str, ...] = ("text", "markdown", "action_card")
    link_text: str = "查看详情"
    sample: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedMessage:
    """A template filled in: what each channel adapter turns into its own format."""

    template: str
    kind: str
    title: str
    body: str
    link: str | None
    link_text: str
    form: tuple[tuple[str, str], ...] = ()


def chinese_date(value: date | str) -> str:
    """``2026-12-04`` → ``2026年12月4日（星期五）``."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"


def days_phrase(*, remaining: int | None = None, overdue: int | None = None) -> str:
    """``还剩N个工作日``, ``今日到期`` or ``已逾期N个工作日`` (overdue wins over remaining)."""
    if overdue is not None and int(overdue) > 0:
        return f"已逾期{int(overdue)}个工作日"
    if remaining is None:
        return ""
    if int(remaining) <= 0:
        return "今日到期（还剩0个工作日）"
    return f"还剩{int(remaining)}个工作日"


def deadline_phrase(params: Mapping[str, Any]) -> str:
    """``期限：2026年12月4日（星期五），还剩2个工作日`` from ``due_date`` and the days left or overdue."""
    due = params.get("due_date")
    if not due:
        return ""
    phrase = days_phrase(
        remaining=_int_or_none(params.get("remaining_working_days")),
        overdue=_int_or_none(params.get("overdue_working_days")),
    )
    provisional = "（按暂定日历计算，可能调整）" if params.get("provisional") else ""
    return f"{chinese_date(str(due))}" + (f"，{phrase}" if phrase else "") + provisional


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise RenderError(f"工作日数不是整数：{value!r}") from exc


class _PrintStrictUndefined(Undefined):
    """A missing variable is false in ``{% if %}`` and honours ``default``, but printing it is an error."""

    __slots__ = ()

    def __str__(self) -> str:
        self._fail_with_undefined_error()
        return ""


_ENV = SandboxedEnvironment(undefined=_PrintStrictUndefined, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    return _ENV.from_string(source)


def render_text(source: str, variables: Mapping[str, Any]) -> str:
    """Render one template string; :class:`RenderError` names a missing or malformed parameter."""
    try:
        return _compiled(source).render(**variables).strip()
    except TemplateError as exc:
        raise RenderError(f"模板无法渲染：{exc}") from exc


def template_variables(
    params: Mapping[str, Any], *, case: Mapping[str, Any] | None, link: str | None, urgent: bool
) -> dict[str, Any]:
    """What a template may use: the request's ``params`` plus case title, deadline wording and link."""
    variables = dict(params)
    case = case or {}
    variables.setdefault("case_title", case.get("title") or "")
    variables.setdefault("case_id", case.get("id") or "")
    variables["link"] = link or case.get("url") or ""
    variables["urgent_mark"] = "【紧急】" if urgent else ""
    if params.get("due_date"):
        variables["due_date_cn"] = chinese_date(str(params["due_date"]))
        variables["deadline"] = deadline_phrase(params)
        variables["days"] = days_phrase(
            remaining=_int_or_none(params.get("remaining_working_days")),
            overdue=_int_or_none(params.get("overdue_working_days")),
        )
    return variables


def render(
    spec: TemplateSpec,
    params: Mapping[str, Any],
    *,
    case: Mapping[str, Any] | None = None,
    link: str | None = None,
    kind: str | None = None,
    urgent: bool = False,
) -> RenderedMessage:
    """Fill ``spec`` in; the kind asked for is used when the template allows it, else its default."""
    variables = template_variables(params, case=case, link=link, urgent=urgent)
    title = render_text(spec.title, variables)[:MAX_TITLE_CHARS]
    body = render_text(spec.body, variables)
    chosen = kind if kind in spec.kinds else spec.default_kind
    url = variables["link"] or None
    if chosen in {"oa", "link", "action_card"} and not url:
        chosen = "markdown"  # cards need somewhere to go; a message without a link stays readable
    form: tuple[tuple[str, str], ...] = ()
    if chosen == "oa":
        form = tuple(
            (label, str(variables[key]))
            for label, key in (("事项", "case_title"), ("期限", "deadline"), ("提交人", "requested_by"))
            if variables.get(key)
        )
    return RenderedMessage(spec.code, chosen, title, body, url, spec.link_text, form)


# --------------------------------------------------------------------------- the catalogue

_DEADLINE_LINE = "{% if deadline %}\n期限：{{ deadline }}{% endif %}"
_SAMPLE_CASE = {"case_title": "关于农贸市场活禽交易监管职责分工的协调申请", "due_date": "2026-12-04"}


def _spec(code: str, name: str, title: str, body: str, **options: Any) -> TemplateSpec:
    sample = {**_SAMPLE_CASE, **options.pop("sample", {})}
    return TemplateSpec(code=code, name=name, title=title, body=body, sample=sample, **options)


BUILTIN_TEMPLATES: tuple[TemplateSpec, ...] = (
    _spec(
        "application_accepted",
        "受理决定：予以受理（第17条）",
        "{{ urgent_mark }}协调申请已受理：{{ case_title }}",
        "贵单位提出的《{{ case_title }}》已于{{ accepted_on_cn | default('近日') }}予以受理。"
        "编办将在受理之日起30个工作日内提出协调意见（第22条）。" + _DEADLINE_LINE,
        sample={"remaining_working_days": 30, "accepted_on_cn": "2026年11月20日"},
    ),
    _spec(
        "application_rejected",
        "受理决定：不予受理（第17条）",
        "{{ urgent_mark }}协调申请不予受理：{{ case_title }}",
        "贵单位提出的《{{ case_title }}》经审查不予受理。\n理由：{{ ground }}"
        "{% if reason %}（{{ reason }}）{% endif %}"
        "{% if mechanism %}\n建议通过{{ mechanism }}解决。{% endif %}" + _DEADLINE_LINE,
        sample={"ground": "属于请求协助事项", "mechanism": "部门联席会议", "reason": "该事项不涉及职责分工"},
    ),
    _spec(
        "filing_opinion_returned",
        "协商纪要备案意见（第15条）",
        "协商纪要备案意见：{{ case_title }}",
        "贵单位报送的《{{ case_title }}》备案意见已出具：{{ opinion }}。" + _DEADLINE_LINE,
        sample={"opinion": "予以备案"},
    ),
    _spec(
        "solicitation_request",
        "书面征求意见（第20条）",
        "{{ urgent_mark }}请反馈意见：{{ case_title }}",
        "编办就《{{ case_title }}》书面征求贵单位意见，请于期限内反馈。"
        "逾期未反馈且未说明理由的，视为没有不同意见（第20条）。" + _DEADLINE_LINE,
        sample={"remaining_working_days": 7},
    ),
    _spec(
        "reply_due_soon",
        "反馈意见即将到期（第20条）",
        "{{ urgent_mark }}反馈意见即将到期：{{ case_title }}",
        "《{{ case_title }}》的书面反馈意见即将到期，请及时反馈；"
        "逾期未反馈且未说明理由的，视为没有不同意见。" + _DEADLINE_LINE,
        sample={"remaining_working_days": 2},
    ),
    _spec(
        "reply_overdue",
        "反馈意见已逾期（第20条）",
        "{{ urgent_mark }}反馈意见已逾期：{{ case_title }}",
        "《{{ case_title }}》的书面反馈意见已超过期限，请尽快反馈或说明理由。" + _DEADLINE_LINE,
        sample={"overdue_working_days": 1},
    ),
    _spec(
        "reply_deemed_no_objection",
        "逾期未反馈，视为没有不同意见（第20条）",
        "视为没有不同意见：{{ case_title }}",
        "贵单位未在期限内就《{{ case_title }}》反馈意见，也未说明理由，依照第20条视为没有不同意见。"
        + _DEADLINE_LINE,
        sample={"overdue_working_days": 1},
    ),
    _spec(
        "deadline_due_soon",
        "办理期限临近（通用）",
        "{{ urgent_mark }}{{ rule_name | default('办理期限') }}即将到期：{{ case_title }}",
        "《{{ case_title }}》的{{ rule_name | default('办理期限') }}即将到期，请及时办理。" + _DEADLINE_LINE,
        sample={"rule_name": "受理决定期限", "remaining_working_days": 2},
    ),
    _spec(
        "deadline_overdue",
        "办理期限已逾期（通用）",
        "{{ urgent_mark }}{{ rule_name | default('办理期限') }}已逾期：{{ case_title }}",
        "《{{ case_title }}》的{{ rule_name | default('办理期限') }}已逾期，请尽快办理。"
        "{% if escalated %}本提醒已同时报送上一级领导。{% endif %}" + _DEADLINE_LINE,
        sample={"rule_name": "受理决定期限", "overdue_working_days": 3, "escalated": True},
    ),
    _spec(
        "coordination_due_soon",
        "协调意见期限临近（第22条）",
        "{{ urgent_mark }}协调意见期限临近：{{ case_title }}",
        "《{{ case_title }}》应在受理之日起30个工作日内提出协调意见（第22条），期限临近，请抓紧办理；"
        "确需延长的，可延长一次（30个工作日）并告知申请单位。" + _DEADLINE_LINE,
        sample={"remaining_working_days": 5},
    ),
    _spec(
        "extension_notice",
        "延长协调期限告知（第22条）",
        "协调期限延长告知：{{ case_title }}",
        "因{{ reason }}，《{{ case_title }}》提出协调意见的期限延长30个工作日（第22条）。" + _DEADLINE_LINE,
        sample={"reason": "涉及部门较多、需召开协调会议", "remaining_working_days": 30},
    ),
    _spec(
        "approval_requested",
        "待审批（浙政钉 OA 卡片）",
        "{{ urgent_mark }}待您审批：{{ decision_name | default('审批事项') }}",
        "《{{ case_title }}》的{{ decision_name | default('拟办意见') }}已提交，请审批。"
        "{% if summary %}\n{{ summary }}{% endif %}" + _DEADLINE_LINE,
        default_kind="oa",
        kinds=("oa", "action_card", "markdown", "text"),
        link_text="去审批",
        sample={
            "decision_name": "受理决定",
            "summary": "拟予以受理",
            "requested_by": "张敏",
            "remaining_working_days": 3,
        },
    ),
    _spec(
        "approval_decided",
        "审批结果",
        "审批结果：{{ decision_name | default('审批事项') }}（{{ outcome_name }}）",
        "《{{ case_title }}》的{{ decision_name | default('拟办意见') }}已由{{ decided_by }}审批："
        "{{ outcome_name }}。{% if comment %}\n意见：{{ comment }}{% endif %}" + _DEADLINE_LINE,
        sample={
            "decision_name": "受理决定",
            "outcome_name": "同意",
            "decided_by": "王建国",
            "comment": "同意受理",
        },
    ),
    _spec(
        "devolution_decided",
        "职责下放审核结果（第34条）",
        "职责下放申请审核结果：{{ case_title }}",
        "贵单位提出的《{{ case_title }}》经审核：{{ outcome_name }}。"
        "{% if outcome_note %}\n{{ outcome_note }}{% endif %}"
        "\n在正式发文下放之前，仍由原部门履行该职责（第34条）。" + _DEADLINE_LINE,
        sample={"outcome_name": "同意下放，报批后正式发文", "due_date": None},
    ),
    _spec(
        "devolution_not_ready",
        "暂不具备下放条件书面告知（第34条）",
        "职责下放暂不具备条件：{{ case_title }}",
        "贵单位提出的《{{ case_title }}》经审核暂不具备下放条件。理由：{{ reason }}。"
        "在正式发文下放之前，仍由原部门履行该职责。" + _DEADLINE_LINE,
        sample={"reason": "承接部门人员、经费保障措施尚未落实", "due_date": None},
    ),
    _spec(
        "devolution_issued",
        "职责下放正式发文（第35条）",
        "职责已正式下放：{{ case_title }}",
        "《{{ case_title }}》已正式发文下放。请做好工作交接、支持保障和业务培训；"
        "承接部门运行满半年后，应向下放部门报告运行情况（第35条）。" + _DEADLINE_LINE,
        sample={"due_date": "2027-06-01"},
    ),
    _spec(
        "half_year_report_due",
        "下放运行情况报告到期（第35条）",
        "{{ urgent_mark }}请报送下放职责运行情况：{{ case_title }}",
        "《{{ case_title }}》下放运行已满半年，请承接部门向下放部门报告运行情况（第35条）。" + _DEADLINE_LINE,
        sample={"remaining_working_days": 5, "due_date": "2027-06-01"},
    ),
    _spec(
        "calendar_year_missing",
        "工作日历缺少年度数据",
        "工作日历缺少{{ year }}年数据",
        "工作日历尚未载入{{ year }}年的法定节假日和调休安排，涉及该年度的期限暂按周末计算（暂定）。"
        "请在国务院办公厅公布{{ year }}年节假日安排后及时载入，系统将重新计算相关期限并通知有关人员。",
        kinds=("text", "markdown"),
        sample={"year": 2027, "due_date": None},
    ),
    _spec(
        "deadline_recomputed",
        "期限重新计算告知",
        "期限已调整：{{ case_title }}",
        "因工作日历更新，《{{ case_title }}》的{{ rule_name | default('办理期限') }}由"
        "{{ old_due_date_cn }}调整为新的期限。" + _DEADLINE_LINE,
        sample={
            "rule_name": "协调意见期限",
            "old_due_date_cn": "2027年1月8日（星期五）",
            "due_date": "2027-01-11",
            "remaining_working_days": 20,
        },
    ),
    _spec(
        "channel_test",
        "渠道测试消息",
        "【职责管理】渠道测试",
        "这是一条来自职责管理系统的测试消息，用于确认通知渠道配置正确。"
        "{% if sent_by %}（{{ sent_by }}发起）{% endif %}",
        kinds=KINDS,
        default_kind="text",
        sample={"sent_by": "系统管理员", "due_date": None},
    ),
)

BUILTIN_BY_CODE: dict[str, TemplateSpec] = {spec.code: spec for spec in BUILTIN_TEMPLATES}


def preview(spec: TemplateSpec, params: Mapping[str, Any] | None = None) -> RenderedMessage:
    """``spec`` rendered with its sample data, overridden by ``params``."""
    sample = {k: v for k, v in {**spec.sample, **(params or {})}.items() if v is not None}
    return render(spec, sample, link=str(sample.get("link") or "https://example.invalid/cases/demo"))
