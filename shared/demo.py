"""Demo data for the whole suite: Ningbo and two districts, the office, the organisation department, six city
departments, one other city-level body (第三十八条第一款) and people for every role. Intake seeds its
directory from it; the platform stand-in knows the same 浙政钉 accounts. The README lists these accounts;
``make token USER=<id>`` signs a token for one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoDirectory:
    """Rows for intake's directory tables (its ``load_directory`` takes this shape)."""

    jurisdictions: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    people: list[dict[str, Any]]


NINGBO, HAISHU, YINZHOU = "330200", "330203", "330212"

JURISDICTIONS: list[dict[str, Any]] = [
    {"code": NINGBO, "name": "宁波市", "level": "city", "parent_code": None},
    {"code": HAISHU, "name": "海曙区", "level": "district", "parent_code": NINGBO},
    {"code": YINZHOU, "name": "鄞州区", "level": "district", "parent_code": NINGBO},
]

# (code, jurisdiction, name, kind, function)
_DEPARTMENTS = [
    ("nb-bb", NINGBO, "中共宁波市委机构编制委员会办公室", "party_organ", "establishment_office"),
    ("nb-zzb", NINGBO, "中共宁波市委组织部", "party_organ", "organisation"),
    ("nb-scjg", NINGBO, "宁波市市场监督管理局", "government_department", None),
    ("nb-nyj", NINGBO, "宁波市农业农村局", "government_department", None),
    ("nb-zhzf", NINGBO, "宁波市综合行政执法局", "government_department", None),
    ("nb-sthj", NINGBO, "宁波市生态环境局", "government_department", None),
    ("nb-zjj", NINGBO, "宁波市住房和城乡建设局", "government_department", None),
    ("nb-jtj", NINGBO, "宁波市交通运输局", "government_department", None),
    # 第三十八条第一款: a city-level body other than the party and government departments follows the measures
    ("nb-zgh", NINGBO, "宁波市总工会", "other", None),
    ("hs-bb", HAISHU, "中共海曙区委机构编制委员会办公室", "party_organ", "establishment_office"),
    ("hs-scjg", HAISHU, "海曙区市场监督管理局", "government_department", None),
    ("yz-bb", YINZHOU, "中共鄞州区委机构编制委员会办公室", "party_organ", "establishment_office"),
    ("yz-scjg", YINZHOU, "鄞州区市场监督管理局", "government_department", None),
]

# (id, name, department, title, roles)
_PEOPLE = [
    ("bb.clerk", "张敏", "nb-bb", "职能处经办人", ["office_clerk"]),
    ("bb.head", "李强", "nb-bb", "职能处处长", ["office_division_head"]),
    ("bb.leader", "王建国", "nb-bb", "分管副主任", ["office_leader"]),
    ("bb.director", "陈志远", "nb-bb", "主任", ["office_leader"]),
    ("bb.admin", "赵磊", "nb-bb", "系统管理员", ["office_admin"]),
    ("zzb.reviewer", "孙丽", "nb-zzb", "干部处审核人", ["org_reviewer"]),
    ("scjg.clerk", "周婷", "nb-scjg", "办公室经办人", ["dept_clerk"]),
    ("scjg.leader", "吴刚", "nb-scjg", "副局长", ["dept_leader"]),
    ("nyj.clerk", "郑洁", "nb-nyj", "办公室经办人", ["dept_clerk"]),
    ("nyj.leader", "冯涛", "nb-nyj", "副局长", ["dept_leader"]),
    ("zhzf.clerk", "何静", "nb-zhzf", "办公室经办人", ["dept_clerk"]),
    ("zhzf.leader", "许斌", "nb-zhzf", "副局长", ["dept_leader"]),
    ("sthj.clerk", "韩雪", "nb-sthj", "办公室经办人", ["dept_clerk"]),
    ("sthj.leader", "曹俊", "nb-sthj", "副局长", ["dept_leader"]),
    ("zjj.clerk", "彭芳", "nb-zjj", "办公室经办人", ["dept_clerk"]),
    ("zjj.leader", "邓辉", "nb-zjj", "副局长", ["dept_leader"]),
    ("jtj.clerk", "谢琳", "nb-jtj", "办公室经办人", ["dept_clerk"]),
    ("jtj.leader", "罗勇", "nb-jtj", "副局长", ["dept_leader"]),
    ("hs.bb.clerk", "林晓", "hs-bb", "经办人", ["office_clerk"]),
    ("hs.bb.leader", "黄波", "hs-bb", "主任", ["office_leader", "office_division_head"]),
    ("hs.bb.admin", "梁宇", "hs-bb", "系统管理员", ["office_admin"]),
    ("hs.scjg.clerk", "宋佳", "hs-scjg", "经办人", ["dept_clerk"]),
    ("yz.bb.clerk", "唐雯", "yz-bb", "经办人", ["office_clerk"]),
    ("yz.bb.leader", "钱峰", "yz-bb", "主任", ["office_leader", "office_division_head"]),
    ("yz.scjg.clerk", "胡悦", "yz-scjg", "经办人", ["dept_clerk"]),
    # appended, so that everyone above keeps their 浙政钉 accountId
    ("zzb.clerk", "刘洋", "nb-zzb", "干部处经办人", ["dept_clerk"]),  # answers solicitations (第十一条)
    ("zgh.clerk", "方琳", "nb-zgh", "办公室经办人", ["dept_clerk"]),
]


def demo_directory() -> DemoDirectory:
    departments: list[dict[str, Any]] = [
        {"code": c, "jurisdiction_code": j, "name": n, "kind": k, "function": f, "active": True}
        for c, j, n, k, f in _DEPARTMENTS
    ]
    jurisdiction_of = {d["code"]: d["jurisdiction_code"] for d in departments}
    people = [
        {
            "id": pid,
            "name": name,
            "jurisdiction_code": jurisdiction_of[dept],
            "department_code": dept,
            "title": title,
            "roles": roles,
            "zwd_account_id": str(100001 + index),
            "active": True,
        }
        for index, (pid, name, dept, title, roles) in enumerate(_PEOPLE)
    ]
    return DemoDirectory(jurisdictions=list(JURISDICTIONS), departments=departments, people=people)


def demo_accounts() -> list[tuple[str, str, str, str]]:
    """(user id, name, department, roles) — for the README and ``make token``."""
    names = {c: n for c, _j, n, _k, _f in _DEPARTMENTS}
    return [(pid, name, names[dept], ",".join(roles)) for pid, name, dept, _t, roles in _PEOPLE]
