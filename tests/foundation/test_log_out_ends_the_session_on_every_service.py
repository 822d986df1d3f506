"""Log-in sessions expire, can be ended on this device or on every device, and end at once for a person who
left — on every service of every machine, since all of them read the same cookie and the same Redis."""

from __future__ import annotations

import re
import time

import pytest
from flask import Blueprint

from services.deadlines.app import create_app as create_deadlines
from services.intake.app import create_app as create_intake
from services.intake.pages.login import LOGIN_KEY
from services.intake.usecases import directory
from shared import demo
from shared.platform.zwd import ZwdUser
from shared.web import pages
from shared.web import session as web_session

pytestmark = pytest.mark.integration


class Platform:
    def get_user_by_auth_code(self, code: str) -> ZwdUser:
        return ZwdUser(account_id="100005", employee_code="GE_5", tenant_id="196729", name="赵磊")


@pytest.fixture
def suite(make_runtime, redis_url):  # type: ignore[no-untyped-def]
    """intake (where people log in) and deadlines (another service with pages), on one Redis."""
    intake = make_runtime("intake")
    intake.settings = intake.settings.with_overrides(redis_url=redis_url)
    directory.load_directory(intake, demo.demo_directory())
    deadlines = make_runtime("deadlines")
    deadlines.settings = deadlines.settings.with_overrides(redis_url=redis_url)
    intake_app, deadlines_app = create_intake(runtime=intake), create_deadlines(runtime=deadlines)
    intake_app.extensions[LOGIN_KEY] = Platform()
    probe = Blueprint("probe", __name__)
    probe.add_url_rule("/probe", "probe", pages.login_required()(lambda: "可见"))
    deadlines_app.register_blueprint(probe)
    return intake, intake_app, deadlines_app


def _device(intake_app):  # type: ignore[no-untyped-def]
    """A browser that logged in as 赵磊 through 免登; returns its client and its cookie."""
    client = intake_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert (
        client.post("/login", data={"csrf_token": csrf, "authCode": "code", "next": "/"}).status_code == 303
    )
    return client, client.get_cookie(web_session.COOKIE_NAME).value


def _seen_by(app, cookie: str) -> int:  # type: ignore[no-untyped-def]
    other = app.test_client()
    other.set_cookie(web_session.COOKIE_NAME, cookie)
    return other.get("/probe").status_code


def _logout(client, cookie: str, **form: str) -> None:  # type: ignore[no-untyped-def]
    settings = client.application.config["DM_SETTINGS"]
    csrf = web_session.parse(cookie, settings).csrf_token
    assert client.post("/logout", data={"csrf_token": csrf, **form}).status_code == 303


def test_logging_out_ends_the_session_on_every_service(suite) -> None:
    _intake, intake_app, deadlines_app = suite
    phone, cookie = _device(intake_app)
    assert _seen_by(deadlines_app, cookie) == 200
    _logout(phone, cookie)
    assert _seen_by(deadlines_app, cookie) == 303  # the copied cookie no longer opens anything


def test_logging_out_everywhere_ends_every_device_of_the_person_but_not_the_next_log_in(suite) -> None:
    _intake, intake_app, deadlines_app = suite
    phone, phone_cookie = _device(intake_app)
    _pc, pc_cookie = _device(intake_app)
    _logout(phone, phone_cookie, everywhere="1")
    assert _seen_by(deadlines_app, pc_cookie) == 303 and _seen_by(deadlines_app, phone_cookie) == 303
    time.sleep(0.01)
    _again, fresh = _device(intake_app)
    assert _seen_by(deadlines_app, fresh) == 200


def test_a_person_who_leaves_loses_every_session_at_once(suite) -> None:
    intake, intake_app, deadlines_app = suite
    _pc, cookie = _device(intake_app)
    people = demo.demo_directory()
    for person in people.people:
        if person["id"] == "bb.admin":
            person["active"] = False
    directory.load_directory(intake, people)
    assert _seen_by(deadlines_app, cookie) == 303


def test_a_session_expires(suite) -> None:
    _intake, intake_app, deadlines_app = suite
    settings = intake_app.config["DM_SETTINGS"]
    _pc, cookie = _device(intake_app)
    session = web_session.parse(cookie, settings)
    old = web_session.WebSession(session.sid, session.csrf_token, time.time() - 1, session.user)
    assert _seen_by(deadlines_app, web_session.dump(old, settings)) == 303
