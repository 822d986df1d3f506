"""The form of every case action, generated from the action's one declaration — never written per action.

Each action a person takes is declared once (:mod:`services.intake.usecases.case_actions`: command,
transition, handler, route) and its command is built by one schema (``schema_for``). This module reads that
schema and says how each of its fields shows on a page (:func:`fields_of`: label, widget, options, whether
required), and turns what was typed back into the JSON the same schema loads (:func:`load`), so the page and
the API build the same command, checked by the same rules. A refusal names the field as the form labels it
and sits beside it (:class:`shared.web.forms.Form`).

Widgets follow the field: a choice is radios (up to four options) or a select; a list of department codes is
a department picker; ``attachment_ids`` and ``*_attachment_id`` are file inputs (uploaded first, then their
ids go into the command); a date is a date input; a meeting time a datetime input read as Beijing time;
``solicitation_id``, ``meeting_id`` and ``member_department`` are chosen among the case's own solicitations,
meetings and member units.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from marshmallow import Schema, ValidationError, validate
from marshmallow import fields as mf

from services.intake.api.case_schemas import schema_for
from services.intake.usecases.case_actions import ACTIONS, CaseAction
from shared.errors import ValidationFailed
from shared.http import translate_message
from shared.web.forms import Form

#: lists of codes that name departments (a picker), the rest of the lists are typed one per line
DEPARTMENT_LISTS = frozenset(
    {
        "departments",
        "attendees",
        "told",
        "interim_told",
        "other_parties",
        "assisting_departments",
        "lead_departments",
        "supervising_departments",
        "related_departments",
        "shared_with",
    }
)
#: one department code (a select of departments)
ONE_DEPARTMENT = frozenset({"host_department", "department", "lead_department", "issued_by"})
#: fields chosen among the case's own records
PICKED = frozenset({"solicitation_id", "meeting_id", "member_department"})
#: rows a list of nested items shows (blank rows are left out of the command)
ROWS = 3
_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class FieldSpec:
    """How one field of an action's schema shows on the page."""

    name: str
    label: str
    widget: str  # text | textarea | date | datetime | number | checkbox | radios | select | departments
    #           | lines | file | files | pick | unsupported
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    hint: str | None = None
    #: the fields of a nested item (``group``: one; ``rows``: a list of them)
    inner: list[FieldSpec] = field(default_factory=list)
    rows: int = 0
    integers: bool = False

    def at(self, prefix: str) -> FieldSpec:
        """This field inside a nested item named ``prefix`` (``seals[0]``)."""
        return replace(self, name=f"{prefix}.{self.name}", inner=[replace(i) for i in self.inner])


def by_action() -> dict[str, CaseAction[Any]]:
    """Every routed action by its name (``withdraw``, ``solicit``, …)."""
    return {a.action: a for a in ACTIONS.values() if a.route is not None}


def _options(f: mf.Field) -> list[tuple[str, str]]:
    names = f.metadata.get("names")
    if names:
        return list(names.items())
    for v in f.validators:
        if isinstance(v, validate.OneOf):
            return [(str(c), str(c)) for c in v.choices]
    return []


def _max_length(f: mf.Field) -> int | None:
    for v in f.validators:
        if isinstance(v, validate.Length) and v.max is not None:
            return int(v.max)
    return None


