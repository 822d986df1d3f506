"""Prometheus metrics for HTTP and Dramatiq.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``make run`` sets one directory per service), every gunicorn worker and
every Dramatiq worker process of a service writes its samples there and the service's ``/metrics`` shows
them all; without it, the process's own registry is shown.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

HTTP_REQUESTS = Counter(
    "dm_http_requests_total", "HTTP requests served", ["service", "method", "endpoint", "status"]
)
HTTP_SECONDS = Histogram("dm_http_request_seconds", "HTTP request latency", ["service", "endpoint"])
QUEUE_MESSAGES = Counter("dm_queue_messages_total", "Queue messages processed", ["queue", "actor", "outcome"])
QUEUE_SECONDS = Histogram("dm_queue_message_seconds", "Queue message processing time", ["queue", "actor"])
DEAD_LETTERS = Counter(
    "dm_queue_dead_letters_total",
    "Messages a worker gave up on (kept in dead_letter)",
    ["service", "type", "reason"],
)
DEAD_LETTERS_OPEN = Gauge(
    "dm_queue_dead_letters_open",
    "Dead letters not yet replayed or resolved",
    ["service"],
    multiprocess_mode="livemax",
)
OUTBOX_PENDING = Gauge(
    "dm_outbox_pending", "Outbox rows not yet published", ["service"], multiprocess_mode="livemax"
)


def render_metrics() -> tuple[bytes, str]:
    """The exposition text and its content type, aggregated over processes when in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(DEFAULT_REGISTRY), CONTENT_TYPE_LATEST
