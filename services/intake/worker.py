"""Intake's Dramatiq worker: ``dramatiq services.intake.worker:setup --queues intake``."""

from services.intake.app import SERVICE
from shared.service import setup_worker


def setup() -> None:
    setup_worker(SERVICE)