def _spec(name: str, f: mf.Field) -> FieldSpec:
    label = str(f.metadata.get("label") or name)
    required = bool(f.required)
    description = f.metadata.get("description")
    hint = str(description) if description and description != label and "：" not in str(description) else None
    if name in PICKED:
        return FieldSpec(name, label, "pick", required)
    if name.endswith("_attachment_id"):
        return FieldSpec(name, label, "file", required)
    if isinstance(f, mf.Boolean):
        return FieldSpec(name, label, "checkbox", False)
    if isinstance(f, (mf.AwareDateTime, mf.DateTime)):
        return FieldSpec(name, label, "datetime", required, hint="北京时间")
    if isinstance(f, mf.Date):
        return FieldSpec(name, label, "date", required)
    if isinstance(f, mf.Integer):
        return FieldSpec(name, label, "number", required, hint=hint)
    if isinstance(f, mf.List):
        if name == "attachment_ids":
            return FieldSpec(name, label, "files", required)
        if isinstance(f.inner, mf.Nested):
            inner = [_spec(n, x) for n, x in f.inner.schema.fields.items() if not x.dump_only]
            return FieldSpec(name, label, "rows", required, inner=inner, rows=ROWS)
        if name in DEPARTMENT_LISTS:
            return FieldSpec(name, label, "departments", required)
        integers = isinstance(f.inner, mf.Integer)
        hint = "每行一个序号" if integers else "每行一项"
        return FieldSpec(name, label, "lines", required, hint=hint, integers=integers)
    if isinstance(f, mf.Nested):
        inner = [_spec(n, x) for n, x in f.schema.fields.items() if not x.dump_only]
        return FieldSpec(name, label, "group", required, inner=inner)
    if name in ONE_DEPARTMENT:
        return FieldSpec(name, label, "department", required)
    options = _options(f)
    if options:
        return FieldSpec(name, label, "radios" if len(options) <= 4 else "select", required, options)
    limit = _max_length(f)
    return FieldSpec(
        name, label, "text" if limit is not None and limit <= 200 else "textarea", required, hint=hint
    )


def schema_fields(schema: Schema) -> list[FieldSpec]:
    """The fields of a form for ``schema``, in its order."""
    return [_spec(name, f) for name, f in schema.fields.items() if not f.dump_only]


def fields_of(declared: CaseAction[Any]) -> list[FieldSpec]:
    """The fields of the action's form, in the schema's order."""
    return schema_fields(schema_for(declared.command)())


def labels(specs: list[FieldSpec], prefix: str = "") -> dict[str, str]:
    """Every field's label by name, nested ones as ``seals[].department`` (how :class:`Form` finds them)."""
    out: dict[str, str] = {}
    for spec in specs:
        name = f"{prefix}{spec.name}"
        out[name] = spec.label
        if spec.widget == "rows":
            out.update(labels(spec.inner, f"{name}[]."))
        elif spec.widget == "group":
            out.update(labels(spec.inner, f"{name}."))
    return out


def labels_of(declared: CaseAction[Any]) -> dict[str, str]:
    return labels(fields_of(declared))


def supported(declared: CaseAction[Any]) -> bool:
    """Whether every field of the action can be typed on the generated form (a page, not a JSON editor)."""
    return all(spec.widget != "unsupported" for spec in fields_of(declared))


