"""Names of the jurisdictions a deployment may serve, by their administrative division code (GB/T 2260).

The measures are the city's and its counties may adopt them (第三十九条); records carry the code, people read
the name. Services without a copy of intake's directory (deadlines) name a jurisdiction from this table;
a code it does not know is shown as "行政区划 <code>" rather than guessed.
"""

from __future__ import annotations

NAMES: dict[str, str] = {
    "330200": "宁波市",
    "330203": "海曙区",
    "330205": "江北区",
    "330206": "北仑区",
    "330211": "镇海区",
    "330212": "鄞州区",
    "330213": "奉化区",
    "330225": "象山县",
    "330226": "宁海县",
    "330281": "余姚市",
    "330282": "慈溪市",
}


def jurisdiction_name(code: str | None) -> str:
    if not code:
        return ""
    return NAMES.get(code, f"行政区划 {code}")
