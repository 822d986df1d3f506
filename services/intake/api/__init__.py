"""Intake's HTTP entrypoint: the directory, the case API, the approval inbox's JSON API and its phone pages.

Views only translate HTTP to use cases (marshmallow schemas build the commands) and nothing more."""

from __future__ import annotations

from collections.abc import Iterable

from flask_smorest import Blueprint

from services.intake.api.approvals import approvals_blp
from services.intake.api.cases import cases_blp
from services.intake.api.credentials import auth_blp
from services.intake.api.directory import directory_blp
from services.intake.api.documents import documents_blp
from services.intake.api.mobile import mobile_blp


def blueprints() -> Iterable[Blueprint]:
    return [directory_blp, approvals_blp, mobile_blp, cases_blp, documents_blp, auth_blp]
