"""第39条 on intake's side: the replica of each district's or county's local rules, kept from deadlines'
``local_rules.changed`` (the latest set by ``changed_at`` wins; a repeat or an older set changes nothing),
read (:func:`services.intake.queries.local_rules_of`) by the steps that set a reply period (第二十条) or
extend the coordination period (第二十二条)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.intake.tables import LocalRulesReplica
from shared.errors import ValidationFailed
from shared.local_rules import LocalRules, check_setting
from shared.localtime import require_aware
from shared.messaging import UnitOfWork


def replicate(uow: UnitOfWork, payload: Mapping[str, Any]) -> bool:
    """Keep the jurisdiction's set if it is newer than the one kept; True if it was kept."""
    jurisdiction = str(payload.get("jurisdiction") or "")
    rules = payload.get("rules")
    try:
        changed_at = require_aware(datetime.fromisoformat(str(payload.get("changed_at"))), "changed_at")
    except ValueError:
        raise ValidationFailed.for_field("changed_at", "不是有效的时间", code="invalid_datetime") from None
    if not jurisdiction or not isinstance(rules, Mapping):
        raise ValidationFailed.for_field("rules", "须含辖区和本地规定", code="local_rules_invalid")
    for setting in LocalRules.from_json(jurisdiction, rules).settings():
        check_setting(jurisdiction, setting)  # refuse what this code cannot count by before keeping it
    row = uow.session.get(LocalRulesReplica, jurisdiction, with_for_update=True)
    if row is not None and row.changed_at >= changed_at:
        return False
    if row is None:
        row = LocalRulesReplica(jurisdiction=jurisdiction)
        uow.session.add(row)
    row.rules, row.changed_at = dict(rules), changed_at
    return True
