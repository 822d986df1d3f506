"""The web foundation every service's pages share: one layout, one stylesheet, one login session.

:func:`install` (called for every service by :func:`shared.service.make_app`) gives an app

- the layout and form macros (templates ``web/base.html``, ``web/forms.html``, ``web/error.html``: a page
  template does ``{% extends "web/base.html" %}`` and fills ``title``/``heading``/``content``);
- the shared assets under ``/assets/`` (``dm.css``, ``dm.js``, Swagger UI) — nothing from the internet;
- the template filters ``cn_date`` (2026年12月9日（星期三）), ``cn_datetime`` (Beijing time), ``articles``
  (第20条 → 第二十条), ``file_size``, and ``asset_url``;
- offline API docs at ``/docs`` and ``/api/<service>/docs``.

Pages use :mod:`shared.web.pages` (``login_required``, ``render_page``, ``error_page``) and
:mod:`shared.web.forms` (forms that keep every typed value on an error). The session is
:mod:`shared.web.session`; intake's ``/login`` creates it, every service reads it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask

from shared.web.docs import SWAGGER_UI_URL, alias_openapi, docs_blueprint
from shared.web.formatting import chinese_articles, chinese_date, chinese_datetime, file_size

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
ASSETS_PATH = "/assets"


@cache
def _fingerprint(name: str) -> str:
    path = STATIC / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else "0"


def asset_url(name: str) -> str:
    """``/assets/dm.css?v=<content hash>``: cached by browsers, refreshed when the file changes."""
    return f"{ASSETS_PATH}/{name}?v={_fingerprint(name)}"


def install(app: Flask, *, service: str, title: str) -> None:
    """Give ``app`` the shared layout, assets, filters and offline docs (see the module docstring)."""
    web = Blueprint(
        "dm_web",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path=ASSETS_PATH,
    )
    app.register_blueprint(web)
    app.register_blueprint(docs_blueprint(service, title))
    alias_openapi(app, service)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    app.jinja_env.filters.update(
        cn_date=chinese_date, cn_datetime=chinese_datetime, articles=chinese_articles, file_size=file_size
    )
    app.jinja_env.globals.update(asset_url=asset_url)


__all__ = ["SWAGGER_UI_URL", "asset_url", "install"]
