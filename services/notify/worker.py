"""The notify worker: ``dramatiq services.notify.worker:setup --queues notify``."""

from services.notify.app import SERVICE
from shared.service import setup_worker


def setup() -> None:
    setup_worker(SERVICE)
