"""第38–39条 at the front door: every case belongs to one jurisdiction, and a department of another one never
takes part in it.

A city department's division opinions may not be used to intervene in a district's or county's division of
duties (第38条第2款): so a department named in a case — as a party, a solicited department, a member unit —
must be of the case's jurisdiction, and a document a department issued is a basis only in its own
jurisdiction. (Opening, seeing and answering a case are scoped by the actor's jurisdiction in
:mod:`services.intake.queries`: another jurisdiction's case does not exist for them.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.tables import Department, Jurisdiction
from shared.errors import ValidationFailed
from shared.jurisdictions import jurisdiction_name

ARTICLE_38 = "第三十八条第二款"


def _elsewhere_message(codes: Sequence[str], found: Mapping[str, tuple[str, str]], here: str) -> str:
    named = "、".join(f"{found[c][0]}（{jurisdiction_name(found[c][1])}）" for c in codes)
    return f"{named}不属于{jurisdiction_name(here)}，不能参与本辖区的事项（{ARTICLE_38}）"


def check_named(session: Session, jurisdiction: str, named: Mapping[str, Sequence[str]]) -> None:
    """Every department named in the input is an active department of ``jurisdiction``; a 422 names each
    field that names one that is not — another jurisdiction's department with the article that keeps it out
    (第38条第2款), an unknown one as unknown."""
    wanted = {c for codes in named.values() for c in codes}
    if not wanted:
        return
    rows = session.scalars(select(Department).where(Department.code.in_(wanted))).all()
    # Held for the rest of the session (its identity map keeps only what is referenced): the notices that
    # follow name these departments, and session.get then finds them without asking the database again.
    session.info.setdefault("intake.departments_named", []).extend(rows)
    found = {d.code: (d.name, d.jurisdiction_code) for d in rows if d.active}
    fields: dict[str, list[str]] = {}
    for field_name, codes in named.items():
        elsewhere = [c for c in codes if c in found and found[c][1] != jurisdiction]
        unknown = [c for c in codes if c not in found]
        messages = []
        if elsewhere:
            messages.append(_elsewhere_message(elsewhere, found, jurisdiction))
        if unknown:
            messages.append(f"本辖区没有这些部门：{'、'.join(unknown)}")
        if messages:
            fields[field_name] = messages
    if fields:
        other = any(found.get(c, ("", jurisdiction))[1] != jurisdiction for cs in named.values() for c in cs)
        code = "other_jurisdiction" if other else "unknown_department"
        detail = f"所列部门不在本辖区（{ARTICLE_38}）" if other else "所列部门不存在或不在本辖区"
        raise ValidationFailed(detail, code=code, fields=fields)


def check_bases(session: Session, jurisdiction: str, issuers: Mapping[str, str]) -> None:
    """A document issued by a department of another jurisdiction is never a basis here (第38条第2款:
    市级各部门不得以本部门职责配置、调整和分工意见为依据，干预区县（市）部门的职责分工管理)."""
    if not issuers:
        return
    rows = session.execute(
        select(Department.code, Department.name, Department.jurisdiction_code).where(
            Department.code.in_(set(issuers.values()))
        )
    ).all()
    found = {code: (name, where) for code, name, where in rows}
    fields: dict[str, list[str]] = {}
    for field_name, issuer in issuers.items():
        if issuer not in found:
            fields[field_name] = [f"目录中没有发文部门“{issuer}”"]
        elif found[issuer][1] != jurisdiction:
            name, where = found[issuer]
            fields[field_name] = [
                f"{name}（{jurisdiction_name(where)}）的文件不能作为{jurisdiction_name(jurisdiction)}"
                f"部门职责的依据（{ARTICLE_38}）"
            ]
    if fields:
        raise ValidationFailed(f"依据不符合{ARTICLE_38}", code="basis_from_other_jurisdiction", fields=fields)


def is_city(session: Session, jurisdiction: str) -> bool:
    row = session.get(Jurisdiction, jurisdiction)
    return row is not None and row.level == "city"
