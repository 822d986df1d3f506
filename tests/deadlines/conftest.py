"""Fixtures of the deadlines tests; they and the helpers live in deadlines_support.py (a unique module name:
several test folders have helpers, and a plain `conftest` import would pick whichever loaded first)."""

from deadlines_support import *  # noqa: F403
