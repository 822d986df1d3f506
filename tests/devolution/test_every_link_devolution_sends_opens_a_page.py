"""Every link devolution sends — notices, tasks, the approval request's materials — opens a page for people
behind the one login (never JSON, never a 401), and a form refused by the rules keeps what was typed with the
message beside its field (第三十三条, 第三十四条)."""

from __future__ import annotations

import re
from typing import Any

from devolution_factories import USERS, complete_application, sent

from services.devolution.app import create_app
from shared.contracts import APPROVAL_REQUEST, NOTIFY_SEND, TASK_OPENED
from shared.web import session as web_session


def _browser(devolution: Any, user: str) -> Any:
    client = create_app(runtime=devolution).test_client()
    jurisdiction, department, roles = USERS[user]
    person = web_session.SessionUser(user, user, jurisdiction, department, frozenset(roles))
    started = web_session.new_session(devolution.settings, person)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, devolution.settings), path="/")
    client.csrf = started.csrf_token
    return client


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1] if "://" in url else url


def test_notices_tasks_and_approval_materials_link_to_the_devolution_page(client, auth, devolution) -> None:  # type: ignore[no-untyped-def]
    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth("scjg.clerk"))
    dv = created.get_json()["id"]
    client.post(f"/api/v1/devolutions/{dv}/submission", headers=auth("scjg.clerk"))
    from devolution_factories import READY_REVIEW

    client.post(f"/api/v1/devolutions/{dv}/review", json=READY_REVIEW, headers=auth("bb.clerk"))
    links = [n["link"] for n in sent(devolution, NOTIFY_SEND) if n.get("link")]
    links += [t["url"] for t in sent(devolution, TASK_OPENED)]
    links += [m["url"] for m in sent(devolution, APPROVAL_REQUEST)[0]["materials"]]
    # the draft's entry in 我的办件 opens its form; everything else the devolution's page
    assert links and {_path(link) for link in links} == {f"/devolution/{dv}", f"/devolution/{dv}/edit"}
    assert all(
        not link.startswith("http") or link.startswith(devolution.settings.public_base_url) for link in links
    )
    assert _browser(devolution, "scjg.clerk").get(f"/devolution/{dv}/edit").mimetype == "text/html"
    office = _browser(devolution, "bb.clerk").get(f"/devolution/{dv}")
    assert office.status_code == 200 and office.mimetype == "text/html"
    assert "宁波市市场监督管理局申请下放" in sent(devolution, APPROVAL_REQUEST)[0]["drafted_decision"]["text"]
    anonymous = (
        create_app(runtime=devolution).test_client().get(f"/devolution/{dv}", headers={"Accept": "text/html"})
    )
    assert anonymous.status_code == 303 and anonymous.headers["Location"].startswith("/login?next=")
    stranger = _browser(devolution, "nyj.clerk").get(f"/devolution/{dv}", headers={"Accept": "text/html"})
    assert stranger.status_code == 404 and "未找到该职责下放事项" in stranger.get_data(as_text=True)


def test_a_refused_application_keeps_every_value_beside_its_field(devolution) -> None:  # type: ignore[no-untyped-def]
    clerk = _browser(devolution, "scjg.clerk")
    form = {
        "csrf_token": clerk.csrf,
        "duty_name": "食品小作坊登记",
        "legal_bases[0].type": "law",
        "legal_bases[0].name": "某法规",
        "reasons.legality": "于法有据",
        "support_measures[2].amount": "三十万",
        "receiving_departments": "hs-scjg",
        "action": "draft",
    }
    page = clerk.post("/devolution/new", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'value="食品小作坊登记"' in html and ">于法有据</textarea>" in html and 'value="三十万"' in html
    assert re.search(r'class="field-error"[^>]*>数量或金额：请填写不小于 0 的数字', html)
    assert re.search(r'value="hs-scjg" checked', html)


def test_the_written_feedback_scan_is_uploaded_with_the_limit_told_and_read_by_the_office(devolution) -> None:  # type: ignore[no-untyped-def]
    import io

    clerk = _browser(devolution, "scjg.clerk")
    base = {"csrf_token": clerk.csrf, "duty_name": "食品小作坊登记", "receiving_departments": "hs-scjg"}
    created = clerk.post("/devolution/new", data={**base, "action": "draft"})
    edit_path = created.headers["Location"].split("?")[0]
    form_page = clerk.get(edit_path).get_data(as_text=True)
    assert "海曙区市场监督管理局反馈文件扫描件" in form_page and "单个文件不超过 50 MB" in form_page
    fields = {**base, "feedback_departments": "hs-scjg:receiving", "feedback[0].document_title": "反馈意见"}
    wrong = clerk.post(
        edit_path,
        data={**fields, "action": "draft", "feedback[0].file": (io.BytesIO(b"MZ\x90"), "反馈.exe")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "不支持的文件类型" in wrong.get_data(as_text=True)
    scan = b"%PDF-1.4\n" + b"0" * 300_000
    saved = clerk.post(
        edit_path,
        data={**fields, "action": "draft", "feedback[0].file": (io.BytesIO(scan), "海曙反馈意见.pdf")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 303
    dv = edit_path.split("/")[2]
    case = _browser(devolution, "bb.clerk").get(f"/devolution/{dv}").get_data(as_text=True)
    assert "海曙反馈意见.pdf" in case and "292 KB" in case
    link = re.search(rf'href="(/devolution/{dv}/feedback/[^"]+)"', case).group(1)  # type: ignore[union-attr]
    assert _browser(devolution, "bb.clerk").get(link).data == scan
    assert _browser(devolution, "nyj.clerk").get(link, headers={"Accept": "text/html"}).status_code == 404