def _aware(text: str) -> str:
    """``2026-12-10T09:30`` typed in a datetime input, read as Beijing time."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?", text):
        return text + "+08:00"
    return text


def to_data(
    specs: list[FieldSpec], form: Form, uploaded: Mapping[str, list[str]], prefix: str = ""
) -> dict[str, Any]:
    """What was typed as the JSON the schema loads; an empty optional field is left out, a blank row too."""
    data: dict[str, Any] = {}
    for spec in specs:
        name = f"{prefix}{spec.name}"
        if spec.widget == "rows":
            items = []
            index = 0
            while index < spec.rows or _typed(form, f"{name}[{index}]."):
                item = to_data(spec.inner, form, uploaded, f"{name}[{index}].")
                if any(v not in ("", [], False, None) for v in item.values()):
                    items.append(item)
                index += 1
                if index > 200:
                    break
            if items or spec.required:
                data[spec.name] = items
            continue
        if spec.widget == "group":
            inner = to_data(spec.inner, form, uploaded, f"{name}.")
            if spec.required or any(v not in (None, "", [], False) for v in inner.values()):
                data[spec.name] = inner  # an optional group left blank (交办信息 of 第二十六条) is not sent
            continue
        if spec.widget in ("file", "files"):
            ids = list(uploaded.get(name, [])) or [i for i in form.all(f"{name}.kept") if i]
            if spec.widget == "files":
                if ids or spec.required:
                    data[spec.name] = ids
            elif ids:
                data[spec.name] = ids[0]
            continue
        if spec.widget == "checkbox":
            data[spec.name] = form.checked(name)
            continue
        if spec.widget == "departments":
            chosen = [v for v in form.all(name) if v]
            if chosen or spec.required:
                data[spec.name] = chosen
            continue
        if spec.widget == "lines":
            lines: list[Any] = [line.strip() for line in form.value(name).splitlines() if line.strip()]
            if spec.integers:
                lines = [int(x) if re.fullmatch(r"\d+", x) else x for x in lines]
            if lines or spec.required:
                data[spec.name] = lines
            continue
        value = form.value(name).strip()
        if not value:
            continue
        if spec.widget == "number":
            data[spec.name] = int(value) if re.fullmatch(r"-?\d+", value) else value
        elif spec.widget == "datetime":
            data[spec.name] = _aware(value)
        else:
            data[spec.name] = value
    return data


def _typed(form: Form, prefix: str) -> bool:
    return any(k.startswith(prefix) and v for k, v in form.values.items(multi=True))


def file_fields(specs: list[FieldSpec], prefix: str = "") -> list[str]:
    """The names of every file input of the form (nested ones by their row)."""
    out: list[str] = []
    for spec in specs:
        name = f"{prefix}{spec.name}"
        if spec.widget in ("file", "files"):
            out.append(name)
        elif spec.widget == "group":
            out += file_fields(spec.inner, f"{name}.")
        elif spec.widget == "rows":
            for index in range(spec.rows):
                out += file_fields(spec.inner, f"{name}[{index}].")
    return out


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            for k, v in _flatten(value, f"{prefix}[{index}]").items():
                out.setdefault(k, []).extend(v)
    else:
        out[prefix] = [str(messages)]
    return out


def refusal(error: ValidationError, labels: Mapping[str, str]) -> ValidationFailed:
    """marshmallow's messages as the pages' refusal: by field, without the label the page puts before them."""
    fields: dict[str, list[str]] = {}
    for name, messages in _flatten(error.messages).items():
        label = labels.get(name) or labels.get(_INDEX.sub("[]", name)) or ""
        fields[name] = [m[len(label) + 1 :] if label and m.startswith(label + "：") else m for m in messages]
    return ValidationFailed("请更正标出的内容", code="form_invalid", fields=fields)


def load(schema: Schema, data: dict[str, Any], labels: Mapping[str, str]) -> Any:
    """The command the schema builds from ``data``; a :class:`ValidationFailed` naming each bad field."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise refusal(error, labels) from None


