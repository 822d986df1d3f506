"""The deadlines worker: ``dramatiq services.deadlines.worker:setup --queues deadlines``."""

from services.deadlines.app import SERVICE
from shared.service import setup_worker


def setup() -> None:
    setup_worker(SERVICE)
