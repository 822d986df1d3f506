"""The parameters of intake's notices and the templates that print them agree: a parameter intake sends is
read by its template, and a variable a template reads is sent by some caller (or derived by notify). A name
spelled two ways (``old_due_date_cn`` sent, ``old_due_date`` read) would otherwise never show."""

from __future__ import annotations

import ast
from collections import defaultdict

from jinja2 import meta

from services.notify.domain.templates import _ENV, BUILTIN_BY_CODE
from shared.config import REPO_ROOT

#: the call's own options, not template parameters
OPTIONS = {"dedupe", "urgent", "report_delivery"}
#: what notify derives for every template (``template_variables``) and what the derived ones are made of
DERIVED = {"case_title", "case_id", "link", "urgent_mark", "due_date_cn", "deadline", "days"}
DEADLINE_INPUTS = {"due_date", "remaining_working_days", "overdue_working_days", "provisional"}


def intake_notices() -> dict[str, set[str]]:
    """Template code → the parameter names intake's ``Outgoing.notify`` calls pass for it."""
    sent: dict[str, set[str]] = defaultdict(set)
    for path in (REPO_ROOT / "services" / "intake").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "notify" or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names = {k.arg for k in node.keywords if k.arg and k.arg not in OPTIONS}
                sent[first.value] |= names
    return dict(sent)


def read_by(code: str) -> set[str]:
    spec = BUILTIN_BY_CODE[code]
    names: set[str] = set()
    for source in (spec.title, spec.body):
        names |= meta.find_undeclared_variables(_ENV.parse(source))
    return names


def test_intake_sends_its_notices_with_templates_that_exist() -> None:
    assert set(intake_notices()) - set(BUILTIN_BY_CODE) == set()


def test_every_parameter_intake_sends_is_printed_by_its_template() -> None:
    unread = {}
    for code, names in intake_notices().items():
        read = read_by(code)
        uses_deadline = bool(read & {"deadline", "days", "due_date_cn"})
        ignored = names - read - (DEADLINE_INPUTS if uses_deadline else set())
        if ignored:
            unread[code] = sorted(ignored)
    assert unread == {}


def test_every_variable_a_template_of_intake_reads_is_sent_or_derived() -> None:
    missing = {}
    for code, names in intake_notices().items():
        never = read_by(code) - names - DERIVED - {"title", "kind"}
        if never:
            missing[code] = sorted(never)
    assert missing == {}


def test_the_check_sees_intake_s_calls() -> None:
    notices = intake_notices()
    assert len(notices) > 20 and "solicitation_request" in notices
