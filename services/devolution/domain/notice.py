"""The written notice of 第三十四条 (书面告知): when the office's review concludes a devolution is not yet
ready, the applying department is told so in writing — a letter in the layout of GB/T 9704-2012 in
devolution's own series (甬编办下放函〔2026〕N号). Pure rules: what the letter says, from the devolution's
facts; the use case numbers it and renders it through :mod:`shared.documents`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.documents.model import Block

MEASURES = "《宁波市级党政部门职责管理办法》"
NOT_READY = "not_ready_notice"
NAMES = {NOT_READY: "暂不具备下放条件书面告知"}
ARTICLE = "第三十四条"


@dataclass(frozen=True)
class NoticeFacts:
    duty_name: str
    applicant: str  # the applying (devolving) department's name
    receivers: tuple[str, ...]  # the receiving departments' names
    reasons: str  # why it is not yet ready (the review's reasons)
    unmet: tuple[str, ...]  # the checklist items the review found not satisfied
    submitted_on: date | None = None


@dataclass(frozen=True)
class NoticeContent:
    title: str
    main_recipient: str
    body: tuple[Block, ...]
    copy_to: tuple[str, ...] = ()


def document_path(devolution_id: str, document_id: str, fmt: str) -> str:
    """Where a document's file (pdf or docx) is read: behind the login, by whoever may see the devolution."""
    return f"/devolution/{devolution_id}/documents/{document_id}/{fmt}"


def _cn(on: date | None) -> str:
    return f"{on.year}年{on.month}月{on.day}日" if on else ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？；…" else text + "。"


def not_ready(f: NoticeFacts) -> NoticeContent:
    """关于“X”职责暂不具备下放条件的函, to the applying department, copied to the receiving ones."""
    submitted = f"于{_cn(f.submitted_on)}" if f.submitted_on else ""
    body = [
        f"你单位{submitted}报送的关于下放“{f.duty_name}”职责的申请收悉。"
        f"根据{MEASURES}第三十三条、第三十四条规定，我办对申请事项进行了审核论证，"
        "认为该职责暂不具备下放条件。",
        _sentence(f"理由：{f.reasons}"),
        *([_sentence("审核未通过的事项：" + "；".join(f.unmet))] if f.unmet else []),
        "职责事项未经正式发文明确下放之前，相关责任仍由你单位负责。"
        "待条件具备后，可按照第三十三条规定重新提出申请。",
        "特此函告。",
    ]
    return NoticeContent(
        f"关于“{f.duty_name}”职责暂不具备下放条件的函",
        f.applicant,
        tuple(Block(b) for b in body),
        f.receivers,
    )