def values_from(specs: list[FieldSpec], data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Stored content as the form's values (the inverse of :func:`to_data`): a revision starts from what was
    submitted. Files stay as they are (their ids are kept)."""
    out: list[tuple[str, str]] = []
    for spec in specs:
        name, value = f"{prefix}{spec.name}", data.get(spec.name)
        if value in (None, "", []):
            continue
        if spec.widget == "rows" and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    out += values_from(spec.inner, item, f"{name}[{index}].")
        elif spec.widget == "group" and isinstance(value, Mapping):
            out += values_from(spec.inner, value, f"{name}.")
        elif spec.widget in ("file", "files"):
            out += [(f"{name}.kept", str(v)) for v in (value if isinstance(value, list) else [value])]
        elif spec.widget == "checkbox":
            if value:
                out.append((name, "on"))
        elif spec.widget == "departments":
            out += [(name, str(v)) for v in value]
        elif spec.widget == "lines":
            out.append((name, "\n".join(str(v) for v in value)))
        else:
            out.append((name, str(value)))
    return out


#: the hidden input that says how many rows a list showed (``rows.seals``), so that an empty row added by
#: 添加一行 stays when the form comes back
ROWS_FIELD = "rows."
#: the button (``name="intent"``) that asks for one more row of a list, without JavaScript
ADD_ROW = "add-row:"
#: the most rows a list shows (what :func:`to_data` reads)
MAX_ROWS = 200


def _shown_rows(form: Form, name: str) -> int:
    shown = form.value(f"{ROWS_FIELD}{name}")
    return int(shown) if shown.isdigit() else 0


def grown(specs: list[FieldSpec], form: Form, prefix: str = "", more: str | None = None) -> list[FieldSpec]:
    """The specs with as many rows as the form has typed (or showed), and one empty row more (a list never
    runs out); the list named ``more`` (the 添加一行 pressed) one row more again."""
    if more is None and not prefix:
        intent = form.value("intent")
        more = intent[len(ADD_ROW) :] if intent.startswith(ADD_ROW) else ""
    out = []
    for spec in specs:
        name = f"{prefix}{spec.name}"
        if spec.widget == "rows":
            count = 0
            while _typed(form, f"{name}[{count}]."):
                count += 1
            rows = max(spec.rows, count + 1, _shown_rows(form, name)) + (1 if more == name else 0)
            rows = min(rows, MAX_ROWS)
            # the inner rows grow by the widest row typed
            inner = spec.inner
            for index in range(max(count, rows)):
                inner = _widest(inner, grown(spec.inner, form, f"{name}[{index}].", more))
            out.append(replace(spec, rows=rows, inner=inner))
        elif spec.widget == "group":
            out.append(replace(spec, inner=grown(spec.inner, form, f"{name}.", more)))
        else:
            out.append(spec)
    return out


def _widest(a: list[FieldSpec], b: list[FieldSpec]) -> list[FieldSpec]:
    return [x if x.rows >= y.rows else y for x, y in zip(a, b, strict=True)]


# --- drafts: each typed value checked by its own field, nothing the measures require ---------------------


def _field_problems(f: mf.Field, value: Any, name: str, out: dict[str, list[str]]) -> None:
    if value in (None, "", [], False):
        return
    if isinstance(f, mf.List) and isinstance(value, list):
        inner = f.inner
        for index, item in enumerate(value):
            if isinstance(inner, mf.Nested) and isinstance(item, Mapping):
                _schema_problems(inner.schema, item, f"{name}[{index}].", out)
            elif not isinstance(inner, mf.Nested):
                _field_problems(inner, item, name, out)
        return
    if isinstance(f, mf.Nested) and isinstance(value, Mapping):
        _schema_problems(f.schema, value, f"{name}.", out)
        return
    try:
        f.deserialize(value)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, list) else [str(error.messages)]
        for m in messages:
            text = translate_message(str(m))
            if text not in out.get(name, []):
                out.setdefault(name, []).append(text)


def _schema_problems(schema: Schema, data: Mapping[str, Any], prefix: str, out: dict[str, list[str]]) -> None:
    for key, value in data.items():
        f = schema.fields.get(key)
        if f is not None and not key.endswith("attachment_id") and key != "attachment_ids":
            _field_problems(f, value, f"{prefix}{key}", out)


def draft_check(schema: Schema, specs: list[FieldSpec], form: Form) -> None:
    """A draft keeps a half-filled form, but not a value its field could never take (too long, not a
    number, not one of the choices): a :class:`ValidationFailed` naming each such field. Nothing required
    is asked for; no rule across fields runs."""
    problems: dict[str, list[str]] = {}
    _schema_problems(schema, to_data(specs, form, {}), "", problems)
    if problems:
        raise ValidationFailed(
            "草稿未保存：请更正标出的内容",
            code="draft_invalid",
            title="草稿未保存：请更正标出的内容",
            fields=problems,
        )


def adds_row(form: Form) -> bool:
    """Whether the form came back for 添加一行 (the button without JavaScript), not to be carried out."""
    return form.value("intent").startswith(ADD_ROW)
