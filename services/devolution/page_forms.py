"""The devolution application as a web form: its fields, their labels, and the way back and forth between
what a person types and the content the use cases take (the same shape as the API's ``ApplicationSchema``).

Inputs are named as the API names its fields (``reasons.legality``, ``support_measures[2].amount``,
``feedback[0].document_date``), so a refusal from the rules (``missing_items``, 第三十三条) lands beside the
input it is about. The five support measures (编制、人员、经费、培训、指导) are always the five rows, in
that order; feedback rows follow the chosen receiving and related departments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from services.devolution.domain.application import (
    BASIS_NAMES,
    FORBIDDEN_BASIS,
    REASON_ASPECTS,
    BasisKind,
    FeedbackPosition,
    SupportKind,
)
from shared.errors import ValidationFailed
from shared.web.forms import Form

BASIS_ROWS = 3
POSITION_NAMES = {
    FeedbackPosition.AGREE.value: "同意",
    FeedbackPosition.AGREE_WITH_SUGGESTIONS.value: "原则同意，有修改建议",
    FeedbackPosition.DISAGREE.value: "不同意",
}
ALLOWED_BASES = [(k.value, BASIS_NAMES[k]) for k in BasisKind if k not in FORBIDDEN_BASIS]

LABELS: dict[str, str] = {
    "duty_name": "职责名称",
    "legal_bases": "职责依据",
    "legal_bases[].type": "依据类型",
    "legal_bases[].name": "依据名称",
    "legal_bases[].provision": "条款",
    **{f"reasons.{key}": name for key, name in REASON_ASPECTS.items()},
    "performance.county_level": "县（市、区）一级的履职方式",
    "performance.township_level": "乡镇（街道）一级的履职方式",
    "support_measures": "保障措施",
    "support_measures[].description": "内容",
    "support_measures[].amount": "数量或金额",
    "support_measures[].unit": "单位",
    "support_measures[].due_date": "落实日期",
    "support_measures[].not_applicable": "不涉及",
    "receiving_departments": "承接部门",
    "related_departments": "关联部门",
    "feedback": "书面反馈意见",
    "feedback[].document_title": "反馈文件名称",
    "feedback[].document_date": "反馈文件日期",
    "feedback[].position": "反馈意见",
    "feedback[].summary": "意见摘要",
    "feedback[].file": "反馈文件扫描件",
}


def feedback_rows(receiving: Sequence[str], related: Sequence[str]) -> list[tuple[str, str]]:
    """(department, role) of every written feedback the application needs, in the form's order."""
    return [(code, "receiving") for code in receiving] + [(code, "related") for code in related]


def content_to_form(content: Mapping[str, Any]) -> Form:
    """The stored application as form values."""
    values: list[tuple[str, Any]] = [("duty_name", content.get("duty_name", ""))]
    for index, basis in enumerate(content.get("legal_bases") or []):
        values += [(f"legal_bases[{index}].{k}", basis.get(k, "")) for k in ("type", "name", "provision")]
    for key in REASON_ASPECTS:
        values.append((f"reasons.{key}", (content.get("reasons") or {}).get(key, "")))
    for key in ("county_level", "township_level"):
        values.append((f"performance.{key}", (content.get("performance") or {}).get(key, "")))
    measures = {m.get("kind"): m for m in content.get("support_measures") or []}
    for index, kind in enumerate(SupportKind):
        measure = measures.get(kind.value, {})
        for k in ("description", "amount", "unit", "due_date"):
            values.append((f"support_measures[{index}].{k}", as_text(measure.get(k))))
        if measure.get("not_applicable"):
            values.append((f"support_measures[{index}].not_applicable", "on"))
    values += [("receiving_departments", code) for code in content.get("receiving_departments") or []]
    values += [("related_departments", code) for code in content.get("related_departments") or []]
    feedback = {(f.get("department"), f.get("role")): f for f in content.get("feedback") or []}
    rows = feedback_rows(content.get("receiving_departments") or [], content.get("related_departments") or [])
    for index, row_key in enumerate(rows):
        item = feedback.get(row_key, {})
        for k in ("document_title", "document_date", "position", "summary"):
            values.append((f"feedback[{index}].{k}", as_text(item.get(k))))
    return Form.of(values, LABELS)


