"""The office admin imports the directory from an Excel sheet (``/admin/directory/import``): download the
template, fill it in, upload it; every error is listed with its sheet and row and nothing is imported
until the sheet is right."""

from __future__ import annotations

import io

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from services.intake.usecases import directory_import
from shared.auth import current_principal
from shared.errors import AppError
from shared.identity import Role
from shared.service import current_runtime
from shared.web import pages

import_pages = Blueprint("intake_directory_import", __name__, template_folder="templates")
PATH = "/admin/directory/import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@import_pages.get(PATH)
@pages.login_required(Role.OFFICE_ADMIN)
def import_form() -> ResponseReturnValue:
    return pages.render_page("intake/directory_import.html", errors=[], done=None)


@import_pages.get(f"{PATH}/template.xlsx")
@pages.login_required(Role.OFFICE_ADMIN)
def import_template() -> ResponseReturnValue:
    response = Response(directory_import.template(), mimetype=XLSX)
    response.headers["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E9%80%9A%E8%AE%AF%E5%BD%95%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


@import_pages.post(PATH)
@pages.login_required(Role.OFFICE_ADMIN)
def import_upload() -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return pages.render_page(
            "intake/directory_import.html", status=422, errors=["请选择要导入的 Excel 文件"], done=None
        )
    try:
        done = directory_import.import_sheet(
            current_runtime(), current_principal(), io.BytesIO(upload.read())
        )
    except AppError as refused:
        errors = refused.fields.get("file") or [refused.detail]
        return pages.render_page(
            "intake/directory_import.html", status=refused.status, errors=errors, done=None
        )
    return pages.render_page("intake/directory_import.html", errors=[], done=done)
