"""marshmallow, the suite's way: every field labelled in Chinese (so a 422 names it), choices that say what
each value means, and schemas that build a typed command instead of handing a dict on.

- :class:`Labelled` prefixes each field's messages with its label: the field's ``metadata["label"]``, else
  the ``labels`` of the schema class (or of a base class), in that order.
- :func:`text`, :func:`codes` and :func:`choice` are the fields every service's forms are made of.
- A schema with ``builds = SomeCommand`` loads into ``SomeCommand(**data)``; nested schemas likewise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, post_load, validate

from shared.http import translate_message

#: the bounds of every list's paging parameters: far beyond any real list, far below what a database
#: integer holds (an offset or page past them is a 422 naming the field, never a database error)
MAX_OFFSET = 10_000_000
MAX_PAGE = 100_000
#: the largest row id a query parameter may name (PostgreSQL's ``integer``)
MAX_ID = 2**31 - 1


class Labelled(Schema):
    """Prefixes each field's messages with its Chinese label (see the module docstring)."""

    labels: ClassVar[dict[str, str]] = {}

    def label_of(self, name: str) -> str | None:
        field = self.fields.get(name)
        if field is not None and field.metadata.get("label"):
            return str(field.metadata["label"])
        for cls in type(self).__mro__:
            label = vars(cls).get("labels", {}).get(name)
            if label:
                return str(label)
        return None

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        labelled: dict[Any, Any] = {}
        for name, value in messages.items():
            label = self.label_of(str(name))
            if isinstance(value, list) and all(isinstance(m, str) for m in value):
                value = [f"{label}：{translate_message(m)}" if label else translate_message(m) for m in value]
            labelled[name] = value
        raise ValidationError(labelled)


class CommandSchema(Labelled):
    """A labelled schema that loads into the typed value named by ``builds`` (a dataclass)."""

    builds: ClassVar[type[Any] | None] = None

    @post_load
    def build(self, data: dict[str, Any], **_kwargs: Any) -> Any:
        return self.builds(**data) if self.builds is not None else data


def text(label: str, *, required: bool = True, max_length: int = 5000, **meta: Any) -> fields.String:
    """A text field: required ones may not be empty; every one has a maximum length."""
    return fields.String(
        required=required,
        validate=validate.Length(min=1 if required else 0, max=max_length),
        metadata={"label": label, "description": label, **meta},
    )


def codes(label: str, *, required: bool = True, min_items: int = 0, max_length: int = 40) -> fields.List:
    """A list of codes (department codes, attachment ids); an optional one defaults to ``[]``."""
    extra: dict[str, Any] = {"required": True} if required else {"load_default": list}
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=max_length)),
        validate=validate.Length(min=min_items),
        metadata={"label": label, "description": label},
        **extra,
    )


def choice(
    label: str,
    values: Iterable[Any],
    *,
    names: Mapping[Any, str] | None = None,
    required: bool = True,
    **extra: Any,
) -> fields.String:
    """One of ``values``; the description lists each value with its Chinese name when ``names`` gives one."""
    allowed = [v.value if isinstance(v, Enum) else str(v) for v in values]
    shown = {(k.value if isinstance(k, Enum) else str(k)): v for k, v in (names or {}).items()}
    listed = "、".join(f"{v}（{shown[v]}）" if v in shown else v for v in allowed)
    return fields.String(
        required=required,
        validate=validate.OneOf(allowed),
        metadata={
            "label": label,
            "description": f"{label}：{listed}",
            "names": {v: shown.get(v, v) for v in allowed},  # the page's options, in order
        },
        **extra,
    )
