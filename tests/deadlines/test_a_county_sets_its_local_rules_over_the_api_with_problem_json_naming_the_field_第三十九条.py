"""第39条 over the API: ``PUT /api/v1/local-rules/<setting>`` lets a district's or county's office admin set
its reply range (第二十条), extension (第二十二条) or reminder plan with its local document; a wrong one is
answered with problem+json (code ``local_rule_invalid``) naming each field in Chinese; the city's are the
measures' and cannot be set; ``GET /api/v1/local-rules`` shows the caller's own jurisdiction's only."""

from __future__ import annotations

from typing import Any

from services.deadlines.app import create_app
from shared.auth import issue_token
from shared.identity import Principal

HAISHU, NINGBO = "330203", "330200"
SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第二十条"


def _headers(runtime: Any, jurisdiction: str, role: str = "office_admin") -> dict[str, str]:
    principal = Principal("x.admin", "梁宇", jurisdiction, "x-bb", frozenset({role}))
    token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


def test_a_wrong_local_rule_is_refused_with_problem_json_naming_each_field_第二十条_第三十九条(deadlines):
    api, haishu = create_app(runtime=deadlines).test_client(), _headers(deadlines, HAISHU)
    refused = api.put(
        "/api/v1/local-rules/reply_range",
        json={"min_working_days": 12, "max_working_days": 8, "source": " "},
        headers=haishu,
    )
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    problem = refused.json
    assert problem["code"] == "local_rule_invalid"
    errors = {e["field"]: e["messages"][0] for e in problem["errors"]}
    assert errors == {
        "max_working_days": "“答复期限上限（工作日）”不能小于下限",
        "source": "应写明规定这一事项的本地文件名称及文号（第三十九条）",
    }
    missing = api.put("/api/v1/local-rules/extension", json={"source": SOURCE}, headers=haishu)
    assert missing.status_code == 422
    assert (
        "延长期限（工作日）" in {e["field"]: e["messages"][0] for e in missing.json["errors"]}["working_days"]
    )
    unknown = api.put("/api/v1/local-rules/holidays", json={"source": SOURCE}, headers=haishu)
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "setting"

    city = api.put(
        "/api/v1/local-rules/extension",
        json={"working_days": 20, "source": SOURCE},
        headers=_headers(deadlines, NINGBO),
    )
    assert city.status_code == 422 and city.json["errors"][0]["field"] == "jurisdiction"
    clerk = api.put(
        "/api/v1/local-rules/extension",
        json={"working_days": 20, "source": SOURCE},
        headers=_headers(deadlines, HAISHU, "office_clerk"),
    )
    assert clerk.status_code == 403


def test_a_county_admin_sets_its_range_and_each_office_sees_only_its_own_第二十条_第三十九条(deadlines):
    api, haishu = create_app(runtime=deadlines).test_client(), _headers(deadlines, HAISHU)
    saved = api.put(
        "/api/v1/local-rules/reply_range",
        json={"min_working_days": 7, "max_working_days": 15, "source": SOURCE},
        headers=haishu,
    )
    assert saved.status_code == 200
    mine = {s["setting"]: s for s in saved.json["settings"]}
    assert (mine["reply_range"]["own"], mine["reply_range"]["source"]) == ("7至15个工作日", SOURCE)
    assert mine["extension"]["own"] is None and mine["extension"]["city"] == "可延长一次30个工作日"
    city = api.get("/api/v1/local-rules", headers=_headers(deadlines, NINGBO, "office_clerk")).json
    assert city["jurisdiction"] == NINGBO
    assert all(s["own"] is None for s in city["settings"])


def test_a_county_admin_goes_back_to_the_measures_naming_the_document_第三十九条(deadlines):
    api, haishu = create_app(runtime=deadlines).test_client(), _headers(deadlines, HAISHU)
    body = {"working_days": 15, "source": SOURCE}
    assert api.put("/api/v1/local-rules/extension", json=body, headers=haishu).status_code == 200
    no_document = api.post("/api/v1/local-rules/extension/withdrawal", json={"source": " "}, headers=haishu)
    assert no_document.status_code == 422 and no_document.json["errors"][0]["field"] == "source"
    back = api.post(
        "/api/v1/local-rules/extension/withdrawal", json={"source": "海编委〔2026〕9号"}, headers=haishu
    )
    assert back.status_code == 200
    assert {s["setting"]: s["own"] for s in back.json["settings"]}["extension"] is None
    again = api.post(
        "/api/v1/local-rules/extension/withdrawal", json={"source": "海编委〔2026〕9号"}, headers=haishu
    )
    assert again.status_code == 200  # nothing set: nothing changes
