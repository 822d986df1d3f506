"""The office issues a step's written document from the case page (书面, GB/T 9704-2012), and renders again
one whose rendering failed (重新生成)."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from services.intake.adapters import attachment_store
from services.intake.usecases import documents as written
from shared.auth import current_principal
from shared.errors import AppError
from shared.identity import OFFICE_ROLES
from shared.service import current_runtime
from shared.web import pages

document_pages = Blueprint("intake_documents", __name__)


@document_pages.post("/cases/<case_id>/documents")
@pages.login_required(*OFFICE_ROLES)
def issue(case_id: str) -> ResponseReturnValue:
    runtime = current_runtime()
    store = attachment_store.plugged_or_default(current_app.extensions, runtime.settings)
    try:
        written.issue_document(runtime, store, current_principal(), case_id, request.form.get("step", ""))
    except AppError as exc:
        why = "；".join(m for messages in exc.fields.values() for m in messages) or exc.detail
        return pages.error_page(exc.status, "未能制发书面文书", why, back=f"/cases/{case_id}")
    return pages.redirect_to(f"/cases/{case_id}#documents")


@document_pages.post("/cases/<case_id>/documents/<document_id>/render")
@pages.login_required(*OFFICE_ROLES)
def rerender(case_id: str, document_id: str) -> ResponseReturnValue:
    """The office's 重新生成 of a document not rendered yet: the page then says how it went."""
    runtime = current_runtime()
    store = attachment_store.plugged_or_default(current_app.extensions, runtime.settings)
    try:
        written.rerender_document(runtime, store, current_principal(), case_id, document_id)
    except AppError as exc:
        return pages.error_page(exc.status, "未能重新生成书面文书", exc.detail, back=f"/cases/{case_id}")
    return pages.redirect_to(f"/cases/{case_id}#documents")
