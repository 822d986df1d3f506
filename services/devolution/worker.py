"""The devolution worker: ``dramatiq services.devolution.worker:setup --queues devolution``."""

from services.devolution.app import SERVICE
from shared.service import setup_worker


def setup() -> None:
    setup_worker(SERVICE)
