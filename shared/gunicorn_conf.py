"""gunicorn settings shared by every service (``--config shared/gunicorn_conf.py``); env overrides them."""

import os
from typing import Any

workers = int(os.environ.get("DM_WEB_WORKERS", "2"))
threads = int(os.environ.get("DM_WEB_THREADS", "4"))
timeout = 60
graceful_timeout = 10
accesslog = "-"
# gunicorn's control socket defaults to one path per user: several services (or suites) would fight over it.
control_socket_disable = True
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'


def _multiproc_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def child_exit(server: Any, worker: Any) -> None:
    if _multiproc_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
