"""期限规则 — every time limit of the measures in one table, each citing its article: the single source of the
periods for every service (deadlines counts them, intake and devolution check against them and print them,
notify's templates get them as parameters). Pure data and pure functions: any domain may import it.

Source: 宁波市级党政部门职责管理办法 (articles 15, 17, 20, 22, 25, 34, 35, 37).
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from shared.errors import ValidationFailed

SUSPENSION_ARTICLE = "第二十五条"
#: no period of the measures comes near it: a longer one is a mistake (and beyond any calendar loaded)
MAX_WORKING_DAYS = 5000


class PeriodKind(StrEnum):
    """How a rule's period is measured."""

    WORKING_DAYS = "working_days"  # N 个工作日
    CALENDAR_MONTHS = "calendar_months"  # N 个月 (半年 = 6 months)
    FIXED_DATE = "fixed_date"  # 限期: the date written in the order


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One time limit of the measures.

    ``length`` is in working days or months (``None`` for a fixed date); ``min_length``/``max_length`` bound a
    length set per case (第二十条), and a length outside them needs an explicit reason.
    """

    code: str
    article: int
    article_label: str
    name: str
    basis: str
    starts_when: str
    who_must_act: str
    period_kind: PeriodKind
    length: int | None
    min_length: int | None = None
    max_length: int | None = None
    extension_working_days: int | None = None
    silence_means_no_objection: bool = False
    suspendable: bool = False
    #: the local document a district or county set this rule's figures by (第三十九条); None: the measures'
    local_source: str | None = None

    @property
    def extendable(self) -> bool:
        """Whether the period may be extended (once)."""
        return self.extension_working_days is not None

    @property
    def length_set_per_case(self) -> bool:
        """Whether the caller sets the length for each case within [min_length, max_length]."""
        return self.min_length is not None

    @property
    def citation(self) -> str:
        """E.g. '第二十二条（协调意见）'."""
        return f"{self.article_label}（{self.name}）"

    @property
    def where(self) -> str:
        """Where the figures come from: ``第二十条``, or ``第二十条；本地规定：<document>`` (第三十九条)."""
        if self.local_source:
            return f"{self.article_label}；本地规定：{self.local_source}"
        return self.article_label

    def with_length(self, length: int, *, source: str) -> Rule:
        """This fixed-length rule with a jurisdiction's own length (第三十九条)."""
        return replace(
            self,
            length=length,
            local_source=source,
            basis=f"{self.basis}（本地规定：{source}，{length}{self.unit}）",
        )

    def within(self, low: int, high: int, *, source: str) -> Rule:
        """This per-case rule with a jurisdiction's own usual range (第三十九条 adopting 第二十条)."""
        return replace(
            self,
            min_length=low,
            max_length=high,
            local_source=source,
            basis=f"{self.basis}（本地规定：{source}，{low}至{high}{self.unit}）",
        )

    def extended_by(self, working_days: int, *, source: str) -> Rule:
        """This extendable rule with a jurisdiction's own extension (第三十九条 adopting 第二十二条)."""
        return replace(
            self,
            extension_working_days=working_days,
            local_source=source,
            basis=f"{self.basis}（本地规定：{source}，可延长{working_days}{self.unit}）",
        )

    @property
    def unit(self) -> str:
        return "个工作日" if self.period_kind is PeriodKind.WORKING_DAYS else "个月"

    @property
    def period(self) -> str:
        """The period as people read it: ``30个工作日``, ``5至10个工作日``, ``6个月``, ``限期``."""
        if self.period_kind is PeriodKind.FIXED_DATE:
            return "限期"
        if self.length_set_per_case:
            return f"{self.min_length}至{self.max_length}{self.unit}"
        return f"{self.length}{self.unit}"

    def resolve_length(
        self,
        requested: int | None,
        reason: str | None,
        *,
        field: str = "period_length",
        code: str | None = None,
    ) -> int | None:
        """The period length for one case: the rule's own, or the requested one where the rule allows it.

        Raises ValidationFailed (naming ``field``; ``code`` for a length outside the usual range) for a
        length the rule does not allow.
        """
        if self.period_kind is PeriodKind.FIXED_DATE:
            return None
        if self.length_set_per_case:
            return self._length_set_per_case(requested, reason, field, code or "period_out_of_range")
        if requested is not None and requested != self.length:
            message = f"{self.name}的期限由{self.article_label}规定为{self.length}{self.unit}，不能另行设定"
            raise ValidationFailed.for_field(field, message, code="period_fixed_by_rule")
        return self.length

    def _length_set_per_case(self, requested: int | None, reason: str | None, field: str, code: str) -> int:
        low, high = self.min_length or 1, self.max_length or MAX_WORKING_DAYS
        bounds = f"{low}至{high}个工作日"
        if (
            isinstance(requested, bool)
            or not isinstance(requested, int)
            or not 1 <= requested <= MAX_WORKING_DAYS
        ):
            message = f"须写明{self.name}的期限（一般为{bounds}，{self.where}）"
            raise ValidationFailed.for_field(field, message, code="period_length_required")
        if not low <= requested <= high and not (reason or "").strip():
            message = f"{self.name}期限一般为{bounds}（{self.where}），超出范围须说明理由"
            raise ValidationFailed.for_field(field, message, code=code)
        return requested