def as_text(value: Any) -> str:
    """A stored value as a form shows it (30.0 as 30, None as nothing)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def form_to_content(form: Form) -> dict[str, Any]:
    """What was typed as the application's content; ValidationFailed (every bad field) for what cannot be
    read at all (a date or an amount that is not one). Incompleteness is the rules' business, not this."""
    errors: dict[str, list[str]] = {}
    content: dict[str, Any] = {"duty_name": form.value("duty_name").strip()}
    if not content["duty_name"]:
        errors["duty_name"] = ["请填写职责名称"]
    content["legal_bases"] = _bases(form, errors)
    content["reasons"] = {key: form.value(f"reasons.{key}").strip() for key in REASON_ASPECTS}
    content["performance"] = {
        key: form.value(f"performance.{key}").strip() for key in ("county_level", "township_level")
    }
    content["support_measures"] = [
        _measure(form, index, kind, errors) for index, kind in enumerate(SupportKind)
    ]
    receiving = list(dict.fromkeys(form.all("receiving_departments")))
    related = [c for c in dict.fromkeys(form.all("related_departments")) if c not in receiving]
    content["receiving_departments"], content["related_departments"] = receiving, related
    content["feedback"] = _feedback(form, receiving, related, errors)
    if errors:
        raise ValidationFailed("请更正标出的内容", code="form_invalid", fields=errors)
    return content


def _bases(form: Form, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    bases = []
    index = 0
    while f"legal_bases[{index}].type" in form.values or f"legal_bases[{index}].name" in form.values:
        kind, name = (
            form.value(f"legal_bases[{index}].type"),
            form.value(f"legal_bases[{index}].name").strip(),
        )
        provision = form.value(f"legal_bases[{index}].provision").strip()
        if name or provision:
            if kind not in BasisKind._value2member_map_:
                errors[f"legal_bases[{index}].type"] = ["请选择依据类型"]
            bases.append({"type": kind or "law", "name": name, "provision": provision})
            if not name:
                errors[f"legal_bases[{index}].name"] = ["请填写依据名称"]
        index += 1
    return bases


def _measure(form: Form, index: int, kind: SupportKind, errors: dict[str, list[str]]) -> dict[str, Any]:
    prefix = f"support_measures[{index}]"
    amount_text = form.value(f"{prefix}.amount").strip()
    amount: float | None = None
    if amount_text:
        try:
            amount = float(amount_text)
            if amount < 0:
                raise ValueError
        except ValueError:
            errors[f"{prefix}.amount"] = ["请填写不小于 0 的数字"]
    return {
        "kind": kind.value,
        "description": form.value(f"{prefix}.description").strip(),
        "amount": amount,
        "unit": form.value(f"{prefix}.unit").strip(),
        "due_date": _date(form, f"{prefix}.due_date", errors),
        "not_applicable": form.checked(f"{prefix}.not_applicable"),
    }


def _feedback(
    form: Form, receiving: list[str], related: list[str], errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """Feedback rows as typed for the departments shown; a row appears once its department is chosen."""
    shown = form.all("feedback_departments")
    typed = {code: index for index, code in enumerate(shown)}
    items = []
    for department, role in feedback_rows(receiving, related):
        index = typed.get(f"{department}:{role}")
        if index is None:
            continue  # chosen just now: its row is on the form after this save
        prefix = f"feedback[{index}]"
        position = form.value(f"{prefix}.position")
        item = {
            "department": department,
            "role": role,
            "document_title": form.value(f"{prefix}.document_title").strip(),
            "document_date": _date(form, f"{prefix}.document_date", errors),
            "position": position if position in POSITION_NAMES else FeedbackPosition.AGREE.value,
            "summary": form.value(f"{prefix}.summary").strip(),
        }
        if item["document_title"] or item["document_date"] or position:
            items.append(item)
    return items


def _date(form: Form, name: str, errors: dict[str, list[str]]) -> str | None:
    text = form.value(name).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        errors[name] = ["请填写有效的日期"]
        return None
