"""gunicorn settings shared by every service (``--config shared/gunicorn_conf.py``).

Where a process listens and how many workers and threads it runs come from the command line that
``python -m shared.serve web <service>`` builds from the settings (``DM_BIND_ADDRESS``, ``<SERVICE>_PORT``,
``DM_WEB_WORKERS``, ``DM_WEB_THREADS``), not from here.
"""

import os
from typing import Any

from shared import gunicorn_errors

timeout = 60
graceful_timeout = 10
accesslog = "-"
# gunicorn's control socket defaults to one path per user: several services (or suites) would fight over it.
control_socket_disable = True
# The longest request line gunicorn takes (its maximum; the default is 4094): nginx in front allows 8 KB
# (large_client_header_buffers), so a request nginx passes is never refused here. What is longer gets a
# Chinese problem+json (shared/gunicorn_errors.py), not gunicorn's English HTML.
limit_request_line = 8190
gunicorn_errors.install()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'


def _multiproc_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def child_exit(server: Any, worker: Any) -> None:
    if _multiproc_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
