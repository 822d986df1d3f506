"""The messages the measures need, in Chinese, and how one is rendered from a request's parameters.

Templates are Jinja2 text rendered in a sandbox with strict undefined variables: an office admin may edit a
template's wording, never make it run code, and a missing parameter is an error rather than a blank.

Every deadline template shows the case title, the due date as a date (``2026年12月4日（星期五）``), the
working days left or overdue (``还剩2个工作日`` / ``已逾期3个工作日``) and the link.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
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
    """``2026-12-04`` → ``2026年12月4日（星期五）``; :class:`RenderError` for anything that is not a date."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"
    except (TypeError, ValueError, AttributeError) as exc:
        raise RenderError(f"日期无效（应为 YYYY-MM-DD）：{value!r}") from exc


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


def _cn_date(value: Any) -> str:
    """``{{ old_due_date | cn_date }}`` → 2027年1月8日（星期五）; what is not a date prints as given."""
    try:
        return chinese_date(value)
    except RenderError:
        return str(value)


_ENV.filters["cn_date"] = _cn_date


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
    return _assemble(spec, variables, title, kind, render_text(spec.body, variables))


def _assemble(
    spec: TemplateSpec, variables: Mapping[str, Any], title: str, kind: str | None, body: str
) -> RenderedMessage:
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


# --------------------------------------------------------------------------- fitting the platform's limit

KEPT_VARIABLES = frozenset(
    {"link", "urgent_mark", "due_date", "due_date_cn", "deadline", "days", "case_id", "year"}
)
"""Variables never shortened: the link to the full text and the deadline wording (the title is rendered from
the full variables, and what silence means is the template's own text)."""
ELLIPSIS = "…"
SHORTENED_NOTE = "（内容较长，已节选，全文请点击查看）"
SHORTENED_NOTE_NO_LINK = "（内容较长，已节选）"


def render_fitting(
    spec: TemplateSpec,
    params: Mapping[str, Any],
    *,
    fits: Callable[[RenderedMessage], bool],
    case: Mapping[str, Any] | None = None,
    link: str | None = None,
    kind: str | None = None,
    urgent: bool = False,
) -> RenderedMessage:
    """:func:`render`, shortened until ``fits`` accepts it (the platform's size limit).

    A message that fits is returned as is. Otherwise every free-text detail (the question asked, a reason,
    a summary, the case title in the body…) is cut to one common length, the longest that fits, and marked
    ``…``; the title, the deadline, the template's own sentences (what silence means, the article) and the
    link are kept, and a note says the text was shortened. Only a template whose fixed wording alone is too
    long (an admin's edit) has its body cut, keeping its deadline line.
    """
    message = render(spec, params, case=case, link=link, kind=kind, urgent=urgent)
    if fits(message):
        return message
    variables = template_variables(params, case=case, link=link, urgent=urgent)
    note = SHORTENED_NOTE if variables["link"] else SHORTENED_NOTE_NO_LINK
    free = {k: v for k, v in variables.items() if isinstance(v, str) and v and k not in KEPT_VARIABLES}

    def attempt(limit: int) -> RenderedMessage:
        cut = {k: _cut(v, limit) for k, v in free.items()}
        body = render_text(spec.body, {**variables, **cut})
        return _assemble(spec, {**variables, **cut}, message.title, kind, f"{body}\n{note}")

    longest = max((len(v) for v in free.values()), default=0)
    best = _largest(0, longest, lambda limit: fits(attempt(limit)))
    if best is not None:
        return attempt(best)
    return _cut_body(attempt(0), variables, note, fits)


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[:limit] + ELLIPSIS


