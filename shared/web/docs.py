"""Interactive API documentation that works without the internet (政务外网 has none): Swagger UI's files
come from the ``swagger-ui-bundle`` package and are served by the service itself under
``/assets/swagger-ui/``. Each service answers ``/docs`` on its own port and ``/api/<service>/docs`` (with
``/api/<service>/openapi.json``) behind the one address, where ``/docs`` alone belongs to intake."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, render_template, send_from_directory

from shared.routing import docs_path, openapi_path

SWAGGER_UI_URL = "/assets/swagger-ui/"


def swagger_ui_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


def docs_blueprint(service: str, title: str) -> Blueprint:
    blueprint = Blueprint("dm_docs", __name__)

    @blueprint.get("/assets/swagger-ui/<path:filename>")
    def swagger_asset(filename: str) -> Response:
        return send_from_directory(swagger_ui_dir(), filename, max_age=3600)

    @blueprint.get(docs_path(service))
    def docs() -> str:
        return render_template("web/docs.html", title=title, spec_url=openapi_path(service))

    return blueprint


def alias_openapi(app: Flask, service: str) -> None:
    """``/api/<service>/openapi.json``: the same document as ``/openapi.json``."""
    view = app.view_functions.get("api-docs.openapi_json")
    if view is not None:
        app.add_url_rule(openapi_path(service), endpoint="dm_openapi_alias", view_func=view)
