"""What each written step of the measures says (书面): per step, the article, the actions whose record it
documents, its title, main recipient, body and copy-to line, built from the case's facts.

Pure rules: the use case (:mod:`services.intake.usecases.documents`) gathers the facts, numbers the document
and renders it through :mod:`shared.documents` (its states and retries: :mod:`shared.documents.rendering`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.documents.model import Block
from shared.errors import ValidationFailed
from shared.measures import RULES

MEASURES = "《宁波市级党政部门职责管理办法》"


@dataclass(frozen=True)
class Facts:
    """What a document may say about its case and the step it records."""

    case_id: str
    kind: str
    source: str
    title: str
    applicant: str  # the applicant's (or ordered department's) name
    parties: tuple[str, ...]  # the other departments' names
    reason: str  # what the step's record says (its reason, note, opinion)
    data: dict[str, Any] = field(default_factory=dict)  # the step's recorded data
    progress: dict[str, Any] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict)
    step_on: date | None = None
    received_on: date | None = None
    committee: str = "市委编委"

    @property
    def matter(self) -> str:
        """The case title without its leading 关于: 关于X的协调申请 → X的协调申请."""
        return self.title[2:] if self.title.startswith("关于") else self.title

    @property
    def quoted(self) -> str:
        return f"《{self.title}》"


@dataclass(frozen=True)
class Content:
    title: str
    main_recipient: str
    body: tuple[Block, ...]
    copy_to: tuple[str, ...] = ()
    addressed_to_applicant: bool = True


@dataclass(frozen=True)
class DocumentStep:
    code: str
    name: str
    article: str
    actions: tuple[str, ...]
    build: Callable[[Facts], Content]
    kinds: tuple[str, ...] = ("coordination",)
    sources: tuple[str, ...] | None = None  # only cases of these sources (the written interpretation)


def _cn(on: date | None) -> str:
    return f"{on.year}年{on.month}月{on.day}日" if on else ""


def _received(f: Facts) -> str:
    return f"你单位{('于' + _cn(f.received_on)) if f.received_on else ''}报送的{f.quoted}收悉。"


def _text(value: Any) -> str:
    return str(value).strip() if value else ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？；…" else text + "。"


def acceptance(f: Facts) -> Content:
    note = _text(f.reason)
    body = [
        _received(f) + f"经审查，符合{MEASURES}第十七条规定的受理条件，决定予以受理。",
        *([_sentence(f"审查意见：{note}")] if note else []),
        "我办将按照第十九条至第二十二条的规定组织协调，自受理之日起30个工作日内提出协调意见。"
        "协调期间，请你单位配合做好相关工作，紧急情况下先行处置并及时报告。",
        "特此函告。",
    ]
    return Content(f"关于{f.matter}予以受理的函", f.applicant, tuple(Block(b) for b in body), f.parties)


def rejection(f: Facts) -> Content:
    rejected = f.progress.get("rejection") or {}
    ground = _text(rejected.get("ground_name"))
    mechanism = _text(rejected.get("mechanism_name"))
    body = [
        _received(f) + f"经审查，该申请属于{MEASURES}第十七条规定不予受理的情形，决定不予受理。",
        *([_sentence(f"不予受理的情形：{ground}")] if ground else []),
        _sentence(f"理由：{_text(rejected.get('reasons')) or _text(f.reason)}"),
        *([_sentence(f"建议按照{mechanism}办理")] if mechanism else []),
        "特此函告。",
    ]
    return Content(f"关于{f.matter}不予受理的函", f.applicant, tuple(Block(b) for b in body))


def filing_opinion(f: Facts) -> Content:
    opinion = f.progress.get("filing_opinion") or {}
    outcome = _text(opinion.get("outcome"))
    text = _text(opinion.get("opinion")) or _text(f.reason)
    body = [
        _received(f) + f"根据{MEASURES}第十五条规定，经审查，现将备案意见反馈如下：",
        _sentence(f"备案意见：{outcome}"),
        *([_sentence(f"具体意见：{text}")] if text else []),
        "请按照协商一致的分工意见抓好落实。"
        if outcome.startswith("同意")
        else "请按照上述意见修改完善后重新报送。",
        "特此函告。",
    ]
    return Content(f"关于{f.matter}备案意见的函", f.applicant, tuple(Block(b) for b in body), f.parties)


def extension(f: Facts) -> Content:
    """第22条: the length is the one the step recorded (a district's or county's own, 第三十九条)."""
    days = f.data.get("working_days") or RULES["coordination_opinion"].extension_working_days
    body = [
        _received(f) + f"因{_sentence(_text(f.reason)).rstrip('。')}，"
        f"根据{MEASURES}第二十二条规定，经批准，该事项的办理期限延长{days}个工作日。",
        _sentence(f"延长理由：{_text(f.reason)}"),
        "特此函告。",
    ]
    return Content(f"关于延长{f.matter}办理期限的函", f.applicant, tuple(Block(b) for b in body), f.parties)


def suspension(f: Facts) -> Content:
    suspended = f.progress.get("suspension") or {}
    ground = _text(suspended.get("ground_name"))
    body = [
        f"关于{f.quoted}，根据{MEASURES}第二十五条规定，决定中止协调，中止期间不计入办理期限。",
        *([_sentence(f"中止情形：{ground}")] if ground else []),
        _sentence(f"中止理由：{_text(f.reason)}"),
        "中止情形消除后，我办将及时恢复协调并告知你单位。",
        "特此函告。",
    ]
    return Content(f"关于中止{f.matter}协调的函", f.applicant, tuple(Block(b) for b in body), f.parties)


def resumption(f: Facts) -> Content:
    body = [
        f"关于{f.quoted}，中止协调的情形已经消除，根据{MEASURES}第二十五条规定，决定恢复协调，"
        "办理期限自恢复之日起继续计算。",
        _sentence(f"恢复理由：{_text(f.reason)}"),
        "特此函告。",
    ]
    return Content(f"关于恢复{f.matter}协调的函", f.applicant, tuple(Block(b) for b in body), f.parties)


def termination(f: Facts) -> Content:
    body = [
        f"关于{f.quoted}，根据{MEASURES}第二十五条规定，决定终止协调。",
        _sentence(f"终止理由：{_text(f.reason)}"),
        "特此函告。",
    ]
    return Content(f"关于终止{f.matter}协调的函", f.applicant, tuple(Block(b) for b in body), f.parties)


def _draft(f: Facts, key: str) -> dict[str, Any]:
    draft = f.progress.get(key) or {}
    return draft if isinstance(draft, dict) else {}


def coordination_opinion(f: Facts) -> Content:
    draft = _draft(f, "coordination_opinion")
    everyone = "、".join((f.applicant, *f.parties))
    body = [
        f"关于{f.quoted}，我办根据{MEASURES}第十九条至第二十一条规定进行了协调，各方达成一致意见。现提出协调意见如下：",
        *(_sentence(p) for p in _text(draft.get("text")).splitlines() if p.strip()),
        *(
            [_sentence(f"涉及“三定”规定调整的说明：{_text(draft.get('special_explanation'))}")]
            if draft.get("changes_sanding") and draft.get("special_explanation")
            else []
        ),
        "请各有关部门按照本协调意见执行，并按照第二十四条规定及时报告执行情况。",
    ]
    return Content(f"关于{f.matter}的协调意见", everyone, tuple(Block(b) for b in body), ())


def determination(f: Facts) -> Content:
    draft = _draft(f, "determination")
    reasons = _text(f.progress.get("determination_reasons"))
    hearing = f.progress.get("hearing") or {}
    body = [
        f"关于{f.quoted}，经协调各方未能达成一致，根据{MEASURES}第二十一条规定，我办进行了分工认定。现将认定建议报告如下：",
        Block("一、争议事项和各方意见", 1).text,
        _sentence(_text(f.content.get("disputed_items")) or f.matter),
        *([_sentence(f"认定理由：{reasons}")] if reasons else []),
        *([_sentence(f"论证情况：{_text(hearing.get('summary'))}")] if hearing.get("summary") else []),
        Block("二、认定建议", 1).text,
        *(_sentence(p) for p in _text(draft.get("text")).splitlines() if p.strip()),
        "妥否，请审定。",
    ]
    levels = {"一、争议事项和各方意见": 1, "二、认定建议": 1}
    blocks = tuple(Block(b, levels.get(b, 0)) for b in body)
    return Content(f"关于{f.matter}分工认定的建议", f.committee, blocks, (f.applicant, *f.parties), False)


def interpretation(f: Facts) -> Content:
    draft = _draft(f, "interpretation") or _draft(f, "coordination_opinion")
    body = [
        f"关于{f.quoted}中对“三定”规定理解不一致的问题，根据{MEASURES}第二十六条规定，现作如下书面解释：",
        *(_sentence(p) for p in _text(draft.get("text")).splitlines() if p.strip()),
        "本解释自印发之日起执行。",
    ]
    everyone = "、".join((f.applicant, *f.parties))
    return Content(f"关于{f.matter}的书面解释", everyone, tuple(Block(b) for b in body), ())


def rectification_order(f: Facts) -> Content:
    ground = re.sub(r"^（[一二三四五六七八九十]+）", "", _text(f.content.get("ground_name")))
    due = f.content.get("due_date")
    due_text = _cn(date.fromisoformat(due)) if isinstance(due, str) and due else _text(due)
    basis = _text(f.content.get("basis"))
    evidence = [
        f"“三定”规定执行情况评估：{_text(f.content.get('evaluation_title'))}（{_text(f.content.get('evaluation_case_id'))}）"
        if f.content.get("evaluation_case_id")
        else "",
        f"职责下放事项：{_text(f.content.get('devolution_title'))}（{_text(f.content.get('devolution_id'))}）"
        if f.content.get("devolution_id")
        else "",
    ]
    shown = "；".join(e for e in evidence if e)
    body = [
        f"经监督检查，发现你单位存在{ground or '履行职责不到位'}的问题。",
        _sentence(f"主要事实：{_text(f.content.get('facts'))}"),
        *([_sentence(f"依据：{basis}")] if basis else []),
        *([_sentence(f"证据：{shown}")] if shown else []),
        f"根据{MEASURES}第三十七条规定，责令你单位限期纠正，请于{due_text}前纠正完毕，并将纠正情况书面报送我办。"
        "逾期未纠正或者纠正不到位的，将按照机构编制监督检查有关规定处理。",
        "特此通知。",
    ]
    return Content(f"关于责令{f.applicant}限期纠正的通知", f.applicant, tuple(Block(b) for b in body))


STEPS: dict[str, DocumentStep] = {
    step.code: step
    for step in (
        DocumentStep("acceptance", "受理通知", "第十七条", ("accept",), acceptance),
        DocumentStep("rejection", "不予受理告知", "第十七条", ("reject",), rejection),
        DocumentStep(
            "filing_opinion",
            "备案意见",
            "第十五条",
            ("file", "return_filing", "request_document"),
            filing_opinion,
            kinds=("filing",),
        ),
        DocumentStep("extension", "延期通知", "第二十二条", ("extend",), extension),
        DocumentStep("suspension", "中止协调通知", "第二十五条", ("suspend",), suspension),
        DocumentStep("resumption", "恢复协调通知", "第二十五条", ("resume",), resumption),
        DocumentStep("termination", "终止协调通知", "第二十五条", ("terminate",), termination),
        DocumentStep(
            "coordination_opinion", "协调意见", "第二十一条", ("submit_opinion",), coordination_opinion
        ),
        DocumentStep("determination", "分工认定建议", "第二十一条", ("submit_determination",), determination),
        DocumentStep(
            "interpretation",
            "书面解释",
            "第二十六条",
            ("interpret", "submit_opinion"),
            interpretation,
            sources=("interpretation",),
        ),
        DocumentStep(
            "rectification_order",
            "限期纠正通知",
            "第三十七条",
            ("order_rectification",),
            rectification_order,
            kinds=("rectification",),
        ),
    )
}
STEP_NAMES = {code: step.name for code, step in STEPS.items()}

#: the office's habit: the document of a written step is produced in the step itself — the letters when
#: the office records the step, the opinions that go through the leaders' approval when they are issued
#: (第二十四条 发文). The determination proposal goes on to the committee, never issued by the office: it is
#: made when the office asks for it.
APPROVED_OPINIONS = ("coordination_opinion", "determination", "interpretation")
PRODUCED_BY: dict[str, tuple[str, ...]] = {
    **{
        action: (code,)
        for code, step in STEPS.items()
        if code not in APPROVED_OPINIONS
        for action in step.actions
    },
    "issue": ("coordination_opinion", "interpretation"),
}


def produced_by(action: str, kind: str, source: str) -> tuple[str, ...]:
    """The documents that recording ``action`` produces at once on a case of this kind and source."""
    codes = PRODUCED_BY.get(action, ())
    if action == "issue":  # a written interpretation's case issues the interpretation, others the opinion
        codes = ("interpretation",) if source == "interpretation" else ("coordination_opinion",)
    return tuple(code for code in codes if _applies(STEPS[code], kind, source))


def _applies(step: DocumentStep, kind: str, source: str) -> bool:
    return kind in step.kinds and (step.sources is None or source in step.sources)


def step_for(code: str, kind: str, source: str) -> DocumentStep:
    """The step asked for, if the case's kind (and source) has it; a 422 naming ``step`` otherwise."""
    step = STEPS.get(code)
    if step is None:
        raise ValidationFailed.for_field("step", f"未知的文书类型：{code}", code="document_step_unknown")
    if kind not in step.kinds or (step.sources is not None and source not in step.sources):
        raise ValidationFailed.for_field(
            "step", f"该类事项没有“{step.name}”文书（{step.article}）", code="document_step_not_applicable"
        )
    return step
