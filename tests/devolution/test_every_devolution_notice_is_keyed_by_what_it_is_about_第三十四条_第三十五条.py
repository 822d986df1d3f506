"""Every notice devolution sends carries a dedupe key made from what it is about — the devolution, the
template, the audience and the devolution's version (its history length) — never a random id, so a
transaction that fails and is run again, or a step repeated, cannot notify anyone twice (notify drops a
key it has seen); a later round (a resubmission after supplements, 第三十四条) is a new version and
is announced."""

from __future__ import annotations

import re
from typing import Any

import pytest
from devolution_factories import READY_REVIEW, approval_decision, complete_application, deliver, sent

from services.devolution import usecases
from shared.contracts import APPROVAL_DECIDED, APPROVAL_REQUEST, NOTIFY_SEND
from shared.messaging import UnitOfWork

APPLICANT, OFFICE = "scjg.clerk", "bb.clerk"


def _post(client: Any, auth: Any, user: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/devolutions/{path}", json=body or {}, headers=auth(user))


def _whole_procedure(client: Any, auth: Any, devolution: Any) -> str:
    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth(APPLICANT))
    devolution_id = created.get_json()["id"]
    assert _post(client, auth, APPLICANT, f"{devolution_id}/submission").status_code == 200
    assert _post(client, auth, OFFICE, f"{devolution_id}/return", {"reasons": "请补充"}).status_code == 200
    assert _post(client, auth, APPLICANT, f"{devolution_id}/submission").status_code == 200
    assert _post(client, auth, OFFICE, f"{devolution_id}/review", READY_REVIEW).status_code == 200
    deliver(devolution, APPROVAL_DECIDED, approval_decision(sent(devolution, APPROVAL_REQUEST)[-1]), "intake")
    body = {"document_number": "甬编办〔2026〕12号", "document_date": "2026-03-02"}
    assert _post(client, auth, OFFICE, f"{devolution_id}/issuance", body).status_code == 200
    return devolution_id


def test_each_notice_of_a_devolution_has_its_own_key_and_a_resubmission_is_a_new_round_第三十四条(
    client, auth, devolution
) -> None:
    devolution_id = _whole_procedure(client, auth, devolution)
    keys = [notice["dedupe_key"] for notice in sent(devolution, NOTIFY_SEND)]
    assert len(keys) == len(set(keys)), keys
    assert all(key.startswith(f"devolution:{devolution_id}:") for key in keys)
    submitted = [key for key in keys if ":case_submitted:office:" in key]
    assert len(submitted) == 2  # the first submission and the resubmission after supplements
    issued = [key for key in keys if ":devolution_issued:" in key]
    audiences = sorted(key.split(":devolution_issued:")[1].rsplit(":v", 1)[0] for key in issued)
    assert audiences == ["applicant", "receivers:hs-scjg,yz-scjg"]


def test_the_same_procedure_run_twice_gives_the_same_keys_so_none_is_random_第三十五条(
    make_runtime, auth, devolution
) -> None:
    from devolution_factories import load_departments

    from services.devolution.app import create_app

    runs = []
    for runtime in (devolution, _fresh(make_runtime, load_departments)):
        client = create_app(runtime=runtime).test_client()
        devolution_id = _whole_procedure(client, auth, runtime)
        keys = [n["dedupe_key"].replace(devolution_id, "ID") for n in sent(runtime, NOTIFY_SEND)]
        # the power-list notice is keyed by its change row's number, which the shared test database counts on
        runs.append([re.sub(r"power_list_changed:\d+", "power_list_changed:N", key) for key in keys])
    assert runs[0] == runs[1]


def _fresh(make_runtime: Any, load_departments: Any) -> Any:
    runtime = make_runtime("devolution")
    load_departments(runtime)
    return runtime


def test_a_submission_whose_transaction_fails_and_is_run_again_announces_with_the_same_keys_第三十四条(
    client, auth, devolution, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth(APPLICANT))
    devolution_id = created.get_json()["id"]
    published: list[list[str]] = [[]]
    real_publish = UnitOfWork.publish

    def spy(self: UnitOfWork, queue: str, message_type: str, payload: dict[str, Any]) -> Any:
        if message_type == NOTIFY_SEND:
            published[-1].append(payload["dedupe_key"])
        return real_publish(self, queue, message_type, payload)

    monkeypatch.setattr(UnitOfWork, "publish", spy)
    real_record = usecases.idempotency.record
    failures = iter([RuntimeError("the database went away at the end of the transaction")])

    def failing_once(*args: Any, **kwargs: Any) -> None:
        error = next(failures, None)
        if error is not None:
            raise error
        real_record(*args, **kwargs)

    monkeypatch.setattr(usecases.idempotency, "record", failing_once)
    principal = usecases.Actor(APPLICANT, "周婷", "330200", "nb-scjg", frozenset({"dept_clerk"}))
    with pytest.raises(RuntimeError):
        usecases.submit(devolution, principal, devolution_id)
    assert sent(devolution, NOTIFY_SEND) == []  # rolled back: nothing left the outbox
    published.append([])
    usecases.submit(devolution, principal, devolution_id)

    assert published[0] and published[0] == published[1]
    assert [n["dedupe_key"] for n in sent(devolution, NOTIFY_SEND)] == published[1]
