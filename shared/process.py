"""What every process of the suite does first, once its settings are read: logging, the time zone dates are
counted in, and a warning for each ``DM_*`` variable nobody reads (a typo would otherwise change nothing,
silently)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from shared import localtime
from shared.config import Settings, unknown_variables
from shared.logging import configure_logging

log = logging.getLogger(__name__)


def start_process(name: str, settings: Settings, environ: Mapping[str, str] | None = None) -> list[str]:
    """Set the process up from ``settings``; returns the unknown ``DM_*`` variables it warned about."""
    configure_logging(name, fmt=settings.log_format, level=settings.log_level)
    localtime.configure(settings.timezone)
    unknown = unknown_variables(os.environ if environ is None else environ)
    for variable in unknown:
        log.warning("%s is set but no part of the suite reads it (a typo? see deploy/README.md)", variable)
    return unknown
