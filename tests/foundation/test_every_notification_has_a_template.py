"""Every notification a service asks notify to send has a Chinese template in notify's catalogue — otherwise a
reminder the measures require would be refused at delivery time."""

from __future__ import annotations

import re

from services.deadlines.usecases import calendar_admin, calendar_watch, sweep
from services.devolution import messages as devolution_messages
from services.intake.messages import cases as intake_messages
from services.notify.domain.templates import BUILTIN_TEMPLATES
from shared.config import REPO_ROOT


def _approval_codes() -> set[str]:
    source = (REPO_ROOT / "services/intake/messages/approvals.py").read_text(encoding="utf-8")
    return set(re.findall(r'template="([a-z_]+)"', source))


def _codes_sent_by_services() -> dict[str, set[str]]:
    return {
        "intake": set(intake_messages.TEMPLATES) | _approval_codes(),
        "devolution": set(devolution_messages.TEMPLATES),
        "deadlines": set(sweep.TEMPLATES.values())
        | {calendar_watch.TEMPLATE, calendar_admin.DUE_DATE_CHANGED},
    }


def test_the_approval_notices_are_found() -> None:
    assert {"approval_requested", "approval_decided"} <= _approval_codes()


def test_every_template_code_a_service_sends_exists_in_notify() -> None:
    catalogue = {spec.code for spec in BUILTIN_TEMPLATES}
    missing = {service: sorted(codes - catalogue) for service, codes in _codes_sent_by_services().items()}
    assert {service: codes for service, codes in missing.items() if codes} == {}
