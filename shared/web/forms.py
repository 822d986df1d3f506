"""Forms that keep what was typed: on an error the page shows every value again, and each message beside
its field, naming the field as the form labels it.

A page builds a :class:`Form` from the request (``Form.posted(labels)``) or from stored values, hands it to
the template, and the macros of ``web/forms.html`` render each field with its label, value and errors. When
a use case refuses (an :class:`~shared.errors.AppError`), :meth:`Form.with_error` places each of its
``fields`` beside the input of the same name — the form's inputs are named as the API names its fields
(``reasons.legality``, ``support_measures[0].amount``), so a refusal lands where the person typed — and a
message for a field the form does not show goes to the summary at the top, with the field's label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from shared.errors import AppError

_INDEX = re.compile(r"\[\d+\]")


@dataclass
class Form:
    """Values (as typed, strings), errors by field, and the labels the page shows for its fields."""

    values: MultiDict[str, str] = field(default_factory=MultiDict)
    labels: Mapping[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str | None = None
    #: errors for fields the form does not show, already prefixed with their label
    general: list[str] = field(default_factory=list)

    @classmethod
    def posted(cls, labels: Mapping[str, str] | None = None) -> Form:
        """The submitted form, every value as typed (the CSRF token left out)."""
        values: MultiDict[str, str] = MultiDict(
            (k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"
        )
        return cls(values=values, labels=labels or {})

    @classmethod
    def of(
        cls, values: Mapping[str, Any] | Iterable[tuple[str, Any]], labels: Mapping[str, str] | None = None
    ) -> Form:
        """A form filled from stored values (``None`` shows as empty)."""
        items = values.items() if isinstance(values, Mapping) else values
        pairs = [(k, "" if v is None else str(v)) for k, v in items]
        return cls(values=MultiDict(pairs), labels=labels or {})

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def all(self, name: str) -> list[str]:
        return self.values.getlist(name)

    def checked(self, name: str, value: str = "on") -> bool:
        return value in self.values.getlist(name)

    def error(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    def label(self, name: str) -> str:
        """The label of a field, also for ``items[2].name`` (the label of ``items[].name``)."""
        return self.labels.get(name) or self.labels.get(_INDEX.sub("[]", name)) or ""

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.general or self.message)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def with_error(self, error: AppError, shown: Iterable[str] | None = None) -> Form:
        """Place ``error`` on the form: each field's messages beside it, the rest in the summary."""
        on_form = set(shown) if shown is not None else set(self.labels) | set(self.values.keys())
        self.message = error.detail if not error.fields else error.title
        for name, messages in error.fields.items():
            target = name if name in on_form or _INDEX.sub("[]", name) in on_form else None
            if target is None:
                parent = _nearest_shown(name, on_form)
                if parent:
                    target = parent
            if target is not None:
                for message in messages:
                    self.add(target, message)
            else:
                label = self.label(name) or name
                self.general.extend(f"{label}：{m}" for m in messages)
        return self


def _nearest_shown(name: str, on_form: set[str]) -> str | None:
    """``support_measures[3].amount`` not on the form → ``support_measures`` if that is."""
    parts = re.split(r"[.\[]", name)
    candidate = ""
    best = None
    for part in parts:
        part = part.rstrip("]")
        candidate = f"{candidate}.{part}" if candidate else part
        if candidate in on_form:
            best = candidate
    return best
