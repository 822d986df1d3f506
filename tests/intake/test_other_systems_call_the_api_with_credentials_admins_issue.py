"""Other systems (the government app's back end, 一网通办, a data platform) call the API with a credential an
office admin issued on a page: scoped to the admin's jurisdiction and to reading or writing, stored only as
a hash, revoked at once on every service; a development token is never the way in production."""

from __future__ import annotations

import re

import pytest
from casework_support import application_body

from services.deadlines.app import create_app as create_deadlines
from services.intake.app import create_app as create_intake
from services.intake.tables import ApiCredential
from services.intake.usecases import directory
from shared import demo
from shared.errors import Forbidden
from shared.web import session as web_session

pytestmark = pytest.mark.integration


@pytest.fixture
def office(make_runtime, redis_url):  # type: ignore[no-untyped-def]
    intake = make_runtime("intake")
    intake.settings = intake.settings.with_overrides(redis_url=redis_url)
    directory.load_directory(intake, demo.demo_directory())
    deadlines = make_runtime("deadlines")
    deadlines.settings = deadlines.settings.with_overrides(redis_url=redis_url)
    return intake, create_intake(runtime=intake), create_deadlines(runtime=deadlines)


def _admin_page(app, intake, user: str = "bb.admin"):  # type: ignore[no-untyped-def]
    """The admin's browser, logged in."""
    from services.intake.pages.login import session_user

    client = app.test_client()
    person = directory.find_person(intake, user)
    started = web_session.new_session(intake.settings, session_user(intake, person))
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, intake.settings))
    return client, started.csrf_token


def _issue(app, intake, **form: str) -> str:  # type: ignore[no-untyped-def]
    client, csrf = _admin_page(app, intake)
    answer = client.post("/admin/credentials", data={"csrf_token": csrf, **form})
    assert answer.status_code == 201, answer.get_data(as_text=True)[-800:]
    secret = re.search(
        r'id="issued-secret" type="text" readonly value="([^"]+)"', answer.get_data(as_text=True)
    )
    assert secret is not None and "只显示这一次" in answer.get_data(as_text=True)
    return secret.group(1)


def _token(app, credential: str) -> str:  # type: ignore[no-untyped-def]
    answer = app.test_client().post("/api/v1/auth/token", json={"credential": credential})
    assert answer.status_code == 200, answer.json
    assert answer.json["token_type"] == "Bearer" and answer.json["expires_in"] == 300
    return answer.json["access_token"]


def test_a_read_credential_reads_its_jurisdiction_on_every_service_and_cannot_write(office) -> None:
    intake, app, deadlines_app = office
    credential = _issue(app, intake, name="宁波市政务数据平台", scope="read", role="office_clerk")
    bearer = {"Authorization": f"Bearer {_token(app, credential)}"}
    client = app.test_client()
    assert client.get("/api/v1/cases", headers=bearer).status_code == 200
    me = client.get("/api/v1/me", headers=bearer).json
    assert me["jurisdiction"] == "330200" and me["name"] == "宁波市政务数据平台"
    clock = deadlines_app.test_client().get("/api/v1/clocks/no-such-clock", headers=bearer)
    assert clock.status_code == 404  # let in by deadlines on its own (the clock does not exist)
    refused = client.post("/api/v1/cases/office-opened", json={}, headers=bearer)
    assert refused.status_code == 403 and refused.json["code"] == "credential_read_only"


def test_a_write_credential_acting_for_a_department_submits_an_application(office) -> None:
    intake, app, _deadlines = office
    credential = _issue(
        app, intake, name="浙政钉政务应用后台", scope="write", role="dept_clerk", department="nb-zhzf"
    )
    bearer = {"Authorization": f"Bearer {_token(app, credential)}"}
    created = app.test_client().post(
        "/api/v1/cases/coordination-applications", json=application_body(), headers=bearer
    )
    assert created.status_code == 201, created.json


def test_a_revoked_credential_is_refused_at_once_on_every_service(office) -> None:
    intake, app, deadlines_app = office
    credential = _issue(app, intake, name="一网通办", scope="read", role="office_clerk")
    bearer = {"Authorization": f"Bearer {_token(app, credential)}"}
    client, csrf = _admin_page(app, intake)
    key_id = credential.split("_")[1]
    assert client.post(f"/admin/credentials/{key_id}/revoke", data={"csrf_token": csrf}).status_code == 303
    page = client.get("/admin/credentials").get_data(as_text=True)
    assert "已撤销" in page
    # the token obtained before is refused too, on every service, not in 5 minutes
    for service_app, path in ((app, "/api/v1/cases"), (deadlines_app, "/api/v1/clocks/no-such-clock")):
        refused = service_app.test_client().get(path, headers=bearer)
        assert refused.status_code == 401 and refused.json["code"] == "credential_revoked"
    again = app.test_client().post("/api/v1/auth/token", json={"credential": credential})
    assert again.status_code == 401 and again.json["code"] == "invalid_client"


def test_only_a_hash_of_the_secret_is_stored_and_a_wrong_secret_is_refused(office) -> None:
    intake, app, _deadlines = office
    credential = _issue(app, intake, name="数据平台", scope="read", role="office_clerk")
    secret = credential.split("_", 2)[2]
    with intake.db.transaction() as session:
        stored = session.query(ApiCredential).one()
        assert secret not in stored.secret_hash and len(stored.secret_hash) == 64
    wrong = app.test_client().post("/api/v1/auth/token", json={"credential": credential[:-2] + "xx"})
    assert wrong.status_code == 401


def test_credentials_are_the_admins_alone_and_stay_in_their_jurisdiction(office) -> None:
    intake, app, _deadlines = office
    clerk, _csrf = _admin_page(app, intake, "bb.clerk")
    assert clerk.get("/admin/credentials").status_code == 403
    _issue(app, intake, name="宁波市政务数据共享平台", scope="read", role="office_clerk")
    district, _ = _admin_page(app, intake, "hs.bb.admin")
    assert "宁波市政务数据共享平台" not in district.get("/admin/credentials").get_data(as_text=True)


def test_a_form_error_keeps_what_was_typed_and_names_the_field(office) -> None:
    intake, app, _deadlines = office
    client, csrf = _admin_page(app, intake)
    answer = client.post(
        "/admin/credentials",
        data={"csrf_token": csrf, "name": "一网通办", "scope": "write", "role": "dept_clerk"},
    )
    page = answer.get_data(as_text=True)
    assert (
        answer.status_code == 422
        and "以部门经办人身份调用时须选择部门" in page
        and 'value="一网通办"' in page
    )


def test_development_tokens_are_refused_outside_development(office) -> None:
    intake, _app, _deadlines = office
    intake.settings = intake.settings.with_overrides(env="production")
    with pytest.raises(Forbidden):
        directory.development_token(intake, "bb.clerk")
