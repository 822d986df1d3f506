"""Notify's pure rules: Chinese wording of deadlines, recipient resolution, the delivery state machine,
and robot digests — no database, broker or network."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.notify.domain import delivery as rules
from services.notify.domain.recipients import Directory, GroupChannel, Person, delivery_key, resolve
from services.notify.domain.templates import (
    BUILTIN_BY_CODE,
    BUILTIN_TEMPLATES,
    RenderError,
    chinese_date,
    days_phrase,
    preview,
    render,
)

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
POLICY = rules.RetryPolicy(max_attempts=4, base_delay_s=10, max_delay_s=100)


def test_a_due_date_reads_as_a_chinese_date_with_its_weekday() -> None:
    assert chinese_date("2026-12-04") == "2026年12月4日（星期五）"
    assert chinese_date("2027-01-03") == "2027年1月3日（星期日）"


def test_days_left_and_days_overdue_are_counted_in_working_days() -> None:
    assert days_phrase(remaining=2) == "还剩2个工作日"
    assert days_phrase(remaining=0) == "今日到期（还剩0个工作日）"
    assert days_phrase(remaining=0, overdue=3) == "已逾期3个工作日"


@pytest.mark.parametrize("spec", BUILTIN_TEMPLATES, ids=lambda spec: spec.code)
def test_every_template_renders_its_sample_in_chinese_with_case_title_deadline_and_link(spec) -> None:
    message = preview(spec)
    assert message.title and message.body
    if spec.sample.get("due_date"):
        assert f"期限：{chinese_date(spec.sample['due_date'])}" in message.body
    if "case_title" in spec.body:
        assert spec.sample["case_title"] in message.body
    assert message.link


def test_the_measures_messages_all_have_templates() -> None:
    needed = {
        "application_accepted", "application_rejected", "solicitation_request", "reply_due_soon",
        "reply_overdue", "reply_deemed_no_objection", "coordination_due_soon", "extension_notice",
        "approval_requested", "approval_decided", "devolution_decided", "devolution_not_ready",
        "devolution_issued", "half_year_report_due", "calendar_year_missing",
    }  # fmt: skip
    assert needed <= set(BUILTIN_BY_CODE)


OTHER_SERVICES_CODES = (
    # intake (casework and approvals), deadlines (sweep and calendar), devolution — as they send them
    "case_submitted", "case_withdrawn", "supplement_requested", "case_supplemented", "reply_received",
    "meeting_notice", "case_suspended", "case_resumed", "case_terminated", "interim_measures_reported",
    "approval_returned", "approval_recalled", "approval_unroutable", "org_review_requested",
    "decision_issued",
    "deadline_scheduled", "rectification_ordered", "correction_reported", "correction_rejected",
    "rectification_closed", "referred_to_supervision", "power_list_changed", "half_year_report_submitted",
    "interim_report_submitted",
    "due_soon", "due_today", "overdue", "escalation", "due_date_changed", "application_accepted",
    "application_rejected", "filing_opinion_returned", "solicitation_request", "reply_deemed_no_objection",
    "extension_notice", "deadline_recomputed", "approval_requested", "deadline_overdue",
)  # fmt: skip


@pytest.mark.parametrize("code", OTHER_SERVICES_CODES)
def test_every_code_the_other_services_send_has_a_template_that_needs_no_more_than_the_case_title(
    code,
) -> None:
    message = render(BUILTIN_BY_CODE[code], {"case_title": "关于甲的申请"})
    assert "关于甲的申请" in message.title + message.body


def test_a_deadline_reminder_from_the_deadlines_service_reads_in_working_days() -> None:
    params = {"case_title": "甲", "rule_name": "作出受理决定", "article": "第十七条",
              "due_date": "2026-12-04", "remaining_working_days": 0, "overdue_working_days": 3}  # fmt: skip
    message = render(BUILTIN_BY_CODE["overdue"], params)
    assert message.title == "作出受理决定已逾期：甲"
    assert "作出受理决定（第十七条）" in message.body and "已逾期3个工作日" in message.body


def test_a_reminder_shows_the_date_the_days_left_and_the_link_第20条() -> None:
    message = render(
        BUILTIN_BY_CODE["reply_due_soon"],
        {"case_title": "关于A的协调申请", "due_date": "2026-12-04", "remaining_working_days": 2},
        link="https://dm.example/m/s/1",
    )
    assert message.title == "反馈意见即将到期：关于A的协调申请"
    assert (
        "期限：2026年12月4日（星期五），还剩2个工作日" in message.body
        and message.link == "https://dm.example/m/s/1"
    )


def test_an_approval_request_is_an_oa_card_unless_it_has_no_link() -> None:
    spec = BUILTIN_BY_CODE["approval_requested"]
    params = {"case_title": "甲", "requested_by": "张敏"}
    assert render(spec, params, link="https://x/m/a/1").kind == "oa"
    assert render(spec, params).kind == "markdown"
    assert render(spec, params, link="https://x", kind="text").kind == "text"


def test_a_missing_parameter_is_an_error_not_a_blank_and_templates_cannot_reach_python() -> None:
    with pytest.raises(RenderError, match="reason"):
        render(BUILTIN_BY_CODE["devolution_not_ready"], {"case_title": "甲"})
    hostile = rules_spec("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(RenderError):
        render(hostile, {})


def rules_spec(body: str):
    from services.notify.domain.templates import TemplateSpec

    return TemplateSpec(code="t", name="t", title="t", body=body)


PEOPLE = [
    Person("a.clerk", "甲", "330200", "d-a", ("dept_clerk",), "1"),
    Person("a.leader", "乙", "330200", "d-a", ("dept_leader",), "2"),
    Person("a.staff", "丙", "330200", "d-a", (), "3"),
    Person("a.gone", "丁", "330200", "d-a", ("dept_clerk",), "4", active=False),
    Person("office.x", "戊", "330200", "office", ("office_leader",), None),
    Person("hs.leader", "己", "330203", "hs", ("office_leader",), "6"),
]
CHANNELS = [
    GroupChannel("r1", "robot", "A群", "330200", ("d-a",)),
    GroupChannel("r2", "robot", "关", "330200", ("d-a",), False),
]


def party(kind, ident, jurisdiction="330200"):
    return {"kind": kind, "id": ident, "jurisdiction": jurisdiction}


def test_a_department_reaches_its_clerks_leaders_and_enabled_group_robots_once() -> None:
    targets = resolve([party("department", "d-a"), party("person", "a.clerk")], Directory(PEOPLE, CHANNELS))
    assert [t.recipient for t in targets] == ["person:a.clerk", "person:a.leader", "channel:r1"]
    assert targets[0].account_id == "1" and targets[2].channel_kind == "robot"


def test_a_role_reaches_its_holders_in_that_jurisdiction_only() -> None:
    targets = resolve([party("role", "office_leader")], Directory(PEOPLE))
    assert [t.recipient for t in targets] == ["person:office.x"]
    assert targets[0].problem == "该人员没有浙政钉账号（accountId）"


def test_an_unknown_person_or_an_empty_department_is_kept_as_unreachable() -> None:
    targets = resolve([party("person", "nobody"), party("department", "empty")], Directory(PEOPLE))
    assert [t.problem for t in targets] == ["组织目录中没有该人员", "该部门没有联系人或群机器人"]


def test_the_delivery_key_is_the_same_for_the_same_request_and_recipient_only() -> None:
    assert delivery_key("k", "person:a") == delivery_key("k", "person:a")
    assert delivery_key("k", "person:a") != delivery_key("k", "person:b")
    assert len(delivery_key("k" * 500, "person:a")) <= 64


def answer(outcome, code=None, **kw):
    return rules.Answer(outcome=outcome, code=code, **kw)


def test_a_delivered_answer_ends_the_delivery_and_a_permanent_one_flags_it() -> None:
    assert (
        rules.decide(answer("delivered"), channel_kind=rules.ZWD, attempts=1, now=NOW, policy=POLICY).state
        == "delivered"
    )
    failed = rules.decide(
        answer("permanent", "RECEIVER_NOT_FOUND"), channel_kind=rules.ZWD, attempts=1, now=NOW, policy=POLICY
    )
    assert failed.state == "failed" and "RECEIVER_NOT_FOUND" in failed.reason


def test_transient_failures_back_off_exponentially_with_jitter_then_park() -> None:
    delays = [
        rules.decide(
            answer("transient"), channel_kind=rules.ZWD, attempts=n, now=NOW, policy=POLICY, rand=lambda: 1.0
        ).next_attempt_at
        - NOW
        for n in (1, 2, 3)
    ]
    assert delays == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]
    low = rules.decide(
        answer("transient"), channel_kind=rules.ZWD, attempts=3, now=NOW, policy=POLICY, rand=lambda: 0.0
    )
    assert low.next_attempt_at - NOW == timedelta(seconds=20)
    day = POLICY.outage_patience_s
    last = rules.decide(
        answer("transient"), channel_kind=rules.ZWD, attempts=4, now=NOW, policy=POLICY, waited_s=day
    )
    assert last.state == "parked"


def test_a_work_notification_keeps_being_retried_past_its_attempts_while_the_platform_is_down_for_hours() -> (
    None
):
    hours = rules.decide(
        answer("transient"), channel_kind=rules.ZWD, attempts=9, now=NOW, policy=POLICY, waited_s=3 * 3600
    )
    assert hours.state == "queued" and hours.next_attempt_at - NOW <= timedelta(seconds=POLICY.max_delay_s)
    robot = rules.decide(
        answer("transient"), channel_kind=rules.ROBOT, attempts=9, now=NOW, policy=POLICY, waited_s=60
    )
    assert robot.state == "parked"  # a robot has no idempotency key: no resending on and on


def test_a_platform_retry_hint_is_honoured() -> None:
    throttled = rules.decide(
        answer("transient", "130101", retry_after_s=600),
        channel_kind=rules.ROBOT,
        attempts=1,
        now=NOW,
        policy=POLICY,
    )
    assert throttled.state == "queued" and throttled.next_attempt_at - NOW >= timedelta(seconds=600)


def test_a_robot_message_that_may_have_arrived_is_parked_never_resent() -> None:
    lost = answer("transient", "ReadTimeout", maybe_delivered=True)
    assert rules.decide(lost, channel_kind=rules.ROBOT, attempts=1, now=NOW, policy=POLICY).state == "parked"
    assert rules.decide(lost, channel_kind=rules.ZWD, attempts=1, now=NOW, policy=POLICY).state == "queued"
    gateway = answer("transient", "http_502", maybe_delivered=True)
    assert (
        rules.decide(gateway, channel_kind=rules.ROBOT, attempts=1, now=NOW, policy=POLICY).state == "queued"
    )


def test_an_abandoned_delivery_is_resent_only_where_the_platform_drops_repeats() -> None:
    assert rules.recover_abandoned(rules.ZWD, now=NOW).state == "queued"
    assert rules.recover_abandoned(rules.WEBHOOK, now=NOW).state == "queued"
    assert rules.recover_abandoned(rules.ROBOT, now=NOW).state == "parked"


def test_a_digest_lists_every_reminder_with_its_link() -> None:
    title, text = rules.digest_markdown(
        [
            rules.DigestItem("反馈意见即将到期：甲", "期限：…还剩2个工作日", "https://x/1"),
            rules.DigestItem("乙", "正文", None),
        ]
    )
    assert title == "【职责管理】2条提醒"
    assert "1. **[反馈意见即将到期：甲](https://x/1)**" in text and "2. **乙**" in text


def test_the_domain_imports_no_framework_database_broker_or_redis() -> None:
    forbidden = ("flask", "marshmallow", "sqlalchemy", "alembic", "dramatiq", "redis", "requests")
    for source in (Path(__file__).resolve().parents[2] / "services" / "notify" / "domain").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            assert not [n for n in names if n.split(".")[0] in forbidden], source.name


@pytest.mark.parametrize("code", ["deadline_recomputed", "due_date_changed"])
def test_a_moved_due_date_says_from_which_date_it_moved_第二十二条(code: str) -> None:
    params = {"case_title": "关于甲的申请", "old_due_date": "2027-01-08", "due_date": "2027-01-11"}
    message = render(BUILTIN_BY_CODE[code], params)
    assert "由2027年1月8日（星期五）调整为新的期限" in message.body
