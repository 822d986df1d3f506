"""Fixtures of the browser journeys; they live in web_support.py (a unique module name)."""

from web_support import *  # noqa: F403
