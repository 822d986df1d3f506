"""Factories for the devolution tests: departments, users, a complete application and a ready review."""

from __future__ import annotations

import copy
from typing import Any

from shared.contracts import DEPARTMENT_UPSERTED
from shared.messaging import Envelope
from shared.runtime import ServiceRuntime

NINGBO, HAISHU, YINZHOU = "330200", "330203", "330212"

#: A formal issuance more than half a year back: its half-year report (第三十五条) is accepted from
#: 2026-10-30 (a Friday, so also its due date). Tests that send the half-year report issue on it; the
#: rule refuses one sent earlier unless it is marked as an interim report (中期报告).
ISSUED_OVER_HALF_A_YEAR_AGO, HALF_YEAR_REACHED = "2026-04-30", "2026-10-30"

DEPARTMENTS = [
    ("nb-bb", NINGBO, "中共宁波市委机构编制委员会办公室"),
    ("nb-scjg", NINGBO, "宁波市市场监督管理局"),
    ("nb-zhzf", NINGBO, "宁波市综合行政执法局"),
    ("nb-nyj", NINGBO, "宁波市农业农村局"),
    ("hs-scjg", HAISHU, "海曙区市场监督管理局"),
    ("yz-scjg", YINZHOU, "鄞州区市场监督管理局"),
]

# user id → (jurisdiction, department, roles)
USERS = {
    "scjg.clerk": (NINGBO, "nb-scjg", {"dept_clerk"}),  # 申请（下放）部门
    "hs.scjg.clerk": (HAISHU, "hs-scjg", {"dept_clerk"}),  # 承接部门
    "yz.scjg.clerk": (YINZHOU, "yz-scjg", {"dept_clerk"}),  # 另一承接部门
    "zhzf.clerk": (NINGBO, "nb-zhzf", {"dept_clerk"}),  # 关联部门
    "nyj.clerk": (NINGBO, "nb-nyj", {"dept_clerk"}),  # 无关部门
    "bb.clerk": (NINGBO, "nb-bb", {"office_clerk"}),
    "bb.head": (NINGBO, "nb-bb", {"office_division_head"}),
    "hs.bb.clerk": (HAISHU, "hs-bb", {"office_clerk"}),
}

COMPLETE_APPLICATION: dict[str, Any] = {
    "duty_name": "食品小作坊登记",
    "legal_bases": [
        {
            "type": "law",
            "name": "浙江省食品小作坊小餐饮店小食杂店和食品摊贩管理规定",
            "provision": "第十条",
        }
    ],
    "reasons": {
        "legality": "地方性法规规定由县级市场监督管理部门登记，下放于法有据",
        "rationality": "小作坊分布在乡镇，就近登记便于群众",
        "necessity": "基层管理迫切需要且能有效承担",
        "coordination": "与乡镇综合行政执法队伍的巡查衔接",
        "support": "编制、经费和培训同步下沉",
    },
    "performance": {
        "county_level": "区县（市）市场监督管理局负责登记和监督",
        "township_level": "市场监管所负责受理、现场核查",
    },
    "support_measures": [
        {
            "kind": "staffing_posts",
            "description": "行政编制",
            "amount": 2,
            "unit": "名",
            "due_date": "2027-01-31",
        },
        {
            "kind": "personnel",
            "description": "划转业务骨干",
            "amount": 2,
            "unit": "人",
            "due_date": "2027-01-31",
        },
        {
            "kind": "funds",
            "description": "专项工作经费",
            "amount": 30,
            "unit": "万元",
            "due_date": "2026-12-31",
        },
        {
            "kind": "training",
            "description": "登记业务培训",
            "amount": 2,
            "unit": "期",
            "due_date": "2027-02-28",
        },
        {"kind": "guidance", "description": "驻点指导", "amount": 6, "unit": "月", "due_date": "2027-06-30"},
    ],
    "receiving_departments": ["hs-scjg", "yz-scjg"],
    "related_departments": ["nb-zhzf"],
    "feedback": [
        {
            "department": "hs-scjg",
            "role": "receiving",
            "document_title": "海曙区市场监管局关于承接食品小作坊登记的反馈意见",
            "document_date": "2026-11-10",
            "position": "agree",
        },
        {
            "department": "yz-scjg",
            "role": "receiving",
            "document_title": "鄞州区市场监管局关于承接食品小作坊登记的反馈意见",
            "document_date": "2026-11-11",
            "position": "agree_with_suggestions",
            "summary": "建议同步下沉信息系统权限",
        },
        {
            "department": "nb-zhzf",
            "role": "related",
            "document_title": "市综合执法局关于食品小作坊登记下放的意见",
            "document_date": "2026-11-12",
            "position": "agree",
        },
    ],
}

