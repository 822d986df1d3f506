"""The links intake puts in approvals and notifications open on a phone: the case (status, who acts next,
every deadline, history) and its materials, for whoever may see the case — 404 for anyone else (第十五条 to
第二十四条: the parties and the office follow the case from their 浙政钉 notification)."""

from __future__ import annotations

import pytest
from casework_support import Desk, filing_body

from services.intake.pages.login import session_user
from services.intake.usecases import directory
from shared.web import session


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _phone(desk: Desk, user: str):  # type: ignore[no-untyped-def]
    client = desk.client.application.test_client()
    person = session_user(desk.runtime, directory.find_person(desk.runtime, user))
    mobile = session.new_session(desk.runtime.settings, person)
    client.set_cookie(
        session.COOKIE_NAME, session.dump(mobile, desk.runtime.settings), path=session.COOKIE_PATH
    )
    return client


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[1]


def _filing_sent_for_a_document(desk: Desk) -> dict:  # type: ignore[type-arg]
    minutes = desk.upload("scjg.clerk").json["id"]
    case_id = desk.post("scjg.clerk", "/cases/filings", filing_body(minutes)).json["id"]
    assert desk.act("bb.clerk", case_id, "request-document", {"opinion": "需发文明确"}).status_code == 200
    [request] = desk.sent("approval.request")
    return request


def test_the_case_link_in_an_approval_opens_the_case_on_the_phone_第十五条(desk) -> None:
    request = _filing_sent_for_a_document(desk)
    page = _phone(desk, "bb.head").get(_path(request["case"]["url"]))
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:300]
    assert request["case"]["title"] in html and "报批中" in html and "周婷" in html


def test_the_materials_in_an_approval_open_on_the_phone_第十五条(desk) -> None:
    request = _filing_sent_for_a_document(desk)
    [material] = request["materials"]
    response = _phone(desk, "bb.head").get(_path(material["url"]))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_a_case_link_shows_nothing_to_a_department_outside_it_or_another_jurisdiction(desk) -> None:
    request = _filing_sent_for_a_document(desk)
    [material] = request["materials"]
    for user in ("jtj.clerk", "hs.bb.clerk"):
        phone = _phone(desk, user)
        page = phone.get(_path(request["case"]["url"]))
        assert page.status_code == 404 and request["case"]["title"] not in page.get_data(as_text=True)
        assert phone.get(_path(material["url"])).status_code == 404


def test_a_case_link_without_a_session_goes_to_the_login_page(desk) -> None:
    request = _filing_sent_for_a_document(desk)
    response = desk.client.application.test_client().get(_path(request["case"]["url"]))
    assert response.status_code == 303 and response.headers["Location"].startswith("/login?next=")
