"""浙政钉 address book ("mozi"): the organisations under a root, their employees, and employees' accountIds.

Calls are signed and sent by :class:`~shared.platform.zwd.ZwdGateway` like every open-platform call; the
answers nest their data in ``content`` (``{"success", "content": {"success", "data", "totalSize",
"responseCode"}}``). Paged calls are followed to the end (``pageNo`` from 1, ``pageSize`` at most 100).

Endpoints used (from the platform's SDK): ``/mozi/organization/pageSubOrganizationCodes``,
``/mozi/organization/getOrganizationByCode``, ``/mozi/organization/pageOrganizationEmployeePositions``,
``/mozi/employee/listEmployeeAccountIds``. Change events (``MOZI_VDS_TENANT_CHANGE|EMPLOYEE_ADD_UPDATE``,
``…|EMPLOYEE_LEAVE``, ``…|ORGANIZATION_ADD_UPDATE``) are subscribed with
``/openplatform/message/register_event_callback``; they only say *who* changed, so the receiver reads the
person again rather than trusting the event's body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.errors import ServiceUnavailable
from shared.platform.zwd import GatewayAnswer, ZwdGateway

SUB_ORGANIZATIONS = "/mozi/organization/pageSubOrganizationCodes"
ORGANIZATION = "/mozi/organization/getOrganizationByCode"
EMPLOYEE_POSITIONS = "/mozi/organization/pageOrganizationEmployeePositions"
ACCOUNT_IDS = "/mozi/employee/listEmployeeAccountIds"
REGISTER_CALLBACK = "/openplatform/message/register_event_callback"
EVENT_TAGS = (
    "MOZI_VDS_TENANT_CHANGE|EMPLOYEE_ADD_UPDATE",
    "MOZI_VDS_TENANT_CHANGE|EMPLOYEE_LEAVE",
    "MOZI_VDS_TENANT_CHANGE|ORGANIZATION_ADD_UPDATE",
)
PAGE_SIZE = 100


class AddressBookUnavailable(ServiceUnavailable):
    """Raised when the address book cannot be read now (network, platform error): nothing is changed."""

    default_code = "address_book_unavailable"
    default_title = "浙政钉通讯录暂时无法读取"


@dataclass(frozen=True)
class Organization:
    code: str
    name: str
    parent_code: str | None


@dataclass(frozen=True)
class Employee:
    code: str
    name: str
    organization_code: str
    title: str | None


def _content(answer: GatewayAnswer) -> Mapping[str, Any]:
    if answer.status is None or answer.body is None or answer.status >= 300:
        raise AddressBookUnavailable(f"浙政钉通讯录应答异常（{answer.network_error or answer.status}）")
    content = answer.body.get("content")
    if isinstance(content, str):
        content = json.loads(content)
    if (
        answer.body.get("success") is not True
        or not isinstance(content, dict)
        or content.get("success") is False
    ):
        detail = (content or {}).get("responseMessage") if isinstance(content, dict) else None
        raise AddressBookUnavailable(f"浙政钉通讯录拒绝了请求（{detail or answer.body.get('errorMsg')}）")
    return content


class AddressBook:
    """One tenant's address book."""

    def __init__(self, *, gateway: ZwdGateway, tenant_id: str) -> None:
        self.gateway = gateway
        self.tenant_id = tenant_id

    def _call(self, path: str, params: dict[str, Any]) -> Mapping[str, Any]:
        return _content(self.gateway.call("POST", path, {"tenantId": self.tenant_id, **params}))

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[Any]:
        page = 1
        while True:
            content = self._call(
                path, {**params, "pageNo": page, "pageSize": PAGE_SIZE, "returnTotalSize": "true"}
            )
            items = content.get("data") or []
            yield from items
            if len(items) < PAGE_SIZE or page * PAGE_SIZE >= int(content.get("totalSize") or 0):
                return
            page += 1

    def organization(self, code: str) -> Organization:
        data = self._call(ORGANIZATION, {"organizationCode": code}).get("data") or {}
        return Organization(
            code=str(data.get("organizationCode") or code),
            name=str(data.get("organizationName") or ""),
            parent_code=data.get("parentCode"),
        )

    def sub_organizations(self, code: str) -> list[str]:
        return [str(c) for c in self._pages(SUB_ORGANIZATIONS, {"organizationCode": code, "status": "A"})]

    def employees(self, organization_code: str) -> list[Employee]:
        found = []
        for item in self._pages(
            EMPLOYEE_POSITIONS, {"organizationCode": organization_code, "employeeStatus": "A"}
        ):
            found.append(
                Employee(
                    code=str(item["employeeCode"]),
                    name=str(item.get("employeeName") or ""),
                    organization_code=organization_code,
                    title=item.get("govEmpPosJob") or item.get("empPosJob") or None,
                )
            )
        return found

    def account_ids(self, employee_codes: Sequence[str]) -> dict[str, str]:
        """employee code → accountId, 100 codes a call."""
        found: dict[str, str] = {}
        for start in range(0, len(employee_codes), PAGE_SIZE):
            batch = list(employee_codes[start : start + PAGE_SIZE])
            content = self._call(ACCOUNT_IDS, {"employeeCodes": ",".join(batch)})
            for item in content.get("data") or []:
                found[str(item["employeeCode"])] = str(item["accountId"])
        return found

    def register_callback(self, callback_url: str) -> None:
        """Ask the platform to post the address book's change events to ``callback_url``."""
        self._call(REGISTER_CALLBACK, {"callbackUrl": callback_url, "eventTag": ",".join(EVENT_TAGS)})