def _largest(low: int, high: int, ok: Callable[[int], bool]) -> int | None:
    """The largest ``n`` in ``[low, high]`` with ``ok(n)`` (``ok`` is monotone: true up to some point)."""
    if not ok(low):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if ok(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _cut_body(
    message: RenderedMessage,
    variables: Mapping[str, Any],
    note: str,
    fits: Callable[[RenderedMessage], bool],
) -> RenderedMessage:
    deadline = f"\n期限：{variables['deadline']}" if variables.get("deadline") else ""
    text = message.body

    def attempt(limit: int) -> RenderedMessage:
        return replace(message, body=_cut(text, limit) + deadline + "\n" + note, form=())

    best = _largest(0, len(text), lambda limit: fits(attempt(limit)))
    if best is None:
        raise RenderError("消息的标题和链接本身已超过平台的长度上限")
    return attempt(best)


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
        "{% if source %}编办依职权启动《{{ case_title }}》的职责分工协调（{{ source }}），请贵单位配合。"
        "{% else %}贵单位提出的《{{ case_title }}》"
        "{% if accepted_on %}已于{{ accepted_on | cn_date }}{% endif %}予以受理。{% endif %}"
        "{% if opinion_working_days %}编办将在{{ opinion_working_days }}个工作日内"
        "提出协调意见（第二十二条）。{% endif %}"
        "{% if note %}\n受理意见：{{ note }}{% endif %}" + _DEADLINE_LINE,
        sample={"remaining_working_days": 30, "accepted_on": "2026-11-20", "opinion_working_days": 30},
    ),
    _spec(
        "application_rejected",
        "受理决定：不予受理（第17条）",
        "{{ urgent_mark }}协调申请不予受理：{{ case_title }}",
        "贵单位提出的《{{ case_title }}》经审查不予受理。\n理由：{{ ground | default('不符合受理条件') }}"
        "{% if reason %}（{{ reason }}）{% endif %}"
        "{% if mechanism %}\n建议通过{{ mechanism }}解决。{% endif %}" + _DEADLINE_LINE,
        sample={"ground": "属于请求协助事项", "mechanism": "部门联席会议", "reason": "该事项不涉及职责分工"},
    ),
    _spec(
        "filing_opinion_returned",
        "协商纪要备案意见（第15条）",
        "协商纪要备案意见：{{ case_title }}",
        "贵单位报送的《{{ case_title }}》备案意见已出具："
        "{{ opinion | default(outcome | default('详见系统')) }}。" + _DEADLINE_LINE,
        sample={"opinion": "予以备案"},
    ),
    _spec(
        "solicitation_request",
        "书面征求意见（第20条）",
        "{{ urgent_mark }}请反馈意见{% if round %}（第{{ round }}轮）{% endif %}：{{ case_title }}",
        "编办就《{{ case_title }}》{% if round %}第{{ round }}轮{% endif %}书面征求贵单位意见，"
        "请于{% if reply_working_days %}{{ reply_working_days }}个工作日内{% else %}期限内{% endif %}反馈。"
        "{% if question %}征求意见事项：{{ question }}。{% endif %}"
        "逾期未反馈且未说明理由的，视为没有不同意见（第20条）。" + _DEADLINE_LINE,
        sample={"remaining_working_days": 7, "round": 1, "reply_working_days": 7},
    ),
    _spec(
        "solicitation_undelivered",
        "书面征求意见送达未确认（第20条）",
        "{{ urgent_mark }}征求意见送达未确认：{{ case_title }}",
        "向{{ department | default('有关部门') }}发出的《{{ case_title }}》"
        "{% if round %}第{{ round }}轮{% endif %}书面征求意见，浙政钉未能确认送达"
        "{% if reason %}（{{ reason }}）{% endif %}。"
        "请以书面等方式送达并在系统中登记送达日期；登记之前答复期限不计算，也不会视为没有不同意见（第20条）。",
        sample={"department": "市生态环境局", "round": 1, "reason": "该人员没有浙政钉账号", "due_date": None},
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
        "{{ department | default('贵单位') }}未在期限内就《{{ case_title }}》"
        "{% if round %}第{{ round }}轮书面征求意见{% endif %}反馈意见，"
        "也未说明理由，依照第二十条视为没有不同意见。" + _DEADLINE_LINE,
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
        "《{{ case_title }}》应在受理之日起{{ working_days }}个工作日内提出协调意见（第22条），期限临近，"
        "请抓紧办理；确需延长的，可延长一次（{{ extension_working_days }}个工作日）并告知申请单位。"
        + _DEADLINE_LINE,
        sample={"remaining_working_days": 5, "working_days": 30, "extension_working_days": 30},
    ),
    _spec(
        "extension_notice",
        "延长协调期限告知（第22条）",
        "协调期限延长告知：{{ case_title }}",
        "{% if reason %}因{{ reason }}，{% endif %}"
        "《{{ case_title }}》提出协调意见的期限"
        "{% if working_days %}延长{{ working_days }}个工作日{% else %}予以延长{% endif %}（第二十二条）。"
        + _DEADLINE_LINE,
        sample={"reason": "涉及部门较多、需召开协调会议", "remaining_working_days": 30, "working_days": 30},
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
        "因工作日历更新，《{{ case_title }}》的{{ rule_name | default('办理期限') }}"
        "{% if old_due_date %}由{{ old_due_date | cn_date }}{% endif %}调整为新的期限。" + _DEADLINE_LINE,
        sample={
            "rule_name": "协调意见期限",
            "old_due_date": "2027-01-08",
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

# --------------------------------------------------------------------------- the other services' notices
# Codes and parameters as intake, deadlines and devolution send them; every parameter but the case title is
# optional here, so that a notice is never lost for want of a detail.


def _notice(code: str, name: str, title: str, body: str, **options: Any) -> TemplateSpec:
    return _spec(code, name, "{{ urgent_mark }}" + title, body + _DEADLINE_LINE, **options)


_REASON = "{% if reason %}\n理由：{{ reason }}{% endif %}"
_RULE = "{{ rule_name | default('办理期限') }}{% if article %}（{{ article }}）{% endif %}"

OTHER_TEMPLATES: tuple[TemplateSpec, ...] = (
    _notice(
        "case_submitted",
        "部门提交了申请",
        "新的申请待处理：{{ case_title }}",
        "{{ applicant | default('有部门') }}提交了《{{ case_title }}》，请编办及时处理。",
    ),
    _notice(
        "submission_received",
        "申请已收到（回执）",
        "已收到：{{ case_title }}",
        "编办已收到贵单位报送的{% if kind_name %}{{ kind_name }}{% endif %}《{{ case_title }}》"
        "，将按规定的期限办理；"
        "办理进展可在“我的办件”中查看。",
        sample={"kind_name": "职责分工协调申请"},
    ),
    _notice(
        "case_withdrawn",
        "部门撤回了申请",
        "申请已撤回：{{ case_title }}",
        "《{{ case_title }}》已由申请部门撤回。" + _REASON,
    ),
    _notice(
        "supplement_requested",
        "请补正材料",
        "请补正材料：{{ case_title }}",
        "编办审查《{{ case_title }}》后，请贵单位补正材料。"
        "{% if reason %}\n需补正：{{ reason }}{% endif %}"
        "{% if reasons %}\n需补正：{{ reasons }}{% endif %}"
        "{% if items %}\n材料：{{ items }}{% endif %}",
    ),
    _notice(
        "case_supplemented",
        "部门已补正材料",
        "材料已补正：{{ case_title }}",
        "申请部门已补正《{{ case_title }}》的材料，请继续审查。{% if note %}\n说明：{{ note }}{% endif %}",
    ),
    _notice(
        "reply_received",
        "部门答复了征求意见",
        "收到反馈意见：{{ case_title }}",
        "{{ department | default('有部门') }}已就《{{ case_title }}》反馈意见"
        "{% if reply %}（{{ reply }}）{% endif %}，请及时研究。",
    ),
    _notice(
        "meeting_notice",
        "协调会议通知（第20条）",
        "协调会议通知：{{ case_title }}",
        "编办定于{{ starts_at | default('近期') }}召开《{{ case_title }}》协调会议"
        "{% if location %}，地点：{{ location }}{% endif %}，请准时参加。"
        "{% if agenda %}\n议题：{{ agenda }}{% endif %}",
    ),
    _notice(
        "case_suspended",
        "协调中止（第25条）",
        "协调中止：{{ case_title }}",
        "《{{ case_title }}》的协调已中止{% if ground %}（{{ ground }}）{% endif %}，"
        "期限暂停计算。" + _REASON,
    ),
    _notice(
        "case_resumed",
        "协调恢复（第25条）",
        "协调恢复：{{ case_title }}",
        "《{{ case_title }}》的协调已恢复，期限继续计算。" + _REASON,
    ),
    _notice(
        "case_terminated",
        "协调终止（第25条）",
        "协调终止：{{ case_title }}",
        "《{{ case_title }}》的协调已终止。" + _REASON,
    ),
    _notice(
        "document_issued",
        "书面文书已制发",
        "{{ step_name | default('书面文书') }}：{{ document_number }}",
        "编办就《{{ case_title }}》制发了{{ document_number }}《{{ document_title }}》"
        "{% if article %}（{{ article }}）{% endif %}。"
        "{% if pdf_link %}\n查看（PDF）：{{ pdf_link }}{% endif %}"
        "{% if docx_link %}\n下载（Word）：{{ docx_link }}{% endif %}",
        sample={
            "step_name": "受理通知",
            "document_number": "甬编办函〔2026〕1号",
            "document_title": "关于农贸市场活禽交易监管职责分工的协调申请予以受理的函",
            "article": "第十七条",
            "pdf_link": "https://dm.example.gov.cn/api/v1/attachments/a-0123456789abcdef",
        },
    ),
    _notice(
        "interim_measures_reported",
        "紧急情况临时处置（第22条第2款）",
        "临时处置措施报告：{{ case_title }}",
        "申请部门就《{{ case_title }}》报告了紧急情况下采取的临时处置措施，请知悉。"
        "{% if measures %}\n措施：{{ measures }}{% endif %}",
    ),
    _notice(
        "approval_returned",
        "报批事项被退回",
        "报批事项被退回：{{ case_title }}",
        "《{{ case_title }}》的报批事项{{ outcome | default('被退回') }}。"
        "{% if comment %}\n意见：{{ comment }}{% endif %}",
    ),
    _notice(
        "approval_recalled",
        "审批已撤回",
        "审批已撤回：{{ case_title }}",
        "《{{ case_title }}》的{{ decision_name | default('报批事项') }}已撤回，无需审批。" + _REASON,
    ),
    _notice(
        "approval_unroutable",
        "审批无人可送",
        "审批无人可送：{{ case_title }}",
        "《{{ case_title }}》的{{ decision_name | default('报批事项') }}找不到审批人"
        "{% if missing_steps %}（{{ missing_steps }}）{% endif %}，请系统管理员检查审批设置。",
    ),
    _notice(
        "approval_handed_over",
        "审批人离开后已转交",
        "审批已转交：{{ case_title }}",
        "《{{ case_title }}》的{{ decision_name | default('报批事项') }}原由{{ left_name }}审批，"
        "其已不在本单位通讯录中，已转交{{ new_names }}审批。",
        sample={"decision_name": "受理决定", "left_name": "李强", "new_names": "钱晓"},
    ),
    _notice(
        "org_review_requested",
        "请组织部审议（第21条）",
        "请审议：{{ case_title }}",
        "编办就《{{ case_title }}》提出重大职能配置认定建议，请市委组织部审议（第21条）。",
    ),
    _notice(
        "decision_issued",
        "已发文，请执行（第24条）",
        "已发文：{{ case_title }}",
        "《{{ case_title }}》已发文{% if document_number %}（{{ document_number }}）{% endif %}，"
        "请认真执行（第24条）。",
    ),
    _notice(
        "deadline_scheduled",
        "期限已计算",
        "办理期限：{{ case_title }}",
        "《{{ case_title }}》的" + _RULE + "已计算，请在期限内办理。",
    ),
    _notice(
        "rectification_ordered",
        "限期纠正（第37条）",
        "限期纠正：{{ case_title }}",
        "编办责令贵单位限期纠正{% if ground %}（{{ ground }}）{% endif %}。"
        "{% if facts %}\n事实：{{ facts }}{% endif %}"
        "{% if correct_by %}\n纠正期限：{{ correct_by }}{% endif %}",
    ),
    _notice(
        "correction_reported",
        "部门报告了纠正情况",
        "纠正情况待核实：{{ case_title }}",
        "被纠正部门已报告《{{ case_title }}》的纠正情况，请核实。{% if report %}\n{{ report }}{% endif %}",
    ),
    _notice(
        "correction_rejected",
        "纠正不到位",
        "纠正不到位：{{ case_title }}",
        "经核实，《{{ case_title }}》纠正不到位，请继续纠正。" + _REASON,
    ),
    _notice(
        "rectification_closed",
        "已纠正",
        "已完成纠正：{{ case_title }}",
        "经核实，《{{ case_title }}》已纠正到位。{% if note %}\n{{ note }}{% endif %}",
    ),
    _notice(
        "referred_to_supervision",
        "移交监督检查（第37条第2款）",
        "移交监督检查：{{ case_title }}",
        "《{{ case_title }}》未按要求纠正，按照机构编制监督检查有关规定处理（第37条）。" + _REASON,
    ),
    _notice(
        "power_list_changed",
        "权责清单变更",
        "权责清单变更：{{ case_title }}",
        "《{{ case_title }}》涉及权责清单调整：{{ change | default('请查看变更') }}。"
        "{% if responsible_departments %}\n责任部门：{{ responsible_departments }}{% endif %}"
        "{% if document_number %}\n文号：{{ document_number }}{% endif %}"
        "{% if changes_url %}\n变更明细：{{ changes_url }}{% endif %}",
    ),
    _notice(
        "half_year_report_submitted",
        "运行情况报告已报送（第35条）",
        "运行情况报告已报送：{{ case_title }}",
        "{{ department | default('承接部门') }}已报送《{{ case_title }}》下放运行半年的情况报告，"
        "请确认（第35条）。",
    ),
    _notice(
        "interim_report_submitted",
        "中期报告已报送（第35条）",
        "中期报告已报送：{{ case_title }}",
        "{{ department | default('承接部门') }}报送了《{{ case_title }}》的中期报告。下放运行尚未满半年，"
        "中期报告不作为第35条的专项报告，半年运行情况报告仍须在运行满半年后报送。",
    ),
    _notice(
        "due_soon",
        "期限临近（期限服务）",
        "{{ rule_name | default('办理期限') }}即将到期：{{ case_title }}",
        "《{{ case_title }}》的" + _RULE + "即将到期，请及时办理。",
        sample={"rule_name": "作出受理决定", "remaining_working_days": 2},
    ),
    _notice(
        "due_today",
        "今日到期（期限服务）",
        "{{ rule_name | default('办理期限') }}今日到期：{{ case_title }}",
        "《{{ case_title }}》的" + _RULE + "今日到期，请今日内办理。",
        sample={"rule_name": "作出受理决定", "remaining_working_days": 0},
    ),
    _notice(
        "overdue",
        "已逾期（期限服务）",
        "{{ rule_name | default('办理期限') }}已逾期：{{ case_title }}",
        "《{{ case_title }}》的" + _RULE + "已逾期，请尽快办理。",
        sample={"rule_name": "作出受理决定", "overdue_working_days": 2},
    ),
    _notice(
        "escalation",
        "逾期报上一级领导（期限服务）",
        "逾期督办：{{ case_title }}",
        "《{{ case_title }}》的" + _RULE + "已逾期，现报请督办。",
        sample={"rule_name": "作出受理决定", "overdue_working_days": 4},
    ),
    _notice(
        "due_date_changed",
        "期限因日历调整而变化",
        "期限已调整：{{ case_title }}",
        "因{{ reason | default('工作日历更新') }}，"
        "《{{ case_title }}》的{{ rule_name | default('办理期限') }}"
        "{% if old_due_date %}由{{ old_due_date | cn_date }}{% endif %}调整为新的期限。",
        sample={"old_due_date": "2027-01-08", "due_date": "2027-01-11", "remaining_working_days": 20},
    ),
    # 主要职责配置和调整方案 (第8–11条)
    _notice(
        "duty_plan_submitted",
        "部门报送了主要职责方案（第11条）",
        "主要职责方案待审核：{{ case_title }}",
        "{{ applicant | default('有部门') }}报送了《{{ case_title }}》"
        "{% if plan_type %}（{{ plan_type }}）{% endif %}"
        "{% if revised %}，系初审退回后修改的方案{% endif %}，"
        "请编办按第11条审核。",
        sample={
            "case_title": "宁波市市场监督管理局主要职责调整方案",
            "applicant": "宁波市市场监督管理局",
            "plan_type": "部门主要职责调整方案（第十条）",
            "due_date": None,
        },
    ),
    _notice(
        "duty_plan_under_review",
        "主要职责方案初审通过（第11条）",
        "主要职责方案初审通过：{{ case_title }}",
        "贵单位报送的《{{ case_title }}》已通过初审，编办将书面征求相关部门意见（第11条第2项）。",
        sample={"case_title": "宁波市市场监督管理局主要职责调整方案", "due_date": None},
    ),
    _notice(
        "duty_plan_returned",
        "主要职责方案初审退回修改（第11条）",
        "主要职责方案退回修改：{{ case_title }}",
        "贵单位报送的《{{ case_title }}》经初审退回修改，请修改后重新报送。" + _REASON,
        sample={
            "case_title": "宁波市市场监督管理局主要职责调整方案",
            "reason": "第3项职责依据为规范性文件，不得作为确定部门职责的依据（第6条第2款）",
            "due_date": None,
        },
    ),
    _notice(
        "duty_plan_decided",
        "市委编委研究决定（第8条、第10条）",
        "市委编委研究决定：{{ case_title }}",
        "市委编委已研究《{{ case_title }}》：{{ outcome | default('已作出决定') }}。"
        "{% if decision %}\n研究意见：{{ decision }}{% endif %}",
        sample={
            "case_title": "宁波市市场监督管理局主要职责调整方案",
            "outcome": "同意",
            "decision": "同意该调整方案，按程序印发。",
            "due_date": None,
        },
    ),
    _notice(
        "evaluation_recorded",
        "“三定”规定执行情况评估结论（第26条）",
        "“三定”规定执行情况评估：{{ case_title }}",
        "编办对贵单位{{ period | default('') }}“三定”规定执行情况进行了评估，"
        "结论：{{ conclusion | default('见评估记录') }}。",
        sample={
            "case_title": "宁波市市场监督管理局“三定”规定执行情况评估（2026年度）",
            "period": "2026年度",
            "conclusion": "需要进一步理顺部门职责分工（第二十六条第二款）",
            "due_date": None,
        },
    ),
    # 议事协调机构成员单位职责分工 (第29条)
    _notice(
        "division_filed",
        "牵头单位抄送了成员单位职责分工（第29条）",
        "成员单位职责分工抄送：{{ body_name | default(case_title) }}",
        "{{ lead | default('牵头单位') }}抄送了{{ body_name | default('议事协调机构') }}的成员单位职责分工"
        "{% if changed %}（调整）{% endif %}，请编办登记"
        "{% if flag_count %}；其中{{ flag_count }}处需核对与部门“三定”规定的衔接{% endif %}。",
        sample={
            "case_title": "宁波市食品安全委员会成员单位职责分工",
            "body_name": "宁波市食品安全委员会",
            "lead": "宁波市市场监督管理局",
            "changed": False,
            "flag_count": 1,
            "due_date": None,
        },
    ),
    _notice(
        "division_flagged",
        "成员单位职责分工与“三定”规定不衔接（第29条）",
        "成员单位职责分工需协调：{{ body_name | default(case_title) }}",
        "编办核对{{ body_name | default('议事协调机构') }}的成员单位职责分工，"
        "{{ member | default('有成员单位') }}的分工与其“三定”规定{{ sanding_provision | default('') }}不衔接"
        "{% if conflict %}：{{ conflict }}{% endif %}。编办将组织协调。",
        sample={
            "case_title": "宁波市食品安全委员会成员单位职责分工",
            "body_name": "宁波市食品安全委员会",
            "member": "宁波市农业农村局",
            "sanding_provision": "第三条第（八）项",
            "conflict": "食用农产品进入市场后的监管已明确由市场监管部门负责",
            "due_date": None,
        },
    ),
)

BUILTIN_TEMPLATES = BUILTIN_TEMPLATES + OTHER_TEMPLATES

BUILTIN_BY_CODE: dict[str, TemplateSpec] = {spec.code: spec for spec in BUILTIN_TEMPLATES}


def preview(spec: TemplateSpec, params: Mapping[str, Any] | None = None) -> RenderedMessage:
    """``spec`` rendered with its sample data, overridden by ``params``."""
    sample = {k: v for k, v in {**spec.sample, **(params or {})}.items() if v is not None}
    return render(spec, sample, link=str(sample.get("link") or "https://example.invalid/cases/demo"))
