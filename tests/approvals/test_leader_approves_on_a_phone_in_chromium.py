"""A leader approves on a phone: the OA card reaches the platform stand-in through notify, the link opens the
exact task, 浙政钉 免登 logs the leader in through the stand-in, and the requester hears the outcome.

Real HTTP all the way: intake and the stand-in each served by werkzeug in a thread, Debian's chromium
driven by Playwright at a 390 px phone viewport. Messages between intake and notify are pumped from one
service's outbox to the other's inbound handler, as the broker would carry them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from approvals_support import WeekdayCounter, approval_request
from playwright.sync_api import expect
from web_support import ARTIFACTS, CHINESE_USER, PHONE, require_chromium, serve

from services.intake import handlers
from services.intake.api.mobile import COUNTER_KEY
from services.intake.app import SERVICE as INTAKE
from services.intake.app import create_app
from services.intake.domain.approvals.model import Outcome
from services.intake.usecases import approvals as service
from services.intake.usecases import directory
from services.notify.app import SERVICE as NOTIFY_SERVICE
from services.notify.standin.app import create_app as create_standin
from shared import demo
from shared.contracts import APPROVAL_DECIDED, APPROVAL_REQUEST, NOTIFY
from shared.embedded_redis import free_port
from shared.messaging import Envelope, RecordingSender
from shared.runtime import ServiceRuntime, build_runtime

pytestmark = pytest.mark.browser


class Pump:
    """Carries what each service's outbox sent to the other service's inbound handler, until quiet."""

    def __init__(self, intake: ServiceRuntime, notify: ServiceRuntime) -> None:
        self.intake, self.notify = intake, notify
        self.seen = {id(intake.sender): 0, id(notify.sender): 0}
        self.elsewhere: list[tuple[str, dict[str, Any]]] = []  # for services not running here

    def run(self) -> None:
        moved = True
        while moved:
            moved = False
            for runtime in (self.intake, self.notify):
                sent = runtime.sender.sent  # type: ignore[attr-defined]
                while self.seen[id(runtime.sender)] < len(sent):
                    destination, envelope = sent[self.seen[id(runtime.sender)]]
                    self.seen[id(runtime.sender)] += 1
                    moved = True
                    self.route(destination, envelope)

    def route(self, destination: str, envelope: dict[str, Any]) -> None:
        if destination == NOTIFY:
            self.notify.handle_inbound(envelope)
        elif destination == "intake":
            self.intake.handle_inbound(envelope)
        else:
            self.elsewhere.append((destination, envelope))


@pytest.fixture
def suite(settings_for) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    require_chromium()
    people = demo.demo_directory().people
    accounts = {
        str(p["zwd_account_id"]): {"name": p["name"], "employeeCode": f"GE_{p['id']}"} for p in people
    }
    standin = create_standin({"ENV": "test", "ACCOUNTS": accounts})
    standin_url, stop_standin = serve(standin)
    port = free_port()
    intake_settings = settings_for(
        "intake", public_base_url=f"http://127.0.0.1:{port}", platform_base_url=standin_url
    )
    intake = build_runtime(
        intake_settings,
        outbox_model=INTAKE.outbox_model,
        inbox_model=INTAKE.inbox_model,
        sender=RecordingSender(),
    )
    INTAKE.register_handlers(intake)
    if APPROVAL_REQUEST not in intake.bus.handlers:
        handlers.register(intake)
    notify = build_runtime(
        settings_for("notify", platform_base_url=standin_url),
        outbox_model=NOTIFY_SERVICE.outbox_model,
        inbox_model=NOTIFY_SERVICE.inbox_model,
        sender=RecordingSender(),
    )
    NOTIFY_SERVICE.register_handlers(notify)
    app = create_app(runtime=intake)
    app.extensions[COUNTER_KEY] = WeekdayCounter()
    intake_url, stop_intake = serve(app, port)
    pump = Pump(intake, notify)
    directory.load_directory(intake, demo.demo_directory())
    pump.run()
    yield {"intake": intake, "notify": notify, "pump": pump, "standin": standin_url, "intake_url": intake_url}
    stop_intake()
    stop_standin()
    intake.db.dispose()
    notify.db.dispose()


def work_notifications(standin_url: str, account_id: str) -> list[dict[str, Any]]:
    answer = requests.get(
        f"{standin_url}/sandbox/messages",
        params={"kind": "work_notification", "receiver": account_id, "accepted": "true"},
        timeout=5,
    )
    return answer.json()["messages"]


def account_of(user_id: str) -> str:
    return next(str(p["zwd_account_id"]) for p in demo.demo_directory().people if p["id"] == user_id)


def test_the_director_approves_from_the_oa_card_and_devolution_hears_the_outcome_第三十四条(
    suite, browser
) -> None:  # type: ignore[no-untyped-def]
    intake, pump, standin_url = suite["intake"], suite["pump"], suite["standin"]
    body = approval_request(
        requester_service="devolution",
        decision_kind="devolution_decision",
        statutory_due_date="2099-12-31",
        statutory_basis="职责下放申请审核：收到完整申请之日起 10 个工作日（第三十四条）",
    )
    intake.bus.handle(Envelope(type=APPROVAL_REQUEST, payload=body, source="devolution").to_dict())
    pump.run()

    def leader(user_id: str) -> Any:
        return directory.principal_of(directory.find_person(intake, user_id))

    (approval,) = service.inbox(intake, leader("bb.head"), counter=WeekdayCounter())
    for user_id, step_no in [("bb.head", 0), ("bb.leader", 1)]:  # earlier steps, signed on other phones
        service.decide(
            intake, approval_id=approval.id, principal=leader(user_id), outcome=Outcome.APPROVED,
            comment="同意", step_no=step_no, counter=WeekdayCounter(),
        )  # fmt: skip
    pump.run()

    (card,) = work_notifications(standin_url, account_of("bb.director"))
    assert card["msg"]["msgtype"] == "oa"
    link = card["msg"]["oa"]["message_url"]
    assert link == f"{suite['intake_url']}/m/approvals/{approval.id}"
    code = requests.post(
        f"{standin_url}/sandbox/auth-codes", json={"accountId": account_of("bb.director")}, timeout=5
    ).json()["authCode"]
    # What the 浙政钉 container gives the page: the JS bridge, answering requestAuthCode with a one-time code.
    bridge = (
        "window.dd = {ready: function (f) { setTimeout(f, 0); }, runtime: {permission: {requestAuthCode:"
        f" function (o) {{ o.onSuccess({{code: {json.dumps(code)}}}); }} }} }} }};"
    )

    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, **CHINESE_USER)
    try:
        context.add_init_script(bridge)
        page = context.new_page()
        page.goto(link)
        page.wait_for_url(link, timeout=15_000)  # 免登 through the stand-in, then back to the same task
        expect(page.locator("h2", has_text=body["case"]["title"])).to_be_visible()
        expect(page.get_by_text("第三十四条")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        submit = page.get_by_role("button", name="提交")
        assert submit.bounding_box()["height"] >= 44  # type: ignore[index]
        page.get_by_label("同意", exact=True).check()
        page.fill("#comment", "同意下放，按程序报批后正式发文")
        page.screenshot(path=str(ARTIFACTS / "approvals-phone-task.png"), full_page=True)
        submit.click()
        page.wait_for_url(f"{link}?done=approved")
        expect(page.get_by_role("status")).to_have_text("已提交：同意")
        page.screenshot(path=str(ARTIFACTS / "approvals-phone-approved.png"), full_page=True)
    finally:
        context.close()

    pump.run()
    decided = [
        env for dest, env in pump.elsewhere if dest == "devolution" and env["type"] == APPROVAL_DECIDED
    ]
    assert len(decided) == 1
    outcome = decided[0]["payload"]
    assert outcome["request_id"] == body["request_id"] and outcome["outcome"] == "approved"
    assert (
        outcome["decided_by"]["user_id"] == "bb.director"
        and outcome["comment"] == "同意下放，按程序报批后正式发文"
    )
    told = work_notifications(standin_url, account_of("bb.clerk"))
    assert any("同意" in json.dumps(m["msg"], ensure_ascii=False) for m in told)
