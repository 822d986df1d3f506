"""The case API is documented: every step with its summary and errors; submissions with an example."""

from __future__ import annotations

from services.intake.api.cases import ROUTED_ACTIONS
from services.intake.app import create_app


def test_every_case_endpoint_is_in_the_openapi_document_with_its_errors(make_runtime) -> None:
    spec = create_app(runtime=make_runtime("intake")).test_client().get("/openapi.json").json
    paths = spec["paths"]
    for declared in ROUTED_ACTIONS:
        path, summary = declared.route, declared.summary
        operation = paths[f"/api/v1/cases/{{case_id}}/{path}"]["post"]
        assert operation["summary"] == summary
        assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
    for submission in ("filings", "coordination-applications"):
        operation = paths[f"/api/v1/cases/{submission}"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["example"]["title"]
        assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    listing = {p["name"] for p in paths["/api/v1/cases"]["get"]["parameters"]}
    assert {"status", "kind", "department", "overdue", "due_before", "page", "page_size"} <= listing
