"""A notice never fails for its length (第20条: a solicitation that never arrives must not count as silence):
every template, in every kind it allows, with every parameter as long as the API accepts, fits the 2048
bytes of a 浙政钉 ``msg`` and keeps its title, its deadline, what silence means and the link."""

from __future__ import annotations

import json

import pytest
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from services.notify.domain.templates import (
    BUILTIN_BY_CODE,
    BUILTIN_TEMPLATES,
    SHORTENED_NOTE,
    TemplateSpec,
    render,
    render_fitting,
)
from services.notify.usecases.delivery import fits_work_notification
from shared.platform import OutboundMessage
from shared.platform.zwd import MAX_MSG_BYTES, encode_msg
from shared.platform.zwd import render as platform_msg

LINK = "http://zwfw.example.gov.cn:8443/m/cases/coordination-20261204-000123?tab=solicitations&round=2"
LONG_TEXT = "关于农贸市场活禽交易监管职责的分歧意见，涉及市场监管、农业农村和综合执法三个部门。" * 120
NUMBERS = {"remaining_working_days": 3, "overdue_working_days": 0, "year": 2027}


def variables_of(spec: TemplateSpec) -> set[str]:
    env = SandboxedEnvironment()
    return meta.find_undeclared_variables(env.parse(spec.title)) | meta.find_undeclared_variables(
        env.parse(spec.body)
    )


def maximal_params(spec: TemplateSpec) -> dict[str, object]:
    params: dict[str, object] = {name: LONG_TEXT[:5000] for name in variables_of(spec)}
    params.update({name: value for name, value in NUMBERS.items() if name in params})
    params["case_title"] = LONG_TEXT[:200]  # the API's longest title
    params["due_date"] = "2026-12-04"
    params.pop("deadline", None)
    params.pop("days", None)
    return params


def msg_of(message) -> str:
    outbound = OutboundMessage(
        key="k",
        title=message.title,
        text=message.body,
        kind=message.kind,
        link_url=message.link,
        link_text=message.link_text,
        form=message.form,
    )
    return encode_msg(platform_msg(outbound))  # raises MessageTooLarge beyond 2048 bytes


CASES = [(spec, kind) for spec in BUILTIN_TEMPLATES for kind in spec.kinds]


@pytest.mark.parametrize(("spec", "kind"), CASES, ids=[f"{s.code}-{k}" for s, k in CASES])
def test_every_template_with_maximal_inputs_fits_2048_bytes_and_keeps_title_deadline_and_link_第20条(
    spec: TemplateSpec, kind: str
) -> None:
    params = maximal_params(spec)
    full = render(spec, params, link=LINK, kind=kind)
    message = render_fitting(spec, params, link=LINK, kind=kind, fits=fits_work_notification)

    msg = msg_of(message)
    assert len(msg.encode("utf-8")) <= MAX_MSG_BYTES
    assert message.title == full.title
    assert LINK in msg.replace("\\/", "/")
    if "期限：" in full.body:
        assert "期限：2026年12月4日（星期五）" in message.body
    if "视为没有不同意见" in full.body:
        assert "视为没有不同意见" in message.body
    if message.body != full.body:
        assert SHORTENED_NOTE in message.body and "…" in message.body


def test_a_5000_character_question_still_tells_the_date_and_that_silence_counts_第20条() -> None:
    spec = BUILTIN_BY_CODE["solicitation_request"]
    title = "关于活禽交易监管职责分工的协调申请"
    params = {"case_title": title, "question": LONG_TEXT[:5000], "due_date": "2026-12-11"}
    message = render_fitting(spec, params, link=LINK, kind="markdown", fits=fits_work_notification)

    body = message.body
    assert body.startswith("编办就《关于活禽交易监管职责分工的协调申请》书面征求贵单位意见")
    assert "征求意见事项：关于农贸市场" in body and "…" in body
    assert "逾期未反馈且未说明理由的，视为没有不同意见（第20条）" in body
    assert "期限：2026年12月11日（星期五）" in body
    assert len(msg_of(message).encode("utf-8")) <= MAX_MSG_BYTES
    assert len(msg_of(message).encode("utf-8")) > MAX_MSG_BYTES - 200  # as much of the question as fits


def test_a_notice_that_fits_is_sent_word_for_word() -> None:
    spec = BUILTIN_BY_CODE["solicitation_request"]
    params = {"case_title": "甲", "question": "职责边界是否清晰", "due_date": "2026-12-11"}
    fitted = render_fitting(spec, params, link=LINK, fits=fits_work_notification)
    assert fitted == render(spec, params, link=LINK)


def test_a_text_notice_carries_its_link_to_the_full_text() -> None:
    spec = BUILTIN_BY_CODE["channel_test"]
    message = render(spec, {"sent_by": "赵磊"}, link=LINK, kind="text")
    assert LINK in json.loads(msg_of(message))["text"]["content"]
