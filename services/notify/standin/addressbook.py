"""The stand-in's address book ("mozi"): organisations and employees as the platform serves them, and the
change events it posts to a registered callback — so that the directory sync runs end to end under
``make run`` and in the tests.

By default the book is the demo directory: a root organisation per jurisdiction (``GO_<code>``), a
sub-organisation per department (``GO_<department code>``), an employee (``GE_demo_<accountId>``) per
person. ``POST /sandbox/addressbook/employees`` adds or moves someone, ``DELETE
/sandbox/addressbook/employees/<code>`` makes them leave; both post the matching event to every callback.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import requests
from flask import Blueprint, Response, current_app, jsonify, request

from services.notify.standin.app import (
    _apply_fault,
    _gateway_params,
    _state,
    check_gateway_signature,
    sp_result,
)
from shared.platform.zwd import PlatformCodes

addressbook = Blueprint("addressbook", __name__)
BOOK_KEY = "standin.addressbook"
LEAVE, ADD_UPDATE = "MOZI_VDS_TENANT_CHANGE|EMPLOYEE_LEAVE", "MOZI_VDS_TENANT_CHANGE|EMPLOYEE_ADD_UPDATE"


class Book:
    """Organisations and employees, changed through the sandbox; every method takes the lock."""

    def __init__(
        self, organizations: dict[str, dict[str, Any]], employees: dict[str, dict[str, Any]]
    ) -> None:
        self.organizations = organizations
        self.employees = employees
        self.callbacks: list[str] = []
        self.lock = threading.Lock()


def demo_book() -> Book:
    from shared.demo import JURISDICTIONS, demo_directory

    directory = demo_directory()
    organizations: dict[str, dict[str, Any]] = {
        f"GO_{j['code']}": {"name": j["name"], "parent": None} for j in JURISDICTIONS
    }
    for department in directory.departments:
        organizations[f"GO_{department['code']}"] = {
            "name": department["name"],
            "parent": f"GO_{department['jurisdiction_code']}",
        }
    employees = {
        f"GE_demo_{person['zwd_account_id']}": {
            "name": person["name"],
            "organization": f"GO_{person['department_code']}",
            "title": person.get("title"),
            "accountId": str(person["zwd_account_id"]),
        }
        for person in directory.people
        if person.get("zwd_account_id")
    }
    return Book(organizations, employees)


def _book() -> Book:
    app = current_app
    if BOOK_KEY not in app.extensions:
        app.extensions[BOOK_KEY] = demo_book()
    return app.extensions[BOOK_KEY]


def _params() -> dict[str, str] | Response:
    fault = _apply_fault("zwd")  # the address book is on the same gateway: its faults apply
    if fault is not None:
        return fault
    _api_key, refusal = check_gateway_signature()
    if refusal is not None:
        return refusal
    return {name: values[0] for name, values in _gateway_params().items()}


def _page(items: list[Any], params: dict[str, str]) -> Response:
    number, size = max(int(params.get("pageNo") or 1), 1), min(int(params.get("pageSize") or 100), 100)
    chunk = items[(number - 1) * size : number * size]
    response = sp_result(chunk)
    body = response.get_json()
    body["content"]["totalSize"] = len(items)
    return jsonify(body)


@addressbook.post("/mozi/organization/pageSubOrganizationCodes")
def sub_organizations() -> Response:
    params = _params()
    if isinstance(params, Response):
        return params
    book = _book()
    with book.lock:
        codes = [c for c, o in book.organizations.items() if o["parent"] == params.get("organizationCode")]
    return _page(sorted(codes), params)


@addressbook.post("/mozi/organization/getOrganizationByCode")
def organization() -> Response:
    params = _params()
    if isinstance(params, Response):
        return params
    book = _book()
    code = params.get("organizationCode", "")
    with book.lock:
        found = book.organizations.get(code)
    if found is None:
        return sp_result(code=PlatformCodes.INVALID_PARAMETER, message="组织不存在")
    return sp_result(
        {"organizationCode": code, "organizationName": found["name"], "parentCode": found["parent"]}
    )


@addressbook.post("/mozi/organization/pageOrganizationEmployeePositions")
def employee_positions() -> Response:
    params = _params()
    if isinstance(params, Response):
        return params
    book = _book()
    with book.lock:
        people = [
            {"employeeCode": code, "employeeName": e["name"], "govEmpPosJob": e.get("title")}
            for code, e in sorted(book.employees.items())
            if e["organization"] == params.get("organizationCode")
        ]
    return _page(people, params)


@addressbook.post("/mozi/employee/listEmployeeAccountIds")
def account_ids() -> Response:
    params = _params()
    if isinstance(params, Response):
        return params
    book = _book()
    codes = [c for c in params.get("employeeCodes", "").split(",") if c]
    with book.lock:
        found = [
            {"employeeCode": c, "accountId": book.employees[c]["accountId"], "accountCode": f"demo{c}"}
            for c in codes
            if c in book.employees
        ]
    return sp_result(found)


@addressbook.post("/openplatform/message/register_event_callback")
def register_callback() -> Response:
    params = _params()
    if isinstance(params, Response):
        return params
    url = params.get("callbackUrl", "")
    if not url.startswith(("http://", "https://")):
        return sp_result(code=PlatformCodes.INVALID_PARAMETER, message="callbackUrl 无效")
    book = _book()
    with book.lock:
        if url not in book.callbacks:
            book.callbacks.append(url)
    _state().record("event_callback", accepted=True, code="0", url=url)
    return sp_result({"registered": True})


def _post_event(tag: str, employee_codes: list[str]) -> list[int]:
    """Post one change event to every callback; the answers' status codes."""
    book = _book()
    event: dict[str, Any] = {
        "eventId": uuid.uuid4().hex,
        "eventTag": tag,
        "tenantId": str(current_app.config["TENANT_ID"]),
        "content": {"employeeCodes": employee_codes},
    }
    codes = []
    for url in list(book.callbacks):
        try:
            codes.append(requests.post(url, json=event, timeout=10).status_code)
        except requests.RequestException:
            codes.append(0)
    _state().record("address_book_event", accepted=True, code="0", tag=tag, employees=employee_codes)
    return codes


@addressbook.post("/sandbox/addressbook/employees")
def add_or_move() -> Response:
    body = request.get_json(silent=True) or {}
    code, organization_code = str(body.get("employeeCode", "")), str(body.get("organization", ""))
    book = _book()
    with book.lock:
        if not code or organization_code not in book.organizations or not body.get("accountId"):
            return Response("employeeCode、organization、accountId 必填且组织须存在", status=400)
        book.employees[code] = {
            "name": str(body.get("name", "")),
            "organization": organization_code,
            "title": body.get("title"),
            "accountId": str(body["accountId"]),
        }
    return jsonify({"callbacks": _post_event(ADD_UPDATE, [code])})


@addressbook.delete("/sandbox/addressbook/employees/<code>")
def leave(code: str) -> Response:
    book = _book()
    with book.lock:
        if book.employees.pop(code, None) is None:
            return Response("没有这名员工", status=404)
    return jsonify({"callbacks": _post_event(LEAVE, [code])})
