"""The alerting rules an operator loads (deploy/prometheus/alerts.yml) watch metrics the services expose: a
renamed metric would silence an alert without anyone noticing."""

from __future__ import annotations

import re

from shared.config import REPO_ROOT
from shared.metrics import render_metrics


def test_every_metric_an_alert_watches_is_exposed() -> None:
    rules = (REPO_ROOT / "deploy/prometheus/alerts.yml").read_text(encoding="utf-8")
    watched = set(re.findall(r"\b(dm_[a-z_]+)\b", rules))
    exposed = render_metrics()[0].decode()
    assert watched >= {"dm_queue_dead_letters_total", "dm_queue_dead_letters_open", "dm_outbox_pending"}
    declared = set(re.findall(r"^# TYPE (dm_[a-z_]+) ", exposed, re.MULTILINE))
    assert watched - declared == set()