READY_REVIEW: dict[str, Any] = {
    "checklist": [
        {"item": item, "satisfied": True, "note": "符合"}
        for item in ("name_and_basis", "reasons", "performance", "support_measures", "feedback")
    ],
    "notes": "经审核论证，具备下放条件",
    "conclusion": "ready",
    "power_list_entries": [
        {
            "code": "330200-SCJG-XK-012",
            "name": "食品小作坊登记",
            "from_department": "nb-scjg",
            "to_level": "county",
        }
    ],
}


#: why the review finds a devolution not ready (第三十四条): the reasons its letter gives
NOT_READY_REASONS = "乡镇市场监管所人员和经费保障措施尚未落实，承接能力不足"


def not_ready_review(reasons: str = NOT_READY_REASONS) -> dict[str, Any]:
    """The review's conclusion 暂不具备下放条件 (第三十四条): the support measures unmet, with the reasons."""
    checklist = [dict(e) for e in READY_REVIEW["checklist"]]
    checklist[3] = {"item": "support_measures", "satisfied": False, "note": "经费未列入预算"}
    return {**READY_REVIEW, "checklist": checklist, "conclusion": "not_ready", "reasons": reasons}


def concluded_not_ready(client: Any, auth: Any, duty_name: str = "食品小作坊登记") -> dict[str, Any]:
    """Submitted by 市场监管局, concluded not ready by the office: the devolution's view, letter included."""
    created = client.post(
        "/api/v1/devolutions", json=complete_application(duty_name=duty_name), headers=auth("scjg.clerk")
    )
    devolution_id = created.get_json()["id"]
    client.post(f"/api/v1/devolutions/{devolution_id}/submission", headers=auth("scjg.clerk"))
    response = client.post(
        f"/api/v1/devolutions/{devolution_id}/review", json=not_ready_review(), headers=auth("bb.clerk")
    )
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def complete_application(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(COMPLETE_APPLICATION)
    data.update(overrides)
    return data


def load_departments(runtime: ServiceRuntime) -> None:
    for code, jurisdiction, name in DEPARTMENTS:
        payload = {"code": code, "jurisdiction": jurisdiction, "name": name, "kind": "government_department"}
        runtime.bus.handle(Envelope(type=DEPARTMENT_UPSERTED, payload=payload, source="intake").to_dict())


def deliver(runtime: ServiceRuntime, message_type: str, payload: dict[str, Any], source: str) -> None:
    """Hand the service a message as another service would send it (through its inbox)."""
    runtime.bus.handle(Envelope(type=message_type, payload=payload, source=source).to_dict())


def sent(runtime: ServiceRuntime, message_type: str) -> list[dict[str, Any]]:
    """The payloads of what the service published, of one type, in order."""
    return [envelope["payload"] for envelope in runtime.sender.of_type(message_type)]  # type: ignore[attr-defined]


def sent_to(runtime: ServiceRuntime, queue: str) -> list[str]:
    """The message types published to ``queue``, in order."""
    return [envelope["type"] for dest, envelope in runtime.sender.sent if dest == queue]  # type: ignore[attr-defined]


def approval_decision(request: dict[str, Any], outcome: str = "approved") -> dict[str, Any]:
    """APPROVAL_DECIDED as the leaders' inbox (in intake) answers an APPROVAL_REQUEST."""
    return {
        "request_id": request["request_id"],
        "case": request["case"],
        "decision_kind": "devolution_decision",
        "outcome": outcome,
        "decided_by": {"user_id": "bb.leader", "name": "王建国"},
        "comment": "同意" if outcome == "approved" else "请再论证",
        "decided_at": "2026-11-28T02:00:00+00:00",
    }
