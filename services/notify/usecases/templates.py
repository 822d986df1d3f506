"""Templates in the database, seeded from the built-in catalogue the first time one is needed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.domain.templates import BUILTIN_TEMPLATES, TemplateSpec
from services.notify.tables import Template
from shared.db import utcnow


def ensure_templates(session: Session) -> None:
    """Insert every built-in template the table lacks (an edited template is never overwritten)."""
    present = set(session.scalars(select(Template.code)).all())
    for spec in BUILTIN_TEMPLATES:
        if spec.code not in present:
            session.add(
                Template(
                    code=spec.code,
                    name=spec.name,
                    title=spec.title,
                    body=spec.body,
                    kinds=list(spec.kinds),
                    default_kind=spec.default_kind,
                    link_text=spec.link_text,
                    sample=dict(spec.sample),
                    updated_at=utcnow(),
                )
            )
    session.flush()


def spec_of(row: Template) -> TemplateSpec:
    return TemplateSpec(
        code=row.code,
        name=row.name,
        title=row.title,
        body=row.body,
        default_kind=row.default_kind,
        kinds=tuple(row.kinds or ()),
        link_text=row.link_text,
        sample=dict(row.sample or {}),
    )


def template_spec(session: Session, code: str) -> TemplateSpec | None:
    row = session.get(Template, code)
    if row is None:
        ensure_templates(session)
        row = session.get(Template, code)
    return spec_of(row) if row is not None else None


def all_templates(session: Session) -> list[Template]:
    ensure_templates(session)
    return list(session.scalars(select(Template).order_by(Template.code)).all())
