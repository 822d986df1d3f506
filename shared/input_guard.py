"""Input no handler should ever see, refused before any view runs (a 4xx problem, nothing stored).

Every request's query string, form fields, upload names and JSON body are read once here:

- text with a NUL character (PostgreSQL cannot store it; SQLite stores it and later reads fail) —
  ``nul_character``;
- a lone UTF-16 surrogate such as ``"\\ud800"`` in JSON (not encodable as UTF-8) — ``invalid_unicode``;
- JSON nested deeper than :data:`MAX_JSON_DEPTH` (Python's parser would recurse until it fails) —
  ``json_too_deep``;
- an integer outside a database's 64-bit range, or a non-finite number — ``number_out_of_range``.

Each refusal names the field (``errors[].field``) and says in Chinese what is wrong with it. Narrower bounds
(page, offset, days) belong to each schema; this is the net under all of them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from flask import request

from shared.errors import ValidationFailed

MAX_JSON_DEPTH = 32
INT64_MAX = 2**63 - 1
_INTEGER = re.compile(r"^[+-]?\d+$")


def _text_problem(field: str, value: str) -> ValidationFailed | None:
    if "\x00" in value:
        return ValidationFailed.for_field(field, "不能包含空字符（NUL）", code="nul_character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        message = "含有无效的 Unicode 字符（孤立的代理项）"
        return ValidationFailed.for_field(field, message, code="invalid_unicode")
    return None


def _out_of_range(field: str) -> ValidationFailed:
    return ValidationFailed.for_field(field, "数值超出允许的范围", code="number_out_of_range")


def _beyond_int64(digits: str) -> bool:
    significant = digits.lstrip("+-").lstrip("0")
    return len(significant) > 19 or abs(int(digits)) > INT64_MAX


def _number_out_of_range(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    return isinstance(value, int) and abs(value) > INT64_MAX


def _walk(document: Any) -> Iterator[tuple[str, Any, int]]:
    """Every value of a parsed JSON document with its path and depth, without recursion."""
    stack: list[tuple[str, Any, int]] = [("", document, 0)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if isinstance(value, dict):
            for key, item in value.items():
                yield (f"{path}.{key}" if path else str(key)), str(key), depth + 1
                stack.append(((f"{path}.{key}" if path else str(key)), item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))


def check_json(data: bytes) -> None:
    """Refuse a JSON body with any of the faults above; a body that is not JSON is left to the parser."""
    try:
        document = json.loads(data)
    except RecursionError:
        raise ValidationFailed(
            f"请求体：JSON 嵌套过深（不超过 {MAX_JSON_DEPTH} 层）",
            code="json_too_deep",
            fields={"body": [f"JSON 嵌套过深（不超过 {MAX_JSON_DEPTH} 层）"]},
            status=400,
        ) from None
    except ValueError:
        return
    for path, value, depth in _walk(document):
        field = path or "body"
        if depth > MAX_JSON_DEPTH:
            raise ValidationFailed(
                f"{field}：JSON 嵌套过深（不超过 {MAX_JSON_DEPTH} 层）",
                code="json_too_deep",
                fields={field: [f"JSON 嵌套过深（不超过 {MAX_JSON_DEPTH} 层）"]},
                status=400,
            )
        if isinstance(value, str):
            problem = _text_problem(field, value)
            if problem is not None:
                raise problem
        elif isinstance(value, bool):
            continue
        elif _number_out_of_range(value):
            raise _out_of_range(field)


def check_request() -> None:
    """A ``before_request`` hook (after the caller is authorised, so an anonymous body is never read)."""
    for name, value in request.args.items(multi=True):
        problem = _text_problem(name, value)
        if problem is not None:
            raise problem
        if _INTEGER.match(value.strip()) and _beyond_int64(value.strip()):
            raise _out_of_range(name)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        data = request.get_data(cache=True)
        if data:
            check_json(data)
        return
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, value in request.form.items(multi=True):
            problem = _text_problem(name, value)
            if problem is not None:
                raise problem
        for name, upload in request.files.items(multi=True):
            problem = _text_problem(name, upload.filename or "")
            if problem is not None:
                raise ValidationFailed.for_field(name, "文件名不能包含空字符（NUL）", code="nul_character")
