"""One way to turn a value into plain JSON (for JSON columns, message payloads and history lines).

Dates and instants become ISO-8601 strings, enums their value, dataclasses and mappings objects, tuples and
lists arrays; with ``drop_none`` the keys whose value is ``None`` are left out (a payload says only what it
knows). Anything else is returned as it is, so a value JSON cannot hold fails where it is stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any


def jsonable(value: Any, *, drop_none: bool = False) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {
            str(k): jsonable(v, drop_none=drop_none)
            for k, v in value.items()
            if not (drop_none and v is None)
        }
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [jsonable(v, drop_none=drop_none) for v in items]
    return value