_RULES = (
    Rule(
        code="filing_opinion",
        article=15,
        article_label="第十五条",
        name="备案意见",
        basis="市委编办接到协商纪要后，在5个工作日内向主办部门反馈备案意见",
        starts_when="收到协商纪要",
        who_must_act="市委编办",
        period_kind=PeriodKind.WORKING_DAYS,
        length=5,
        suspendable=True,
    ),
    Rule(
        code="acceptance_decision",
        article=17,
        article_label="第十七条",
        name="受理决定",
        basis="市委编办收到协调申请后，应当在5个工作日内作出受理或者不予受理的决定",
        starts_when="收到协调申请",
        who_must_act="市委编办",
        period_kind=PeriodKind.WORKING_DAYS,
        length=5,
        suspendable=True,
    ),
    Rule(
        code="written_reply",
        article=20,
        article_label="第二十条",
        name="书面征求意见答复",
        basis="答复期限一般不少于5个工作日，不超过10个工作日；逾期未答复且未说明原因的，视为没有不同意见",
        starts_when="发出书面征求意见",
        who_must_act="各有关部门",
        period_kind=PeriodKind.WORKING_DAYS,
        length=None,
        min_length=5,
        max_length=10,
        silence_means_no_objection=True,
        suspendable=True,
    ),
    Rule(
        code="coordination_opinion",
        article=22,
        article_label="第二十二条",
        name="协调意见",
        basis="受理后应当在30个工作日内提出协调意见；情况特殊的，可以延长30个工作日",
        starts_when="受理协调申请",
        who_must_act="市委编办",
        period_kind=PeriodKind.WORKING_DAYS,
        length=30,
        extension_working_days=30,
        suspendable=True,
    ),
    Rule(
        code="devolution_review",
        article=34,
        article_label="第三十四条",
        name="职责下放审核论证",
        basis="审核论证工作在10个工作日内完成",
        starts_when="收到完整的职责下放申请",
        who_must_act="市委编办",
        period_kind=PeriodKind.WORKING_DAYS,
        length=10,
        suspendable=True,
    ),
    Rule(
        code="operation_report",
        article=35,
        article_label="第三十五条",
        name="承接事项运行情况专项报告",
        basis="下放职责事项运行半年后，职责承接部门要向职责下放部门专项报告承接事项的运行情况",
        starts_when="职责正式下放",
        who_must_act="承接部门",
        period_kind=PeriodKind.CALENDAR_MONTHS,
        length=6,
    ),
    Rule(
        code="rectification",
        article=37,
        article_label="第三十七条",
        name="限期纠正",
        basis="发现有下列情形之一的，应当限期纠正；未按要求及时纠正的，按照机构编制监督检查有关规定执行",
        starts_when="下达限期纠正通知",
        who_must_act="被责令纠正的部门",
        period_kind=PeriodKind.FIXED_DATE,
        length=None,
    ),
)

RULES: Mapping[str, Rule] = MappingProxyType({rule.code: rule for rule in _RULES})


def months_after(start: date, months: int) -> date:
    """The same day-number ``months`` calendar months after ``start``, or that month's last day where it has
    none (31 August + 6 months = 28 February, or 29 in a leap year). Not moved to a working day: that is the
    deadlines calendar's business when the date ends a period."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, gregorian.monthrange(year, month)[1]))


def rule_by_code(code: str) -> Rule:
    """The rule with this code; ValidationFailed (field ``rule``) for an unknown one."""
    try:
        return RULES[code]
    except KeyError:
        known = "、".join(RULES)
        raise ValidationFailed.for_field(
            "rule", f"未知的期限规则“{code}”，可选：{known}", code="rule_unknown"
        ) from None
