"""Fixtures of the approvals tests; they and the helpers live in approvals_support.py (a unique module name:
several test folders have helpers, and a plain `conftest` import would pick whichever loaded first)."""

from approvals_support import *  # noqa: F403
from web_support import browser  # noqa: F401  (the one chromium launcher of the browser tests)
