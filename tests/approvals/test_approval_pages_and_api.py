"""The mobile pages and the JSON API, through Flask's test client: what a leader sees on the phone, and what
happens with a stale task, a wrong user, a forged CSRF token, an expired session and a deputy."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

from approvals_support import WeekdayCounter, approval_request, decide_form, logged_in

from services.intake.domain.approvals.model import Outcome
from services.intake.pages.login import LOGIN_KEY
from services.intake.usecases import approvals as service
from services.intake.usecases.directory import development_token, find_person, principal_of
from shared.auth import Principal, issue_token
from shared.contracts import APPROVAL_DECIDED
from shared.platform.zwd import AuthCodeInvalid, ZwdUser
from shared.web import session


def test_the_inbox_page_lists_the_task_with_its_deadline_in_working_days(app, intake, ask) -> None:
    approval_id = ask(statutory_due_date="2099-12-31")
    client = app.test_client()
    logged_in(client, intake, "bb.head")
    page = client.get("/m/approvals")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "待我审批" in html
    assert f"/m/approvals/{approval_id}" in html and "剩余" in html
    assert "法定期限 2099年12月31日（星期四）" in html
    assert 'name="viewport"' in html


def test_the_item_page_shows_summary_draft_materials_history_deadline_and_the_form(app, intake, ask) -> None:
    approval_id = ask(
        statutory_due_date="2099-12-31", statutory_basis="受理决定：收到申请之日起 5 个工作日（第十七条）"
    )
    client = app.test_client()
    logged_in(client, intake, "bb.head")
    html = client.get(f"/m/approvals/{approval_id}").get_data(as_text=True)
    for expected in [
        "拟予受理",
        "经审查",
        "协调申请书.pdf",
        "收到协调申请",
        "第十七条",
        "2099年12月31日（星期四）",
        "审批决定",
        "李强",
    ]:
        assert expected in html, expected


def test_approving_on_the_phone_moves_the_task_to_the_next_leader(app, intake, ask) -> None:
    approval_id = ask()
    client = app.test_client()
    mobile = logged_in(client, intake, "bb.head")
    response = decide_form(client, approval_id, mobile)
    assert response.status_code == 303 and response.headers["Location"].endswith("?done=approved")
    leader = app.test_client()
    logged_in(leader, intake, "bb.leader")
    assert approval_id in leader.get("/m/approvals").get_data(as_text=True)


def test_a_second_tap_is_answered_without_deciding_twice(app, intake, ask) -> None:
    approval_id = ask()
    client = app.test_client()
    mobile = logged_in(client, intake, "bb.head")
    decide_form(client, approval_id, mobile)
    again = decide_form(client, approval_id, mobile)
    assert again.headers["Location"].endswith("?done=replayed")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "未重复处理" in page
    assert page.count("处室负责人：同意") == 1


def test_a_stale_task_already_decided_by_someone_else_says_so(app, intake, ask) -> None:
    approval_id = ask(decision_kind="determination")
    head = app.test_client()
    decide_form(head, approval_id, logged_in(head, intake, "bb.head"))
    other = app.test_client()
    leader_session = logged_in(other, intake, "bb.leader")
    decide_form(other, approval_id, leader_session, step_no="1", outcome="returned", comment="请补充论证意见")
    late = decide_form(other, approval_id, leader_session, step_no="1", outcome="approved")
    assert late.status_code == 409 and "已由王建国作出" in late.get_data(as_text=True)


def test_a_wrong_user_sees_nothing_of_someone_elses_task(app, intake, ask) -> None:
    approval_id = ask()
    client = app.test_client()
    mobile = logged_in(client, intake, "bb.leader")  # the second step, not reached yet
    page = client.get(f"/m/approvals/{approval_id}")
    assert page.status_code == 404 and "拟予受理" not in page.get_data(as_text=True)
    assert decide_form(client, approval_id, mobile).status_code == 404
    district = app.test_client()
    logged_in(district, intake, "hs.bb.leader")
    assert district.get(f"/m/approvals/{approval_id}").status_code == 404


def test_a_forged_csrf_token_is_refused_and_nothing_is_decided(app, intake, ask) -> None:
    approval_id = ask()
    client = app.test_client()
    mobile = logged_in(client, intake, "bb.head")
    forged = decide_form(client, approval_id, mobile, csrf_token="forged-" + mobile.csrf_token[:10])
    assert forged.status_code == 400 and "安全校验未通过" in forged.get_data(as_text=True)
    missing = client.post(
        f"/m/approvals/{approval_id}/decision", data={"step_no": "0", "outcome": "approved"}
    )
    assert missing.status_code == 400
    assert "审批决定" in client.get(f"/m/approvals/{approval_id}").get_data(as_text=True)  # still undecided


def test_an_expired_session_goes_back_to_login_and_then_to_the_same_task(app, intake, ask) -> None:
    approval_id = ask()
    client = app.test_client()
    logged_in(client, intake, "bb.head", expires_at=time.time() - 1)
    response = client.get(f"/m/approvals/{approval_id}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/login?next=%2Fm%2Fapprovals%2F{approval_id}"
    tampered = app.test_client()
    tampered.set_cookie(session.COOKIE_NAME, "eyJ1IjoiYmIuaGVhZCJ9.forged", path=session.COOKIE_PATH)
    assert tampered.get("/m/approvals").status_code == 303


class FakeLogin:
    def get_user_by_auth_code(self, code: str) -> ZwdUser:
        if code != "good-code":
            raise AuthCodeInvalid()
        return ZwdUser(account_id="100002", employee_code="GE_1", tenant_id="196729", name="李强")


def test_login_with_an_auth_code_sets_a_secure_cookie_and_opens_the_task(app, intake, ask) -> None:
    approval_id = ask()
    app.extensions[LOGIN_KEY] = FakeLogin()
    client = app.test_client()
    page = client.get(f"/login?next=/m/approvals/{approval_id}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert "requestAuthCode" in page.get_data(as_text=True)
    bad = client.post(
        "/login", data={"csrf_token": csrf, "authCode": "wrong", "next": f"/m/approvals/{approval_id}"}
    )
    assert bad.status_code == 401
    form = {"csrf_token": csrf, "authCode": "good-code", "next": f"/m/approvals/{approval_id}"}
    assert client.post("/login", data={**form, "csrf_token": "x"}).status_code == 400
    ok = client.post("/login", data=form)
    assert ok.status_code == 303 and ok.headers["Location"] == f"/m/approvals/{approval_id}"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/;" in cookie
    assert "拟予受理" in client.get(ok.headers["Location"]).get_data(as_text=True)


def test_login_never_redirects_to_another_site(app, intake) -> None:
    app.extensions[LOGIN_KEY] = FakeLogin()
    client = app.test_client()
    page = client.get("/login?next=//evil.example/x").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    ok = client.post(
        "/login", data={"csrf_token": csrf, "authCode": "good-code", "next": "https://evil.example"}
    )
    assert ok.headers["Location"] == "/"


def test_a_deputy_signs_for_the_absent_leader_and_the_history_says_so(app, intake, ask) -> None:
    approval_id = ask()
    head = app.test_client()
    decide_form(head, approval_id, logged_in(head, intake, "bb.head"))
    leader = app.test_client()
    leader_session = logged_in(leader, intake, "bb.leader")
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    form = {"delegate_id": "bb.director", "starts_on": today, "ends_on": today, "reason": "外出开会"}
    leader.post("/m/delegations", data={"csrf_token": leader_session.csrf_token, **form})
    deputy = app.test_client()
    deputy_session = logged_in(deputy, intake, "bb.director")
    inbox = deputy.get("/m/approvals").get_data(as_text=True)
    assert approval_id in inbox and "代王建国审批" in inbox
    done = decide_form(deputy, approval_id, deputy_session, step_no="1", comment="代为同意")
    assert done.status_code == 303
    (decided,) = intake.sender.of_type(APPROVAL_DECIDED)
    assert decided["payload"]["decided_by"]["user_id"] == "bb.director"
    assert decided["payload"]["on_behalf_of"] == "bb.leader"
    assert "代王建国审批" in deputy.get(f"/m/approvals/{approval_id}").get_data(as_text=True)


def test_the_json_api_lists_decides_and_refuses_a_wrong_user(app, intake, ask) -> None:
    approval_id = ask(statutory_due_date="2099-12-31")
    client = app.test_client()
    head = {"Authorization": f"Bearer {development_token(intake, 'bb.head')}"}
    (item,) = client.get("/api/v1/approvals/inbox", headers=head).json
    assert item["id"] == approval_id and item["time_left"]["due_date"] == "2099-12-31"
    leader = {"Authorization": f"Bearer {development_token(intake, 'bb.leader')}"}
    assert client.get(f"/api/v1/approvals/{approval_id}", headers=leader).status_code == 404
    body = {"step_no": 0, "outcome": "rejected", "comment": ""}
    refused = client.post(f"/api/v1/approvals/{approval_id}/decisions", json=body, headers=head)
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "comment"
    body["comment"] = "不符合受理条件"
    first = client.post(f"/api/v1/approvals/{approval_id}/decisions", json=body, headers=head)
    second = client.post(f"/api/v1/approvals/{approval_id}/decisions", json=body, headers=head)
    assert first.json["replayed"] is False and second.json["replayed"] is True
    assert len(intake.sender.of_type(APPROVAL_DECIDED)) == 1


def test_an_administrator_configures_the_chain_per_decision_kind(app, intake, ask) -> None:
    admin = {"Authorization": f"Bearer {development_token(intake, 'bb.admin')}"}
    client = app.test_client()
    steps = [{"label": "主任", "role": "office_leader", "title_equals": "主任"}]
    saved = client.put("/api/v1/approvals/chains/extension", json={"steps": steps}, headers=admin)
    assert saved.status_code == 200 and saved.json["source"] == "configured"
    approval_id = ask(decision_kind="extension")
    director = app.test_client()
    logged_in(director, intake, "bb.director")
    assert director.get(f"/m/approvals/{approval_id}").status_code == 200
    head = {"Authorization": f"Bearer {development_token(intake, 'bb.head')}"}
    assert (
        client.put("/api/v1/approvals/chains/extension", json={"steps": steps}, headers=head).status_code
        == 403
    )


def test_fixing_the_chain_routes_a_held_approval_to_the_new_approver(app, intake, ask) -> None:
    held = ask(
        case={**approval_request()["case"], "jurisdiction": "330212"}, requested_by={"user_id": "yz.bb.clerk"}
    )
    admin_token = issue_token(
        Principal("yz.bb.admin", "管理员", "330212", "yz-bb", frozenset({"office_admin"})),
        secret=intake.settings.secret_key,
        ttl_seconds=60,
    )
    steps = [{"label": "主任", "role": "office_leader"}]
    answer = app.test_client().put(
        "/api/v1/approvals/chains/*",
        json={"steps": steps},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert answer.status_code == 200
    leader = app.test_client()
    logged_in(leader, intake, "yz.bb.leader")
    assert held in leader.get("/m/approvals").get_data(as_text=True)
    assert intake.sender.of_type("notify.send")[-1]["payload"]["recipients"][0]["id"] == "yz.bb.leader"


def test_two_taps_at_the_same_moment_record_one_decision(app, intake, ask) -> None:
    approval_id = ask()
    head = principal_of(find_person(intake, "bb.head"))
    results: list[Any] = []

    def tap() -> None:
        results.append(
            service.decide(
                intake,
                approval_id=approval_id,
                principal=head,
                outcome=Outcome.APPROVED,
                comment="同意",
                step_no=0,
                counter=WeekdayCounter(),
            )
        )

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.replayed for r in results) == [False, True]
    notified = [
        e for e in intake.sender.of_type("notify.send") if e["payload"]["dedupe_key"].endswith("step1")
    ]
    assert len(notified) == 1


def test_a_deputy_named_today_is_told_at_once_of_the_tasks_waiting(app, intake, ask) -> None:
    approval_id = ask()
    head = app.test_client()
    mobile = logged_in(head, intake, "bb.head")
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    form = {"delegate_id": "bb.leader", "starts_on": today, "ends_on": today, "csrf_token": mobile.csrf_token}
    assert head.post("/m/delegations", data=form).status_code == 303
    told = intake.sender.of_type("notify.send")[-1]["payload"]
    assert told["recipients"][0]["id"] == "bb.leader" and told["link"].endswith(f"/m/approvals/{approval_id}")


def test_links_from_messages_are_shown_only_when_they_are_web_addresses(app, intake, ask) -> None:
    approval_id = ask(materials=[{"name": "恶意链接", "url": "javascript:alert(1)"}])
    client = app.test_client()
    logged_in(client, intake, "bb.head")
    html = client.get(f"/m/approvals/{approval_id}").get_data(as_text=True)
    assert "恶意链接" in html and "javascript:" not in html
