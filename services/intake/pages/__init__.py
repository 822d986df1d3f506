"""Intake's pages for people (server-rendered, on :mod:`shared.web`): log-in, the home page, and more to
come for each use case. The phone approval pages live with the approvals (``approvals/mobile.py``)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint

from services.intake.pages import login
from services.intake.pages.case import case_pages
from services.intake.pages.case_new import new_case_pages
from services.intake.pages.credentials import credential_pages
from services.intake.pages.deliberation import deliberation_pages
from services.intake.pages.directory import directory_pages
from services.intake.pages.directory_import import import_pages
from services.intake.pages.documents import document_pages
from services.intake.pages.findings import findings_pages
from services.intake.pages.home import home_pages
from services.intake.pages.login import login_pages
from services.intake.pages.qr_login import qr_pages
from services.intake.pages.supervision import supervision_pages
from services.intake.pages.worklist import worklist_pages

__all__ = ["blueprints", "login"]


def blueprints() -> Iterable[Blueprint]:
    return [
        login_pages,
        home_pages,
        worklist_pages,
        new_case_pages,
        case_pages,
        supervision_pages,
        findings_pages,
        deliberation_pages,
        document_pages,
        directory_pages,
        credential_pages,
        qr_pages,
        import_pages,
    ]
