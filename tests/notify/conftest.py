"""Fixtures of the notify tests; they and the helpers live in notify_support.py (a unique module name:
several test folders have helpers, and a plain `conftest` import would pick whichever loaded first)."""

from notify_support import *  # noqa: F403
