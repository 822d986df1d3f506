"""The contract is the truth: a property-based fuzzer (schemathesis) sends every operation of each
service's OpenAPI document generated requests, as an office administrator, and fails on any server error,
any status the document does not declare, any media type it does not declare, any response outside its
schema. Bounded for CI (``DM_FUZZ_EXAMPLES`` per operation, 3 by default); ``make fuzz`` runs it longer."""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from services.intake.usecases import directory
from shared import demo
from shared.auth import Principal, issue_token

EXAMPLES = int(os.environ.get("DM_FUZZ_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
ROLES = frozenset({"office_admin", "office_clerk", "office_division_head", "office_leader"})


@pytest.mark.parametrize("service", ["intake", "deadlines", "devolution", "notify"])
def test_generated_requests_get_only_documented_answers_from_every_service(make_runtime, service) -> None:
    module = __import__(f"services.{service}.app", fromlist=["create_app"])
    runtime = make_runtime(service)
    if service == "intake":
        directory.load_directory(runtime, demo.demo_directory())
    app = module.create_app(runtime=runtime)
    token = issue_token(
        Principal("bb.admin", "赵磊", "330200", "nb-bb", ROLES),
        secret=runtime.settings.secret_key,
        ttl_seconds=3600,
    )
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    failures: list[str] = []
    sent = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def probe(case) -> None:  # type: ignore[no-untyped-def]
            nonlocal sent
            sent += 1
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup
                lines = [line for line in str(exc).splitlines() if line.strip()][:8]
                failures.append(f"{operation.label}: {' | '.join(lines)}")  # noqa: B023

        probe()  # at once, in this iteration: the operation it closes over is this one
    elapsed = time.monotonic() - started
    print(f"\n{service}: {sent} generated requests in {elapsed:.1f} s, {len(failures)} failed")
    assert not failures, "\n".join(sorted(set(failures))[:20])
